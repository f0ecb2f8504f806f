"""What the matcher reads for a batch: its stored blocking keys, then the candidates.

:func:`store_keys_and_find` replaces the batch records' blocking keys and reads
everything the matcher decides with: the size of each key's block (its term
frequency), the records holding the keys worth looking up, the records that
placed the orders the batch cites, every member of the goldens all those
records (and the batch's) belong to with those goldens' pins, and the
cannot-links touching them.

On PostgreSQL that is one statement (the keys are written by data-modifying
CTEs next to the reads); a real-time match pays one round trip for it instead
of six. Its reads see the database as it was before those writes, so the
batch's own keys are left out of what is read and added from what the batch
holds: the counts and holders come out as if read after the write. On SQLite
(in-process, where a statement costs little) it is the plain sequence of
queries the other repository functions give.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.queries import references as references_queries
from cdhub.storage.repo import blocking as blocking_repo
from cdhub.storage.repo import decisions as decisions_repo
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo import source_records as records_repo
from cdhub.storage.repo.blocking import COUNT_LIMIT
from cdhub.storage.repo.golden import Member
from mdm.blocking import MAX_KEY_LENGTH, BlockingKey
from mdm.records import order_reference


@dataclass(frozen=True, slots=True)
class Candidates:
    """What a batch is matched against.

    Attributes:
        sizes: Records carrying each key of the batch, the batch's own included
            (bounded by ``COUNT_LIMIT``; keys held by no one are left out).
        holders: Record ids per key whose block is within its cap.
        placers: Record id -> the cited order references it placed.
        members: Golden id -> its members in record id order, for every golden
            holding a holder, a placer or a batch record.
        kinds: Golden id -> person or organisation, for those goldens.
        cannot_links: (low id, high id) pairs touching holders, placers or batch records.
        refs: (source system, source key) of every record in ``cannot_links``.
        pins: Steward pins of those goldens: golden id -> attribute -> value.
        newest: The rough record count: the highest fresh record id, else the
            highest stored one.
    """

    sizes: dict[BlockingKey, int]
    holders: dict[BlockingKey, list[int]]
    placers: dict[int, set[str]]
    members: dict[int, list[Member]]
    kinds: dict[int, str]
    cannot_links: set[tuple[int, int]]
    refs: dict[int, tuple[str, str]]
    pins: dict[int, dict[str, str]]
    newest: int


async def store_keys_and_find(
    session: AsyncSession,
    keys_by_record: Mapping[int, Iterable[BlockingKey]],
    fresh: Collection[int],
    caps: Mapping[str, int | None],
    cited: Collection[str],
) -> Candidates:
    """Make the stored keys of each record ``keys_by_record[record]``; read its candidates.

    ``fresh`` records were stored in this transaction (no keys to delete);
    ``caps`` is the largest block looked up for each key type of the batch
    (None: any size, for strong keys); ``cited`` the order references whose
    placers are wanted.
    """
    keys = {rid: sorted(set(ks)) for rid, ks in keys_by_record.items()}
    numbers = sorted({r.partition(":")[2] for r in cited if r.startswith("order:")})
    if session.get_bind().dialect.name == "postgresql":
        return await _in_one_statement(session, keys, fresh, caps, numbers)
    return await _in_steps(session, keys, fresh, caps, cited)


async def _in_steps(
    session: AsyncSession,
    keys: dict[int, list[BlockingKey]],
    fresh: Collection[int],
    caps: Mapping[str, int | None],
    cited: Collection[str],
) -> Candidates:
    await blocking_repo.replace_keys(session, keys, fresh)
    every = {k for ks in keys.values() for k in ks}
    sizes = await blocking_repo.block_sizes(session, every)
    usable = [k for k in every if _within(caps[k.key_type], sizes.get(k, 0))]
    holders = await blocking_repo.records_with_keys(session, sorted(usable))
    placers = await references_queries.order_placers(session, cited) if cited else {}
    found = {rid for ids in holders.values() for rid in ids} | set(placers) | set(keys)
    members, kinds = await golden_repo.members_of_records(session, found)
    pairs = await decisions_repo.cannot_links(session, found)
    refs = {
        m.source_record_id: (m.source_system, m.source_key) for ms in members.values() for m in ms
    }
    missing = {rid for pair in pairs for rid in pair if rid not in refs}
    if missing:
        for rid, stored in (await records_repo.load_by_ids(session, missing)).items():
            refs[rid] = (stored.source_system, stored.source_key)
    pins = await golden_repo.pins(session, members)
    newest = max(fresh) if fresh else await records_repo.approximate_count(session)
    return Candidates(sizes, holders, placers, members, kinds, pairs, refs, pins, newest)


def _within(cap: int | None, size: int) -> bool:
    return cap is None or size <= cap


async def _in_one_statement(
    session: AsyncSession,
    keys: dict[int, list[BlockingKey]],
    fresh: Collection[int],
    caps: Mapping[str, int | None],
    numbers: list[str],
) -> Candidates:
    rows = [(rid, k.key_type, k.value[:MAX_KEY_LENGTH]) for rid in sorted(keys) for k in keys[rid]]
    own = Counter((t, v) for _, t, v in rows)
    wanted = sorted(own)
    batch = sorted(keys)
    result = await session.execute(
        _FIND,
        {
            "ins_rid": [rid for rid, _, _ in rows],
            "ins_t": [t for _, t, _ in rows],
            "ins_v": [v for _, _, v in rows],
            "replaced": [rid for rid in batch if rid not in fresh],
            "batch": batch,
            "t": [t for t, _ in wanted],
            "v": [v for _, v in wanted],
            "own": [own[key] for key in wanted],
            "cap": [caps[t] for t, _ in wanted],
            "limit": COUNT_LIMIT,
            "numbers": numbers,
        },
    )
    sized, held, placed, found, links, pinned, newest = result.one()
    sizes = {BlockingKey(t, v): int(n) for t, v, n in sized or () if n}
    holders: dict[BlockingKey, list[int]] = {}
    for t, v, rid in held or ():
        holders.setdefault(BlockingKey(t, v), []).append(int(rid))
    for rid, t, v in rows:  # the batch's own keys, which the reads did not see
        key = BlockingKey(t, v)
        if key in sizes and _within(caps[t], sizes[key]):
            holders.setdefault(key, []).append(rid)
    placers: dict[int, set[str]] = {}
    for rid, number in placed or ():
        placers.setdefault(int(rid), set()).add(order_reference(number))
    members: dict[int, list[Member]] = {}
    kinds: dict[int, str] = {}
    for rid, system, key, attributes, received, observed, golden, kind in found or ():
        members.setdefault(int(golden), []).append(
            Member(int(rid), system, key, attributes, received, observed, int(golden))
        )
        kinds[int(golden)] = kind
    pairs: set[tuple[int, int]] = set()
    refs = {
        m.source_record_id: (m.source_system, m.source_key) for ms in members.values() for m in ms
    }
    for a, b, a_ref, b_ref in links or ():
        pairs.add((int(a), int(b)))
        refs.setdefault(int(a), _ref(a_ref))
        refs.setdefault(int(b), _ref(b_ref))
    pins: dict[int, dict[str, str]] = {}
    for golden, attribute, value in pinned or ():
        pins.setdefault(int(golden), {})[attribute] = value
    newest = max(fresh) if fresh else int(newest or 0)
    return Candidates(
        sizes, holders, placers, dict(sorted(members.items())), kinds, pairs, refs, pins, newest
    )


def _ref(row: Any) -> tuple[str, str]:
    system, key = row
    return str(system), str(key)


# Sibling CTEs run in no set order, so a replaced record's keys that stay are
# neither deleted nor inserted again (a delete and an insert of one key could
# meet in the unique index). The reads leave out the batch's records, whose keys
# are being replaced; members come ordered by golden and record id, like
# golden_repo.members_of_records.
_FIND = text(
    """
