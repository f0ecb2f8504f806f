"""Blocking keys: stored per source record, looked up by (type, value)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, func, insert, literal, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import BlockingKey as BlockingKeyRow
from cdhub.storage.models import table_of
from cdhub.storage.repo.source_records import chunks
from mdm.blocking import BlockingKey


async def replace_keys(
    session: AsyncSession, keys_by_record: Mapping[int, Iterable[BlockingKey]]
) -> None:
    """Make the stored keys of each record exactly ``keys_by_record[record]``."""
    ids = sorted(keys_by_record)
    for part in chunks(ids):
        await session.execute(
            delete(BlockingKeyRow).where(BlockingKeyRow.source_record_id.in_(part))
        )
    rows = [
        {"source_record_id": record_id, "key_type": k.key_type, "key_value": k.value[:320]}
        for record_id in ids
        for k in sorted(set(keys_by_record[record_id]))
    ]
    for part_rows in chunks(rows, 5000):
        await session.execute(insert(table_of(BlockingKeyRow)), list(part_rows))


# Counting a key's block stops here: bigger blocks are skipped for retrieval anyway,
# and as a term frequency "more than a thousand" is already very weak evidence.
COUNT_LIMIT = 1000


async def block_sizes(session: AsyncSession, keys: Iterable[BlockingKey]) -> dict[BlockingKey, int]:
    """How many stored records carry each key (also the term frequency of its value).

    Counts are bounded by ``COUNT_LIMIT`` so the cost per key stays constant however
    large the hub grows (a surname-initials block may hold tens of thousands).
    """
    wanted = sorted({(k.key_type, k.value[:320]) for k in keys})
    sizes: dict[BlockingKey, int] = {}
    for part in chunks(wanted, 100):
        branches = [
            select(
                literal(key_type).label("key_type"),
                literal(value).label("key_value"),
                select(func.count())
                .select_from(
                    select(BlockingKeyRow.id)
                    .where(BlockingKeyRow.key_type == key_type, BlockingKeyRow.key_value == value)
                    .limit(COUNT_LIMIT)
                    .subquery()
                )
                .scalar_subquery()
                .label("size"),
            )
            for key_type, value in part
        ]
        rows = await session.execute(union_all(*branches))
        for key_type, value, count in rows:
            if count:
                sizes[BlockingKey(key_type, value)] = int(count)
    return sizes


async def records_with_keys(
    session: AsyncSession, keys: Sequence[BlockingKey]
) -> dict[BlockingKey, list[int]]:
    """Source record ids per key."""
    wanted = sorted({(k.key_type, k.value[:320]) for k in keys})
    found: dict[BlockingKey, list[int]] = {}
    for part in chunks(wanted):
        rows = await session.execute(
            select(
                BlockingKeyRow.key_type, BlockingKeyRow.key_value, BlockingKeyRow.source_record_id
            ).where(tuple_(BlockingKeyRow.key_type, BlockingKeyRow.key_value).in_(part))
        )
        for key_type, value, record_id in rows:
            found.setdefault(BlockingKey(key_type, value), []).append(int(record_id))
    return found
