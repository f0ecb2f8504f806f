"""Keyset pagination: ``WHERE (sort, id) > (:a, :b) ORDER BY sort, id LIMIT n + 1``.

An `Ordering` names a sort column (or none: the id alone), its direction and
whether it holds NULLs; NULLs always come last in the natural order, on SQLite
and PostgreSQL alike. A `PageRequest` asks for the ``first`` rows after a
`Keyset` or the ``last`` rows before one. `paginate` reads one page of a
statement; `paginate_per_parent` reads one page for each of many parents in one
statement (``ROW_NUMBER() OVER (PARTITION BY parent ...)``), so nested
connections under a list cost a fixed number of statements.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeAlias, TypeVar

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import BindParameter, UnaryExpression

R = TypeVar("R")
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
# A column or expression: Core columns and ORM attributes alike.
Expr: TypeAlias = ColumnElement[Any] | QueryableAttribute[Any]
# A row condition on a customer id column: which customers the caller may see
# (`partial(cdhub.security.scoping.visible_golden_ids_clause, principal)`); None: all.
Scope: TypeAlias = Callable[[Any], ColumnElement[bool]]
SortValue = datetime | date | Decimal | int | float | str | None

_KEY = "page_key"
_ID = "page_id"
_PARENT = "page_parent"
_ROW_NUMBER = "page_row_number"
ROOTS = "roots"
# Where a session that only reads keeps its connection (`resolvers.session.RequestSession`).
READ_CONNECTION = "cdhub_read_connection"
# Built statements kept per shape (criteria and page); a page request names its cursor.
STATEMENT_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Keyset:
    """A position in an ordering: the row's sort value and its id (the tie-breaker)."""

    value: SortValue
    id: int


@dataclass(frozen=True, slots=True)
class PageRequest:
    """``first`` rows after ``after``, or ``last`` rows before ``before`` (both bounds apply)."""

    size: int
    forward: bool = True
    after: Keyset | None = None
    before: Keyset | None = None


@dataclass(frozen=True, slots=True)
class Ordering:
    """The natural order of a list: ``column`` then ``id``, both in one direction."""

    name: str
    id_column: Expr
    column: Expr | None = None
    descending: bool = False
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class Page(Generic[R]):
    """Rows of one page in natural order, each with its keyset."""

    rows: list[tuple[R, Keyset]]
    has_next: bool
    has_previous: bool

    @classmethod
    def empty(cls) -> Page[R]:
        return cls([], False, False)


def _beyond(ordering: Ordering, key: Keyset, *, later: bool) -> ColumnElement[bool]:
    """Rows strictly later (or earlier) than ``key`` in the natural order."""
    ascending_later = later != ordering.descending
    compare = operator.gt if ascending_later else operator.lt
    ident = ordering.id_column
    column = ordering.column
    if column is None:
        return compare(ident, key.id)  # type: ignore[no-any-return]
    if key.value is None:
        # The key sits among the NULLs at the end.
        inside = and_(column.is_(None), compare(ident, key.id))
        return inside if later else or_(column.is_not(None), inside)
    past = compare(tuple_(column, ident), (key.value, key.id))
    if later and ordering.nullable:
        return or_(past, column.is_(None))
    return past  # type: ignore[no-any-return]


def _order_by(ordering: Ordering, *, reverse: bool) -> list[UnaryExpression[Any]]:
    descending = ordering.descending != reverse
    clauses: list[UnaryExpression[Any]] = []
    if ordering.column is not None:
        column = ordering.column.desc() if descending else ordering.column.asc()
        clauses.append(column.nulls_first() if reverse else column.nulls_last())
    clauses.append(ordering.id_column.desc() if descending else ordering.id_column.asc())
    return clauses


async def read_rows(
    session: AsyncSession, stmt: AnySelect, params: dict[str, Any] | None = None
) -> list[AnyRow]:
    """Every row of a select of columns, run on the session's connection: such a read
    needs nothing of the ORM's execution (entities, identity map, loaders), which
    costs more than the rest of executing a small cached statement."""
    connection = session.info.get(READ_CONNECTION) or await session.connection()
    return list((await connection.execute(stmt, params or {})).all())


def bounded(stmt: AnySelect, ordering: Ordering, page: PageRequest) -> AnySelect:
    """``stmt`` limited to the rows between the page's cursors."""
    if page.after is not None:
        stmt = stmt.where(_beyond(ordering, page.after, later=True))
    if page.before is not None:
        stmt = stmt.where(_beyond(ordering, page.before, later=False))
    return stmt


def _keyed(stmt: AnySelect, ordering: Ordering) -> AnySelect:
    key = ordering.column if ordering.column is not None else ordering.id_column
    return stmt.add_columns(key.label(_KEY), ordering.id_column.label(_ID))