WITH wanted AS (
  SELECT * FROM unnest(CAST(:ins_rid AS bigint[]), CAST(:ins_t AS text[]),
    CAST(:ins_v AS text[])) WITH ORDINALITY AS t(rid, t, v, n)
), dropped AS (
  DELETE FROM blocking_keys b
  WHERE b.source_record_id = ANY(CAST(:replaced AS bigint[])) AND NOT EXISTS (SELECT 1
    FROM wanted w WHERE w.rid = b.source_record_id AND w.t = b.key_type AND w.v = b.key_value)
), added AS (
  INSERT INTO blocking_keys (source_record_id, key_type, key_value)
  SELECT rid, t, v FROM wanted ORDER BY n
  ON CONFLICT (source_record_id, key_type, key_value) DO NOTHING
), batch AS (
  SELECT unnest(CAST(:batch AS bigint[])) AS rid
), sized AS (
  SELECT k.t, k.v, k.cap, least(c.n + k.own, :limit) AS n
  FROM unnest(CAST(:t AS text[]), CAST(:v AS text[]), CAST(:own AS int[]),
    CAST(:cap AS int[])) AS k(t, v, own, cap)
  CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM blocking_keys b
    WHERE b.key_type = k.t AND b.key_value = k.v
      AND b.source_record_id <> ALL(CAST(:batch AS bigint[]))
    LIMIT :limit) AS held) AS c
), held AS (
  SELECT k.t, k.v, b.source_record_id AS rid
  FROM sized k JOIN blocking_keys b ON b.key_type = k.t AND b.key_value = k.v
  WHERE (k.cap IS NULL OR k.n <= k.cap)
    AND b.source_record_id <> ALL(CAST(:batch AS bigint[]))
), placers AS (
  SELECT s.id AS rid, o.order_no
  FROM orders o
  JOIN source_records s ON s.source_system = o.party_system AND s.source_key = o.party_key
  WHERE o.order_no = ANY(CAST(:numbers AS text[])) AND NOT s.erased
), found AS (
  SELECT rid FROM held UNION SELECT rid FROM placers UNION SELECT rid FROM batch
), goldens AS (
  SELECT DISTINCT x.golden_id FROM xrefs x JOIN found f ON f.rid = x.source_record_id
), members AS (
  SELECT s.id, s.source_system, s.source_key, s.attributes, s.received_at, s.observed_at,
    x.golden_id, g.kind
  FROM goldens h
  JOIN xrefs x ON x.golden_id = h.golden_id
  JOIN source_records s ON s.id = x.source_record_id
  JOIN golden_customers g ON g.id = x.golden_id
), links AS (
  SELECT c.left_source_record_id AS a, c.right_source_record_id AS b
  FROM cannot_links c
  WHERE c.left_source_record_id IN (SELECT rid FROM found)
     OR c.right_source_record_id IN (SELECT rid FROM found)
)
SELECT
  (SELECT array_agg(ROW(t, v, n)) FROM sized),
  (SELECT array_agg(ROW(t, v, rid)) FROM held),
  (SELECT array_agg(ROW(rid, order_no)) FROM placers),
  (SELECT array_agg(ROW(id, source_system, source_key, attributes, received_at, observed_at,
     golden_id, kind) ORDER BY golden_id, id) FROM members),
  (SELECT array_agg(ROW(l.a, l.b, ROW(sa.source_system, sa.source_key),
     ROW(sb.source_system, sb.source_key)))
   FROM links l
   JOIN source_records sa ON sa.id = l.a
   JOIN source_records sb ON sb.id = l.b),
  (SELECT array_agg(ROW(p.golden_id, p.attribute, p.value))
   FROM pins p WHERE p.golden_id IN (SELECT golden_id FROM goldens)),
  (SELECT max(id) FROM source_records)
"""
)
