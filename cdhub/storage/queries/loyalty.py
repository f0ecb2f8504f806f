"""Loyalty: a customer's balance is the sum of the ledger entries it owns."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import LoyaltyEntry
from cdhub.storage.queries.keyset import (
    ROOTS,
    STATEMENT_CACHE_SIZE,
    AnyRow,
    AnySelect,
    Expr,
    Ordering,
    Page,
    PageRequest,
    Scope,
    count_per_parent_query,
    per_parent_query,
    read_counts_per_parent,
    read_per_parent,
    read_rows,
    roots_param,
)
from cdhub.storage.queries.ownership import OWNER, Roots, owned_by, scoped_facts

ORDERING_NAME = "ledger.occurred_at.desc"

_COLUMNS: tuple[Expr, ...] = (
    LoyaltyEntry.id,
    LoyaltyEntry.entry_key,
    LoyaltyEntry.source_system,
    LoyaltyEntry.party_system,
    LoyaltyEntry.party_key,
    LoyaltyEntry.golden_id,
    LoyaltyEntry.kind,
    LoyaltyEntry.points,
    LoyaltyEntry.order_no,
    LoyaltyEntry.note,
    LoyaltyEntry.actor,
    LoyaltyEntry.occurred_at,
    LoyaltyEntry.created_at,
)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    id: int
    entry_key: str
    source_system: str
    party_system: str | None
    party_key: str | None
    golden_id: int | None
    kind: str
    points: int
    order_no: str | None
    note: str | None
    actor: str
    occurred_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: AnyRow) -> LedgerRow:
        m = row._mapping
        golden_id = m["golden_id"]
        return cls(
            id=int(m["id"]),
            entry_key=m["entry_key"],
            source_system=m["source_system"],
            party_system=m["party_system"],
            party_key=m["party_key"],
            golden_id=None if golden_id is None else int(golden_id),
            kind=m["kind"],
            points=int(m["points"]),
            order_no=m["order_no"],
            note=m["note"],
            actor=m["actor"],
            occurred_at=m["occurred_at"],
            created_at=m["created_at"],
        )


def _owned(roots: Roots) -> AnySelect:
    owned = owned_by(
        _COLUMNS, (LoyaltyEntry.party_system, LoyaltyEntry.party_key), LoyaltyEntry.golden_id, roots
    )
    return select(owned)


@functools.cache
def _balances() -> AnySelect:
    owned = owned_by(
        (LoyaltyEntry.points,),
        (LoyaltyEntry.party_system, LoyaltyEntry.party_key),
        LoyaltyEntry.golden_id,
        roots_param(),
    )
    return select(owned.c[OWNER], func.coalesce(func.sum(owned.c.points), 0)).group_by(
        owned.c[OWNER]
    )


async def balances(session: AsyncSession, roots: Sequence[int]) -> dict[int, int]:
    """The points balance of each customer (0 without entries), in one grouped statement."""
    if not roots:
        return {}
    rows = await read_rows(session, _balances(), {ROOTS: list(roots)})
    found = {int(owner): int(total) for owner, total in rows}
    return {root: found.get(root, 0) for root in roots}


@functools.lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _page_per_customer(page: PageRequest) -> AnySelect:
    stmt = _owned(roots_param())
    c = stmt.selected_columns
    ordering = Ordering(
        name=ORDERING_NAME,
        id_column=c["id"],
        column=c["occurred_at"],
        descending=True,
        nullable=True,
    )
    return per_parent_query(stmt, c[OWNER], ordering, page)


@functools.cache
def _count_per_customer() -> AnySelect:
    stmt = _owned(roots_param())
    return count_per_parent_query(stmt, stmt.selected_columns[OWNER])


async def ledger_per_customer(
    session: AsyncSession, roots: Sequence[int], page: PageRequest
) -> dict[int, Page[LedgerRow]]:
    """A page of each customer's ledger, latest first, in one statement."""
    query = _page_per_customer(page)
    return await read_per_parent(
        session, query, roots, page, LedgerRow.from_row, {ROOTS: list(roots)}
    )


async def count_ledger_per_customer(session: AsyncSession, roots: Sequence[int]) -> dict[int, int]:
    return await read_counts_per_parent(session, _count_per_customer(), roots, {ROOTS: list(roots)})


async def entries_by_ids(
    session: AsyncSession, ids: Iterable[int], scope: Scope | None = None
) -> dict[int, LedgerRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(*_COLUMNS).where(LoyaltyEntry.id.in_(wanted))
    rows = await session.execute(
        scoped_facts(
            stmt, (LoyaltyEntry.party_system, LoyaltyEntry.party_key), LoyaltyEntry.golden_id, scope
        )
    )
    return {int(row.id): LedgerRow.from_row(row) for row in rows.all()}
