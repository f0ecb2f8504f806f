"""Tickets with their calls and status history; newest opened first."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnCollection

from cdhub.storage.models import Call, Ticket, TicketEvent
from cdhub.storage.queries.fact_lists import FactListing
from cdhub.storage.queries.keyset import (
    AnyRow,
    AnySelect,
    Expr,
    Ordering,
    Scope,
    read_rows,
)
from cdhub.storage.queries.ownership import OWNER, Roots, owned_by, scoped_facts

ORDERING_NAME = "tickets.opened_at.desc"
# Every status a source or the hub uses for a finished ticket; anything else is open.
CLOSED_STATUSES = ("resolved", "closed", "cancelled", "canceled", "rejected")

_COLUMNS: tuple[Expr, ...] = (
    Ticket.id,
    Ticket.source_system,
    Ticket.ticket_no,
    Ticket.party_system,
    Ticket.party_key,
    Ticket.golden_id,
    Ticket.status,
    Ticket.category,
    Ticket.order_no,
    Ticket.batch_no,
    Ticket.satisfaction,
    Ticket.opened_at,
    Ticket.status_at,
)


def is_open(status: Expr) -> ColumnElement[bool]:
    return func.lower(status).not_in(CLOSED_STATUSES)


@dataclass(frozen=True, slots=True)
class TicketRow:
    id: int
    source_system: str
    ticket_no: str
    party_system: str | None
    party_key: str | None
    golden_id: int | None
    status: str
    category: str | None
    order_no: str | None
    batch_no: str | None
    satisfaction: int | None
    opened_at: datetime | None
    status_at: datetime | None

    @classmethod
    def from_row(cls, row: AnyRow) -> TicketRow:
        m = row._mapping
        golden_id = m["golden_id"]
        return cls(
            id=int(m["id"]),
            source_system=m["source_system"],
            ticket_no=m["ticket_no"],
            party_system=m["party_system"],
            party_key=m["party_key"],
            golden_id=None if golden_id is None else int(golden_id),
            status=m["status"],
            category=m["category"],
            order_no=m["order_no"],
            batch_no=m["batch_no"],
            satisfaction=m["satisfaction"],
            opened_at=m["opened_at"],
            status_at=m["status_at"],
        )


@dataclass(frozen=True, slots=True)
class CallRow:
    id: int
    source_system: str
    call_id: str
    ticket_no: str
    started_at: datetime | None
    duration_s: int | None
    agent_id: str | None
    category: str | None
    summary: str | None
    ticket_status: str | None
    satisfaction: int | None


@dataclass(frozen=True, slots=True)
class TicketEventRow:
    id: int
    ticket_id: int
    kind: str
    status: str | None
    note: str | None
    actor: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class TicketCriteria:
    status: str | None = None
    open_only: bool = False
    category: str | None = None
    batch_no: str | None = None
    channel: str | None = None  # the source system that raised the ticket
    opened_from: datetime | None = None
    opened_to: datetime | None = None


def _ordering(c: ColumnCollection[str, ColumnElement[Any]]) -> Ordering:
    return Ordering(
        name=ORDERING_NAME,
        id_column=c["id"],
        column=c["opened_at"],
        descending=True,
        nullable=True,
    )


def _where(criteria: TicketCriteria) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if criteria.status is not None:
        where.append(Ticket.status == criteria.status)
    if criteria.open_only:
        where.append(is_open(Ticket.status))
    if criteria.category is not None:
        where.append(Ticket.category == criteria.category)
    if criteria.batch_no is not None:
        where.append(Ticket.batch_no == criteria.batch_no)
    if criteria.channel is not None:
        where.append(Ticket.source_system == criteria.channel)
    if criteria.opened_from is not None:
        where.append(Ticket.opened_at >= criteria.opened_from)
    if criteria.opened_to is not None:
        where.append(Ticket.opened_at < criteria.opened_to)
    return where


def _listed(
    criteria: TicketCriteria, owners: Roots | None, scope: Scope | None = None
) -> AnySelect:
    if owners is None:
        stmt = select(*_COLUMNS).where(*_where(criteria))
        return scoped_facts(stmt, (Ticket.party_system, Ticket.party_key), Ticket.golden_id, scope)
    owned = owned_by(
        _COLUMNS,
        (Ticket.party_system, Ticket.party_key),
        Ticket.golden_id,
        owners,
        _where(criteria),
    )
    if scope is None:
        return select(owned)
    return select(owned).where(scope(owned.c[OWNER]))


LISTING: FactListing[TicketCriteria, TicketRow] = FactListing(
    _listed, _ordering, TicketRow.from_row
)
tickets_per_customer = LISTING.per_customer  # a page of each customer's tickets, newest first
count_tickets_per_customer = LISTING.count_per_customer


async def tickets_by_ids(
    session: AsyncSession, ids: Iterable[int], scope: Scope | None = None
) -> dict[int, TicketRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(*_COLUMNS).where(Ticket.id.in_(wanted))
    rows = await session.execute(
        scoped_facts(stmt, (Ticket.party_system, Ticket.party_key), Ticket.golden_id, scope)
    )
    return {int(row.id): TicketRow.from_row(row) for row in rows.all()}


@functools.cache
def _calls() -> AnySelect:
    return (
        select(
            Call.id,
            Call.source_system,
            Call.call_id,
            Call.ticket_no,
            Call.started_at,
            Call.duration_s,
            Call.agent_id,
            Call.category,
            Call.summary,
            Call.ticket_status,
            Call.satisfaction,
        )
        .where(tuple_(Call.source_system, Call.ticket_no).in_(bindparam("keys", expanding=True)))
        .order_by(Call.started_at.asc().nulls_first(), Call.id)
    )


async def calls_of(
    session: AsyncSession, tickets: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[CallRow]]:
    """Calls of each ``(source_system, ticket_no)``, in time order."""
    wanted = sorted(set(tickets))
    found: dict[tuple[str, str], list[CallRow]] = {key: [] for key in wanted}
    if not wanted:
        return found
    for row in await read_rows(session, _calls(), {"keys": wanted}):
        found[(row.source_system, row.ticket_no)].append(CallRow(**row._mapping))
    return found


async def events_of(
    session: AsyncSession, ticket_ids: Iterable[int], kinds: Sequence[str] = ("status",)
) -> dict[int, list[TicketEventRow]]:
    """Hub-recorded events of each ticket (status changes by default), in time order."""
    wanted = sorted(set(ticket_ids))
    found: dict[int, list[TicketEventRow]] = {tid: [] for tid in wanted}
    if not wanted:
        return found
    e = TicketEvent
    rows = await session.execute(
        select(e.id, e.ticket_id, e.kind, e.status, e.note, e.actor, e.occurred_at)
        .where(e.ticket_id.in_(wanted), or_(*(e.kind == kind for kind in kinds)))
        .order_by(e.occurred_at, e.id)
    )
    for row in rows.all():
        found[int(row.ticket_id)].append(TicketEventRow(*row))
    return found


def columns() -> Sequence[Expr]:
    """The columns `TicketRow.from_row` reads, for other storage modules."""
    return _COLUMNS
