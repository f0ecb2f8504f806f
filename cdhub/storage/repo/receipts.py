"""Receipts of processed queue entries, so a redelivered entry is not applied twice.

A worker writes the receipt of each stream entry in the same transaction as
the entry's effects; an entry whose receipt exists was committed before (its
worker died before acknowledging it) and is only acknowledged. Receipts are
idempotency keys (``operation = "stream_entry"``) and are pruned after a while.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import IdempotencyKey
from cdhub.storage.repo.source_records import chunks

OPERATION = "stream_entry"


async def claim(session: AsyncSession, keys: Sequence[str], now: datetime) -> set[str]:
    """Write receipts for ``keys``; returns those that were new (the others were done before)."""
    if not keys:
        return set()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new: set[str] = set()
    for part in chunks(sorted(set(keys))):
        rows = [
            {
                "key": k,
                "operation": OPERATION,
                "request_hash": "",
                "response": {},
                "created_at": now,
            }
            for k in part
        ]
        statement = (
            insert(IdempotencyKey)
            .values(created_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(IdempotencyKey.key)
        )
        result = await session.execute(statement, rows)
        new.update(row[0] for row in result)
    return new


async def done(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` have receipts."""
    found: set[str] = set()
    for part in chunks(sorted(set(keys))):
        rows = await session.execute(select(IdempotencyKey.key).where(IdempotencyKey.key.in_(part)))
        found.update(row[0] for row in rows)
    return found


async def prune(session: AsyncSession, before: datetime) -> int:
    """Delete receipts older than ``before``; returns how many."""
    result = await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.operation == OPERATION, IdempotencyKey.created_at < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
