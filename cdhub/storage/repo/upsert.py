"""INSERT ... ON CONFLICT for both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    update: Sequence[str] | None = None,
    stamps: Sequence[str] = ("updated_at", "linked_at", "created_at"),
) -> None:
    """Insert ``rows``; on a ``conflict`` key clash update ``update`` columns (or do nothing).

    A clashing row is rewritten only when a non-``stamps`` column really changes,
    so re-delivering the same data leaves every row (timestamps included) as it was.
    """
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    statement: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    if update:
        changed = [
            table.c[column].is_distinct_from(statement.excluded[column])
            for column in update
            if column not in stamps
        ]
        statement = statement.on_conflict_do_update(
            index_elements=list(conflict),
            set_={column: statement.excluded[column] for column in update},
            where=or_(*changed) if changed else None,
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    await session.execute(statement, list(rows))
