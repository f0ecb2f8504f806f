"""Candidate retrieval: blocking keys and block-size caps.

Every record yields a small set of :class:`BlockingKey` values. Storage keeps
them in an indexed table so one incoming record finds its candidates with a
few indexed lookups; batch mode groups all records by the same keys.

Strong keys (valid official identifiers, unionid and the source account ids)
are never capped. Every other key type has a maximum block size: a landline
shared by 40 callers or a surname-initials block of 5,000 carries no useful
candidate signal and is skipped, both in batch and in incremental retrieval.

Example:
    >>> sorted(k.key_type for k in blocking_keys(record))  # doctest: +SKIP
    ['birth_surname', 'email', 'mobile', 'name_district', 'name_initials', 'name_pinyin']
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from mdm.features import UNVERIFIED_KINDS, RecordFeatures, features_of
from mdm.records import PartyRecord
from mdm.settings import MatchSettings

STRONG_KEY_TYPES = frozenset(
    {
        "resident_id",
        "credit_code",
        "passport",
        "unionid",
        "member_id",
        "erp_customer",
        "openid",
        "reference",
    }
)
KEY_TYPES = (
    "mobile",
    "phone",
    "email",
    "unionid",
    "resident_id",
    "credit_code",
    "passport",
    "member_id",
    "erp_customer",
    "openid",
    "reference",
    "name_initials",
    "name_pinyin",
    "name_district",
    "birth_surname",
    "birth_given",
    "birth_date",
    "address",
    "name_postcode",
    "given_postcode",
    "postcode",
    "surname",
    "surname_street",
    "name_sorted",
    "other_id",
    "org_token",
)


MAX_KEY_LENGTH = 320  # what storage indexes (blocking_keys.key_value)
_DIGEST = 32


class BlockingKey(NamedTuple):
    """A (key_type, value) under which candidate records are looked up (immutable, ordered)."""

    key_type: str
    value: str


def is_strong(key_type: str) -> bool:
    """True for identifier keys whose blocks are never capped or skipped."""
    return key_type in STRONG_KEY_TYPES


def max_block_size(key_type: str, settings: MatchSettings) -> int | None:
    """The largest block still used for ``key_type``; None means uncapped (strong keys)."""
    if is_strong(key_type):
        return None
    return settings.blocking.cap(key_type)


_CACHE_SIZE = 65_536
_cache: dict[int, tuple[RecordFeatures, frozenset[BlockingKey]]] = {}


def keys_of_features(f: RecordFeatures) -> frozenset[BlockingKey]:
    """Blocking keys from precomputed features (see :func:`blocking_keys`).

    Cached by the identity of ``f`` (features are cached per record object,
    so batch matching and the storage of keys share one computation).
    """
    hit = _cache.get(id(f))
    if hit is not None and hit[0] is f:
        return hit[1]
    keys = _keys(f)
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[id(f)] = (f, keys)
    return keys


def _keys(f: RecordFeatures) -> frozenset[BlockingKey]:
    keys: set[BlockingKey] = set()
    keys.update(BlockingKey("mobile", v) for v in f.mobiles)
    keys.update(BlockingKey("phone", v) for v in f.landlines)
    keys.update(BlockingKey("email", v) for v in f.emails)
    keys.update(BlockingKey("unionid", v) for v in f.unionids)
    # an order or ticket is one party's: its records form a small block
    keys.update(BlockingKey("reference", v) for v in f.references)
    for kind, values in f.valid_ids.items():
        keys.update(BlockingKey(kind, v) for v in values)
    for kind, values in f.accounts.items():
        keys.update(BlockingKey(kind, v) for v in values)
    for kind in UNVERIFIED_KINDS:
        keys.update(BlockingKey("other_id", v) for v in f.all_ids.get(kind, ()))
    postcodes = {a.postcode for a in f.addresses if a.postcode}
    if f.birth_date is not None:
        keys.add(BlockingKey("birth_date", f.birth_date.isoformat()))
    # a small postcode area on its own: finds records whose name, birth date and
    # street are all garbled; a busy one is over the cap and skipped
    keys.update(BlockingKey("postcode", p) for p in postcodes)
    for a in f.addresses:
        if a.detail and len(a.detail) >= 6:
            keys.add(
                BlockingKey("address", f"{a.district or a.city or a.postcode or ''}|{a.detail}")
            )
    areas = {a.district or a.city for a in f.addresses if a.district or a.city}
    # the start of the street detail (a number and a street, 漕溪北路): with the
    # surname it finds a household or a person whose area and name are garbled
    streets = {a.detail[:4] for a in f.addresses if a.detail and len(a.detail) >= 6}
    for n in f.names:
        if n.surname and not n.honorific_only:
            # a rare surname on its own (a common one is over the cap)
            keys.add(BlockingKey("surname", n.surname))
            keys.update(BlockingKey("surname_street", f"{n.surname}|{s}") for s in streets)
        if n.surname and n.has_given:
            keys.add(BlockingKey("name_initials", f"{n.surname}|{n.given_initials}"))
        if n.pinyin and not n.honorific_only:
            keys.add(BlockingKey("name_pinyin", n.pinyin))
            keys.update(BlockingKey("name_district", f"{n.pinyin}|{area}") for area in areas)
        if f.birth_date is not None and n.surname:
            keys.add(BlockingKey("birth_surname", f"{f.birth_date.isoformat()}|{n.surname}"))
        if f.birth_date is not None and n.has_given:
            keys.add(BlockingKey("birth_given", f"{f.birth_date.isoformat()}|{n.given}"))
        if n.surname and not n.honorific_only:
            keys.update(BlockingKey("name_postcode", f"{n.surname}|{p}") for p in postcodes)
        if n.has_given:
            keys.update(BlockingKey("given_postcode", f"{n.given}|{p}") for p in postcodes)
            if n.surname:
                # the parts in either order: "Lin Jiaxin" and "Jiaxin, Lin" meet
                parts = sorted((n.surname, n.given))
                keys.add(BlockingKey("name_sorted", f"{parts[0]}|{parts[1]}"))
    if f.org is not None:
        keys.update(BlockingKey("org_token", t) for t in f.org.tokens)
        keys.add(BlockingKey("org_token", f.org.core))
    return frozenset(_bounded(k) for k in keys)


def _bounded(key: BlockingKey) -> BlockingKey:
    """``key`` with a value of at most `MAX_KEY_LENGTH` characters.

    A longer value (a 400-character street, a long name with its district) keeps
    its head and a digest of the whole: keys stay equal exactly when the values
    are, and every key fits the indexed column that stores it.
    """
    if len(key.value) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.value.encode()).hexdigest()[:_DIGEST]
    return BlockingKey(key.key_type, f"{key.value[: MAX_KEY_LENGTH - _DIGEST - 1]}#{digest}")


def blocking_keys(record: PartyRecord) -> frozenset[BlockingKey]:
    """All blocking keys of ``record``.

    Strong identifiers give keys only when valid. Fuzzy keys: ``name_initials``
    (surname pinyin + given initials, ``lin|jx``), ``name_pinyin`` (compact
    full pinyin), ``name_district`` (pinyin + district, or city when there is
    no district), ``birth_surname`` (ISO date + surname pinyin) and
    ``org_token`` (core-name bigrams or words, and the whole core).
    Honorific-only names (林小姐) give no name keys: they are found by phone.
    """
    return keys_of_features(features_of(record))


def keys_to_query(
    keys: Iterable[BlockingKey], block_sizes: Mapping[BlockingKey, int], settings: MatchSettings
) -> list[BlockingKey]:
    """The keys worth looking up, given the current size of each block in storage.

    Strong keys are always kept; others are dropped when their block is
    larger than the cap for their type. Sorted for deterministic queries.
    """
    out = []
    for k in keys:
        cap = max_block_size(k.key_type, settings)
        if cap is None or block_sizes.get(k, 0) <= cap:
            out.append(k)
    return sorted(out)


def candidate_pairs(
    keys_per_record: list[frozenset[BlockingKey]], settings: MatchSettings
) -> npt.NDArray[np.int64]:
    """All distinct candidate pairs (i < j) of a batch, as an ``(n, 2)`` array.

    Records are grouped by key set-wise; a non-strong block larger than its
    cap is skipped entirely. Pairs are sorted, so the result is deterministic.
    """
    blocks: dict[BlockingKey, list[int]] = {}
    for i, keys in enumerate(keys_per_record):
        for k in keys:
            blocks.setdefault(k, []).append(i)
    n = len(keys_per_record)
    codes: list[int] = []
    for members in _usable_blocks(blocks, settings):
        # members are ascending: records were appended in index order
        codes.extend(x * n + y for x, y in combinations(members, 2))
    if not codes:
        return np.zeros((0, 2), dtype=np.int64)
    unique = np.unique(np.asarray(codes, dtype=np.int64))
    return np.stack([unique // n, unique % n], axis=1)


def _usable_blocks(
    blocks: dict[BlockingKey, list[int]], settings: MatchSettings
) -> Iterator[list[int]]:
    for key, members in blocks.items():
        if len(members) < 2:
            continue
        cap = max_block_size(key.key_type, settings)
        if cap is not None and len(members) > cap:
            continue
        yield members
