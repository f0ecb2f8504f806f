"""Idempotency keys of hub mutations: claimed first, answered with the first response.

`claim` inserts the key at the start of the mutation's unit of work. On
PostgreSQL a second request with the same key waits on the key's unique index
until the first commits (then finds the stored row) or rolls back (then claims
it itself); on SQLite the insert takes the database's write lock. Either way
the work behind one key is done once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import IdempotencyKey


@dataclass(frozen=True, slots=True)
class StoredKey:
    key: str
    operation: str
    request_hash: str
    response: dict[str, Any]


async def claim(
    session: AsyncSession, key: str, operation: str, request_hash: str, now: datetime
) -> StoredKey | None:
    """Claim ``key`` for this request; None when claimed, else the row stored before."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(IdempotencyKey)
        .values(
            key=key, operation=operation, request_hash=request_hash, response={}, created_at=now
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(IdempotencyKey.key)
    )
    if (await session.execute(statement)).first() is not None:
        return None
    row = (
        await session.execute(
            select(
                IdempotencyKey.key,
                IdempotencyKey.operation,
                IdempotencyKey.request_hash,
                IdempotencyKey.response,
            ).where(IdempotencyKey.key == key)
        )
    ).one()
    return StoredKey(row.key, row.operation, row.request_hash, dict(row.response or {}))


async def answer(session: AsyncSession, key: str, response: dict[str, Any]) -> None:
    """Store the response of the claimed ``key`` (in the same unit of work as the change)."""
    await session.execute(
        update(IdempotencyKey).where(IdempotencyKey.key == key).values(response=response)
    )


async def prune(session: AsyncSession, before: datetime, keep: Sequence[str] = ()) -> int:
    """Delete keys claimed before ``before`` (but those of the operations ``keep``,
    which have their own retention); returns how many. A retry with a pruned key
    runs again, so keep keys longer than any client retries."""
    stmt = delete(IdempotencyKey).where(IdempotencyKey.created_at < before)
    if keep:
        stmt = stmt.where(IdempotencyKey.operation.not_in(list(keep)))
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
