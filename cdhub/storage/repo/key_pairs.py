"""Rows whose two-column natural key is one of many pairs: (system, key), (system, order no).

SQLite takes the pairs as a row-value ``IN`` list, 500 at a time (its limit on bound
variables). PostgreSQL takes them as two arrays, unnested: one statement for a whole
ingest batch, and a plan that stays an index lookup (or one hash join) however large
the table. A long ``IN`` list of row values is planned as one OR branch per pair and
grows dearer with the table: 80 ms per 500 pairs at 50,000 source records, most of
an ingest's store and facts time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

SQLITE_CHUNK = 500
POSTGRES_CHUNK = 20_000

Pair = tuple[str, str]
KeyColumn = ColumnElement[Any] | QueryableAttribute[Any]


def pair_chunks(session: AsyncSession, pairs: Iterable[Pair]) -> Iterable[Sequence[Pair]]:
    """``pairs`` (distinct, sorted) in parts small enough for one :func:`pair_in` each."""
    wanted = sorted(set(pairs))
    size = POSTGRES_CHUNK if _is_postgres(session) else SQLITE_CHUNK
    for start in range(0, len(wanted), size):
        yield wanted[start : start + size]


def pair_in(
    session: AsyncSession,
    columns: tuple[KeyColumn, KeyColumn],
    pairs: Sequence[Pair],
) -> ColumnElement[bool]:
    """A condition: ``columns`` hold one of ``pairs``."""
    if not _is_postgres(session):
        return tuple_(*columns).in_(pairs)
    keys = (
        func.unnest(
            bindparam(None, [first for first, _ in pairs], type_=ARRAY(String)),
            bindparam(None, [second for _, second in pairs], type_=ARRAY(String)),
        )
        .table_valued("first", "second")
        .render_derived()
    )
    return tuple_(*columns).in_(select(keys.c.first, keys.c.second))


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"