def _keyset(row: AnyRow) -> Keyset:
    mapping = row._mapping
    return Keyset(mapping[_KEY], int(mapping[_ID]))


def _page(rows: list[AnyRow], page: PageRequest, to_row: Callable[[AnyRow], R]) -> Page[R]:
    more = len(rows) > page.size
    rows = rows[: page.size]
    if not page.forward:
        rows.reverse()
    items = [(to_row(row), _keyset(row)) for row in rows]
    if page.forward:
        return Page(items, has_next=more, has_previous=page.after is not None)
    return Page(items, has_next=page.before is not None, has_previous=more)


async def paginate(
    session: AsyncSession,
    stmt: AnySelect,
    ordering: Ordering,
    page: PageRequest,
    to_row: Callable[[AnyRow], R],
) -> Page[R]:
    """One page of ``stmt``; ``to_row`` maps each result row by its column names."""
    query = (
        _keyed(bounded(stmt, ordering, page), ordering)
        .order_by(*_order_by(ordering, reverse=not page.forward))
        .limit(page.size + 1)
    )
    return _page(await read_rows(session, query), page, to_row)


def roots_param() -> BindParameter[Any]:
    """The parent ids of a per-parent statement, bound at execution (``{ROOTS: ids}``).

    Statements built on it do not depend on the ids, so they are built once and
    reused (building a statement costs more than running it on a small page).
    """
    return bindparam(ROOTS, expanding=True)


def per_parent_query(
    stmt: AnySelect, parent: Expr, ordering: Ordering, page: PageRequest
) -> AnySelect:
    """One page of ``stmt`` per parent: rows numbered per parent, cut at ``size + 1``.

    ``stmt`` must select the rows of every wanted parent and ``parent`` must be
    the column naming a row's parent.
    """
    numbered = (
        _keyed(bounded(stmt, ordering, page), ordering)
        .add_columns(
            parent.label(_PARENT),
            func.row_number()
            .over(partition_by=parent, order_by=_order_by(ordering, reverse=not page.forward))
            .label(_ROW_NUMBER),
        )
        .subquery("numbered")
    )
    return (
        select(numbered)
        .where(numbered.c[_ROW_NUMBER] <= page.size + 1)
        .order_by(numbered.c[_PARENT], numbered.c[_ROW_NUMBER])
    )


async def read_per_parent(
    session: AsyncSession,
    query: AnySelect,
    parents: Iterable[int],
    page: PageRequest,
    to_row: Callable[[AnyRow], R],
    params: dict[str, Any] | None = None,
) -> dict[int, Page[R]]:
    """Run a `per_parent_query` (``params`` fill its bind parameters) and split the pages."""
    wanted = list(parents)
    if not wanted:
        return {}
    grouped: dict[int, list[AnyRow]] = {}
    for row in await read_rows(session, query, params):
        grouped.setdefault(int(row._mapping[_PARENT]), []).append(row)
    return {p: _page(grouped.get(p, []), page, to_row) for p in wanted}


async def paginate_per_parent(
    session: AsyncSession,
    stmt: AnySelect,
    parent: Expr,
    parents: Iterable[int],
    ordering: Ordering,
    page: PageRequest,
    to_row: Callable[[AnyRow], R],
) -> dict[int, Page[R]]:
    """One page of ``stmt`` per parent, in a single statement (built for this call)."""
    wanted = list(parents)
    if not wanted:
        return {}
    query = per_parent_query(stmt, parent, ordering, page)
    return await read_per_parent(session, query, wanted, page, to_row)


async def count(session: AsyncSession, stmt: AnySelect) -> int:
    """How many rows ``stmt`` selects."""
    query = select(func.count()).select_from(stmt.subquery("counted"))
    return int((await session.execute(query)).scalar_one())


def count_per_parent_query(stmt: AnySelect, parent: Expr) -> AnySelect:
    rows = stmt.add_columns(parent.label(_PARENT)).subquery("counted")
    return select(rows.c[_PARENT], func.count()).group_by(rows.c[_PARENT])


async def read_counts_per_parent(
    session: AsyncSession,
    query: AnySelect,
    parents: Iterable[int],
    params: dict[str, Any] | None = None,
) -> dict[int, int]:
    wanted = list(parents)
    if not wanted:
        return {}
    found = {int(p): int(n) for p, n in await read_rows(session, query, params)}
    return {p: found.get(p, 0) for p in wanted}


async def count_per_parent(
    session: AsyncSession, stmt: AnySelect, parent: Expr, parents: Iterable[int]
) -> dict[int, int]:
    """How many rows ``stmt`` selects per parent, in one grouped statement."""
    wanted = list(parents)
    if not wanted:
        return {}
    return await read_counts_per_parent(session, count_per_parent_query(stmt, parent), wanted)
