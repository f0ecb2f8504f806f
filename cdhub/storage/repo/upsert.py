"""INSERT ... ON CONFLICT for both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from cdhub.storage.repo.row_arrays import CHUNK, array_params, rows_from_arrays
from cdhub.storage.repo.source_records import chunks


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
    Rows are written in the order given (ids follow it); a later row of the same
    key is applied after an earlier one. On PostgreSQL, rows of distinct keys are
    written by one statement (`rows_from_arrays`).
    """
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[assignment]
    postgres = session.get_bind().dialect.name == "postgresql"
    statement: Any = (postgresql.insert if postgres else sqlite.insert)(table)
    arrays = postgres and _distinct_keys(rows, conflict)
    if arrays:
        columns = list(rows[0])
        statement = statement.from_select(columns, rows_from_arrays(table, columns))
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
    if not arrays:
        await session.execute(statement, list(rows))
        return
    for part in chunks(rows, CHUNK):
        await session.execute(statement, array_params(columns, part))


def _distinct_keys(rows: Sequence[dict[str, Any]], conflict: Sequence[str]) -> bool:
    """Whether one statement can write ``rows``: more than one, all with the same columns,
    none clashing with another on the conflict key (ON CONFLICT DO UPDATE refuses to touch
    a row twice in one statement; one execution per row, as before, handles them)."""
    if len(rows) < 2:
        return False
    columns = rows[0].keys()
    keys = {tuple(row[c] for c in conflict) for row in rows if row.keys() == columns}
    return len(keys) == len(rows)
