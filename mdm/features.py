"""Per-record matching features, computed once per record.

A :class:`RecordFeatures` holds everything the comparisons, rules and
blocking look at, in the shape they need it (compact pinyin, surname/given
pinyin, sets of phone numbers by kind, valid identifiers by kind, ...).
:func:`features_of` builds it and keeps a bounded cache keyed by the record's
source key and identity, so the real-time path that sees the same candidate
records over and over does not rebuild them.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from mdm.normalize.addresses import CITY_PROVINCES
from mdm.records import (
    Address,
    IdentifierKind,
    OrgName,
    PartyKind,
    PartyRecord,
    PersonName,
    PhoneKind,
)

OFFICIAL_KINDS = frozenset(
    {
        IdentifierKind.RESIDENT_ID.value,
        IdentifierKind.CREDIT_CODE.value,
        IdentifierKind.PASSPORT.value,
    }
)
# Identifiers without a checksum (a social-security number, a customer
# number from another system): compared, but never "valid" evidence.
UNVERIFIED_KINDS = frozenset({IdentifierKind.OTHER.value})
ACCOUNT_KINDS = frozenset(
    {
        IdentifierKind.MEMBER_ID.value,
        IdentifierKind.OPENID.value,
        IdentifierKind.ERP_CUSTOMER.value,
    }
)


@dataclass(frozen=True, slots=True)
class NameFeature:
    """One person name prepared for comparison.

    ``pinyin`` is compact (no spaces); ``surname``/``given`` are the compact
    pinyin of the parts ("lin", "jiaxin"); ``syllables`` the pinyin tokens.
    """

    full: str
    pinyin: str
    syllables: tuple[str, ...]
    surname: str
    given: str
    given_initials: str
    is_latin: bool
    honorific_only: bool

    @property
    def has_given(self) -> bool:
        return bool(self.given) and not self.honorific_only


@dataclass(frozen=True, slots=True)
class AddressFeature:
    province: str | None
    city: str | None
    district: str | None
    detail: str | None
    postcode: str | None


@dataclass(frozen=True, slots=True)
class OrgFeature:
    full: str
    core: str
    branch: str | None
    tokens: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecordFeatures:
    """Everything matching needs from one :class:`PartyRecord`."""

    ref: tuple[str, str]
    kind: PartyKind
    names: tuple[NameFeature, ...]
    mobiles: frozenset[str]
    landlines: frozenset[str]
    emails: frozenset[str]
    # kind -> values; ``valid_ids`` only checksum-valid ones, ``all_ids`` every value
    valid_ids: dict[str, frozenset[str]]
    all_ids: dict[str, frozenset[str]]
    unionids: frozenset[str]
    accounts: dict[str, frozenset[str]]
    birth_date: date | None
    gender: str | None
    addresses: tuple[AddressFeature, ...]
    org: OrgFeature | None
    nickname: str | None
    references: frozenset[str] = frozenset()  # orders and tickets the record is tied to

    @property
    def source_system(self) -> str:
        return self.ref[0]


def _compact(text: str) -> str:
    return "".join(text.split()).lower()


def _name_feature(name: PersonName) -> NameFeature | None:
    syllables = tuple(name.pinyin.lower().split())
    pinyin = "".join(syllables)
    if not pinyin and not name.full:
        return None
    surname = given = given_initials = ""
    if name.is_latin:
        surname = _compact(name.surname or "")
        given_words = (name.given or "").lower().split()
        if not surname and not given_words and len(syllables) >= 2:
            given_words, surname = [syllables[0]], "".join(syllables[1:])
        given = "".join(given_words)
        given_initials = "".join(w[0] for w in given_words)
    else:
        n_sur = len(name.surname) if name.surname else (1 if syllables else 0)
        surname = "".join(syllables[:n_sur])
        if name.given or not name.surname:
            given = "".join(syllables[n_sur:])
            given_initials = "".join(s[0] for s in syllables[n_sur:])
    if name.honorific_only:
        given = given_initials = ""
    return NameFeature(
        full=name.full,
        pinyin=pinyin,
        syllables=syllables,
        surname=surname,
        given=given,
        given_initials=given_initials,
        is_latin=name.is_latin,
        honorific_only=name.honorific_only,
    )


def _address_feature(a: Address) -> AddressFeature | None:
    detail = _compact(a.detail) if a.detail else None
    city = a.city.strip().lower() if a.city else None
    district = a.district or None
    if a.province in CITY_PROVINCES and city and city != a.province and district is None:
        # WeChat and others give a municipality's district as its city ("上海 长宁")
        city, district = a.province, city
    f = AddressFeature(
        a.province or None, city or None, district, detail or None, a.postcode or None
    )
    if not (f.province or f.city or f.district or f.detail or f.postcode):
        return None
    return f


def _org_tokens(core: str) -> tuple[str, ...]:
    words = core.lower().split()
    if len(words) > 1 or core.isascii():
        return tuple(sorted({w for w in words if len(w) >= 3}))
    text = _compact(core)
    if len(text) <= 2:
        return (text,) if text else ()
    return tuple(sorted({text[i : i + 2] for i in range(len(text) - 1)}))


def _org_feature(o: OrgName) -> OrgFeature | None:
    core = (o.core or o.full).strip().lower()
    if not core:
        return None
    branch = _compact(o.branch) if o.branch else None
    return OrgFeature(o.full, _compact(core), branch or None, _org_tokens(core))


def _ids(record: PartyRecord, kinds: frozenset[str], valid_only: bool) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for ident in record.identifiers:
        if ident.kind.value in kinds and ident.value and (ident.valid or not valid_only):
            out.setdefault(ident.kind.value, set()).add(ident.value)
    return {k: frozenset(v) for k, v in out.items()}


def build_features(record: PartyRecord) -> RecordFeatures:
    """Compute the features of ``record`` (no caching)."""
    names = tuple(
        f for f in (_name_feature(n) for n in record.names if n.full or n.pinyin) if f is not None
    )
    mobiles = frozenset(p.e164 for p in record.phones if p.e164 and p.kind is PhoneKind.MOBILE)
    landlines = frozenset(
        p.e164 for p in record.phones if p.e164 and p.kind is not PhoneKind.MOBILE
    )
    unionids = frozenset(
        i.value for i in record.identifiers if i.kind is IdentifierKind.UNIONID and i.value
    )
    addresses = tuple(f for f in (_address_feature(a) for a in record.addresses) if f is not None)
    gender = record.gender.upper() if record.gender and record.gender.upper() in "MF" else None
    nickname = record.nickname.strip() if record.nickname and record.nickname.strip() else None
    return RecordFeatures(
        ref=(record.source_system, record.source_key),
        kind=record.kind,
        names=names,
        mobiles=mobiles,
        landlines=landlines,
        emails=frozenset(e.value for e in record.emails if e.value),
        valid_ids=_ids(record, OFFICIAL_KINDS, valid_only=True),
        all_ids=_ids(record, OFFICIAL_KINDS | UNVERIFIED_KINDS, valid_only=False),
        unionids=unionids,
        accounts=_ids(record, ACCOUNT_KINDS, valid_only=False),
        birth_date=record.birth_date,
        gender=gender,
        addresses=addresses,
        org=_org_feature(record.org_name) if record.org_name else None,
        nickname=nickname,
        references=frozenset(record.references),
    )


_CACHE_SIZE = 65_536
_cache: OrderedDict[tuple[str, str], tuple[PartyRecord, RecordFeatures]] = OrderedDict()


def features_of(record: PartyRecord) -> RecordFeatures:
    """The features of ``record``, from a bounded LRU cache when the same object was seen.

    The cache is keyed by ``(source_system, source_key)`` and checked by
    identity, so a changed record (a new object) is always recomputed.
    """
    key = (record.source_system, record.source_key)
    hit = _cache.get(key)
    if hit is not None and hit[0] is record:
        _cache.move_to_end(key)
        return hit[1]
    feats = build_features(record)
    _cache[key] = (record, feats)
    if len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return feats
