"""Blocking keys: stored per source record, looked up by (type, value)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence

from sqlalchemy import delete, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import BlockingKey as BlockingKeyRow
from cdhub.storage.models import table_of
from cdhub.storage.repo.source_records import chunks, insert_many
from mdm.blocking import MAX_KEY_LENGTH, BlockingKey


async def replace_keys(
    session: AsyncSession,
    keys_by_record: Mapping[int, Iterable[BlockingKey]],
    fresh: Collection[int] = frozenset(),
) -> None:
    """Make the stored keys of each record exactly ``keys_by_record[record]``.

    ``fresh`` records were stored in this transaction and have no keys to delete.
    """
    ids = sorted(keys_by_record)
    for part in chunks([i for i in ids if i not in fresh]):
        await session.execute(
            delete(BlockingKeyRow).where(BlockingKeyRow.source_record_id.in_(part))
        )
    await insert_many(
        session,
        table_of(BlockingKeyRow),
        ("source_record_id", "key_type", "key_value"),
        [
            (record_id, k.key_type, k.value[:MAX_KEY_LENGTH])
            for record_id in ids
            for k in sorted(set(keys_by_record[record_id]))
        ],
    )


async def sync_keys(
    session: AsyncSession, keys_by_record: Mapping[int, Iterable[BlockingKey]]
) -> int:
    """:func:`replace_keys` for many records, rewriting only those whose keys changed.

    Reads the stored keys once (three short columns per key) instead of deleting
    and inserting every key again; returns how many records got new keys.
    """
    wanted = {
        rid: {(k.key_type, k.value[:MAX_KEY_LENGTH]) for k in keys}
        for rid, keys in keys_by_record.items()
    }
    stored: dict[int, set[tuple[str, str]]] = {}
    rows = await session.execute(
        select(BlockingKeyRow.source_record_id, BlockingKeyRow.key_type, BlockingKeyRow.key_value)
    )  # a streamed result costs ten times more per row
    for rid, key_type, value in rows:
        if rid in wanted:
            stored.setdefault(rid, set()).add((key_type, value))
    changed = {
        rid: [BlockingKey(t, v) for t, v in keys]
        for rid, keys in wanted.items()
        if stored.get(rid, set()) != keys
    }
    await replace_keys(session, changed, fresh={rid for rid in changed if rid not in stored})
    return len(changed)


# Counting a key's block stops here: bigger blocks are skipped for retrieval anyway,
# and as a term frequency "more than a thousand" is already very weak evidence.
COUNT_LIMIT = 1000


async def block_sizes(session: AsyncSession, keys: Iterable[BlockingKey]) -> dict[BlockingKey, int]:
    """How many stored records carry each key (also the term frequency of its value).

    Counts are bounded by ``COUNT_LIMIT`` so the cost per key stays constant however
    large the hub grows (a surname-initials block may hold tens of thousands). One
    statement per chunk of keys, with the keys passed as parameters: building a
    query per key costs more in Python than the database spends counting.
    """
    wanted = sorted({(k.key_type, k.value[:MAX_KEY_LENGTH]) for k in keys})
    sizes: dict[BlockingKey, int] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    for part in chunks(wanted, 5000 if postgres else 500):
        if postgres:
            params: dict[str, object] = {
                "types": [t for t, _ in part],
                "values": [v for _, v in part],
                "limit": COUNT_LIMIT,
            }
            rows = await session.execute(_PG_SIZES, params)
        else:
            params = {"keys": json.dumps(part, ensure_ascii=False), "limit": COUNT_LIMIT}
            rows = await session.execute(_SQLITE_SIZES, params)
        for key_type, value, count in rows:
            if count:
                sizes[BlockingKey(key_type, value)] = int(count)
    return sizes


async def records_with_keys(
    session: AsyncSession, keys: Sequence[BlockingKey]
) -> dict[BlockingKey, list[int]]:
    """Source record ids per key."""
    wanted = sorted({(k.key_type, k.value[:MAX_KEY_LENGTH]) for k in keys})
    found: dict[BlockingKey, list[int]] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    for part in chunks(wanted, 5000 if postgres else 500):
        if postgres:
            rows = await session.execute(
                _PG_HOLDERS, {"types": [t for t, _ in part], "values": [v for _, v in part]}
            )
        else:
            rows = await session.execute(
                select(
                    BlockingKeyRow.key_type,
                    BlockingKeyRow.key_value,
                    BlockingKeyRow.source_record_id,
                ).where(tuple_(BlockingKeyRow.key_type, BlockingKeyRow.key_value).in_(part))
            )
        for key_type, value, record_id in rows:
            found.setdefault(BlockingKey(key_type, value), []).append(int(record_id))
    return found


_PG_SIZES = text(
    "SELECT k.t, k.v, c.n"
    " FROM unnest(CAST(:types AS text[]), CAST(:values AS text[])) AS k(t, v)"
    " CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM blocking_keys b"
    " WHERE b.key_type = k.t AND b.key_value = k.v LIMIT :limit) AS held) AS c"
)
_SQLITE_SIZES = text(
    "SELECT k.t, k.v, (SELECT count(*) FROM blocking_keys c WHERE c.id IN"
    " (SELECT b.id FROM blocking_keys b WHERE b.key_type = k.t AND b.key_value = k.v"
    " LIMIT :limit))"
    " FROM (SELECT json_extract(j.value, '$[0]') AS t, json_extract(j.value, '$[1]') AS v"
    " FROM json_each(:keys) AS j) AS k"
)
_PG_HOLDERS = text(
    "SELECT b.key_type, b.key_value, b.source_record_id FROM blocking_keys b"
    " JOIN unnest(CAST(:types AS text[]), CAST(:values AS text[])) AS k(t, v)"
    " ON b.key_type = k.t AND b.key_value = k.v"
)
