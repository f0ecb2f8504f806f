"""Listing one kind of fact (orders, tickets) the four ways the graph asks for it: a
keyset page and a count over a filter, and a page and a count per customer for a
batch of customers, each in one statement."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnCollection

from cdhub.storage.queries.keyset import (
    ROOTS,
    STATEMENT_CACHE_SIZE,
    AnyRow,
    AnySelect,
    Ordering,
    Page,
    PageRequest,
    Scope,
    count,
    count_per_parent_query,
    paginate,
    per_parent_query,
    read_counts_per_parent,
    read_per_parent,
    roots_param,
)
from cdhub.storage.queries.ownership import OWNER, Roots

C = TypeVar("C", bound=Hashable)  # the filter (a frozen dataclass: statements are cached by it)
R = TypeVar("R")

Listed = Callable[[C, Roots | None, Scope | None], AnySelect]
Orderer = Callable[[ColumnCollection[str, ColumnElement[Any]]], Ordering]


class FactListing(Generic[C, R]):
    """``listed(criteria, owners, scope)`` selects the facts (with an ``OWNER`` column),
    ``ordering`` orders them for keyset paging and ``to_row`` maps a result row."""

    def __init__(self, listed: Listed[C], ordering: Orderer, to_row: Callable[[AnyRow], R]) -> None:
        self._listed = listed
        self._ordering = ordering
        self._to_row = to_row
        # Per-customer statements do not depend on the ids: built once per filter and page.
        self._page_per_customer = functools.lru_cache(STATEMENT_CACHE_SIZE)(self._build_page)
        self._count_per_customer = functools.lru_cache(STATEMENT_CACHE_SIZE)(self._build_count)

    async def page(
        self,
        session: AsyncSession,
        criteria: C,
        owners: Sequence[int] | None,
        page: PageRequest,
        scope: Scope | None = None,
    ) -> Page[R]:
        stmt = self._listed(criteria, owners, scope)
        return await paginate(
            session, stmt, self._ordering(stmt.selected_columns), page, self._to_row
        )

    async def count(
        self,
        session: AsyncSession,
        criteria: C,
        owners: Sequence[int] | None,
        scope: Scope | None = None,
    ) -> int:
        return await count(session, self._listed(criteria, owners, scope))

    async def per_customer(
        self, session: AsyncSession, roots: Sequence[int], criteria: C, page: PageRequest
    ) -> dict[int, Page[R]]:
        """A page of each customer's facts, in one statement."""
        query = self._page_per_customer(criteria, page)
        return await read_per_parent(
            session, query, roots, page, self._to_row, {ROOTS: list(roots)}
        )

    async def count_per_customer(
        self, session: AsyncSession, roots: Sequence[int], criteria: C
    ) -> dict[int, int]:
        query = self._count_per_customer(criteria)
        return await read_counts_per_parent(session, query, roots, {ROOTS: list(roots)})

    def _build_page(self, criteria: C, page: PageRequest) -> AnySelect:
        stmt = self._listed(criteria, roots_param(), None)
        columns = stmt.selected_columns
        return per_parent_query(stmt, columns[OWNER], self._ordering(columns), page)

    def _build_count(self, criteria: C) -> AnySelect:
        stmt = self._listed(criteria, roots_param(), None)
        return count_per_parent_query(stmt, stmt.selected_columns[OWNER])
