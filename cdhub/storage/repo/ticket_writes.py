"""Tickets written by the hub: new tickets, calls, status and satisfaction, their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import Call, Ticket, TicketEvent
from cdhub.storage.queries.tickets import TicketRow, columns


@dataclass(frozen=True, slots=True)
class NewTicket:
    ticket_no: str
    golden_id: int
    status: str
    category: str | None
    order_no: str | None
    batch_no: str | None


@dataclass(frozen=True, slots=True)
class NewCall:
    source_system: str
    call_id: str
    ticket_no: str
    started_at: datetime
    duration_s: int | None
    agent_id: str | None
    category: str | None
    summary: str | None
    ticket_status: str | None
    satisfaction: int | None
    content_hash: str


async def lock_ticket(session: AsyncSession, ticket_id: int) -> TicketRow | None:
    """The ticket, its row locked until commit on PostgreSQL (see `locks.lock_golden`)."""
    row = (
        await session.execute(select(*columns()).where(Ticket.id == ticket_id).with_for_update())
    ).one_or_none()
    return None if row is None else TicketRow.from_row(row)


async def create(session: AsyncSession, ticket: NewTicket, now: datetime) -> int:
    result = await session.execute(
        insert(Ticket)
        .values(
            source_system="hub",
            ticket_no=ticket.ticket_no,
            golden_id=ticket.golden_id,
            status=ticket.status,
            category=ticket.category,
            order_no=ticket.order_no,
            batch_no=ticket.batch_no,
            opened_at=now,
            status_at=now,
            updated_at=now,
        )
        .returning(Ticket.id)
    )
    return int(result.scalar_one())


async def call_exists(session: AsyncSession, source_system: str, call_id: str) -> bool:
    found = await session.execute(
        select(Call.id).where(Call.source_system == source_system, Call.call_id == call_id)
    )
    return found.first() is not None


async def add_call(session: AsyncSession, call: NewCall) -> int:
    result = await session.execute(
        insert(Call)
        .values(
            source_system=call.source_system,
            call_id=call.call_id,
            ticket_no=call.ticket_no,
            started_at=call.started_at,
            duration_s=call.duration_s,
            agent_id=call.agent_id,
            category=call.category,
            summary=call.summary,
            ticket_status=call.ticket_status,
            satisfaction=call.satisfaction,
            content_hash=call.content_hash,
        )
        .returning(Call.id)
    )
    return int(result.scalar_one())


async def change(session: AsyncSession, ticket_id: int, now: datetime, **values: Any) -> None:
    """Set ticket columns (``status`` also stamps ``status_at``)."""
    if "status" in values:
        values["status_at"] = now
    await session.execute(
        update(Ticket).where(Ticket.id == ticket_id).values(updated_at=now, **values)
    )


async def add_event(
    session: AsyncSession,
    ticket_id: int,
    kind: str,
    actor: str,
    now: datetime,
    *,
    status: str | None = None,
    note: str | None = None,
    satisfaction: int | None = None,
) -> int:
    result = await session.execute(
        insert(TicketEvent)
        .values(
            ticket_id=ticket_id,
            kind=kind,
            status=status,
            note=note,
            satisfaction=satisfaction,
            actor=actor,
            occurred_at=now,
        )
        .returning(TicketEvent.id)
    )
    return int(result.scalar_one())
