"""Service tickets handled in the hub: open one, log a call, change status, record
satisfaction. Every change adds a row to ``ticket_events`` (who, when, what)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.services.hub_writes import WriteError, checked_text, lock_customer
from cdhub.storage.queries import ownership
from cdhub.storage.queries.tickets import TicketRow
from cdhub.storage.repo import ticket_writes as writes
from cdhub.storage.repo.ticket_writes import NewCall, NewTicket
from mdm.serialization import content_hash

STATUSES = ("open", "pending", "in_progress", "resolved", "closed", "cancelled")
MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class TicketOutcome:
    ticket_id: int
    status: str
    customer_id: int | None  # the golden customer the ticket belongs to, when known
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class CallEntry:
    """A call to log; ``started_at`` defaults to now, ``call_id`` to a fresh hub id."""

    call_id: str | None = None
    started_at: datetime | None = None
    duration_s: int | None = None
    agent_id: str | None = None
    summary: str | None = None
    status: str | None = None
    satisfaction: int | None = None


def check_status(status: str, field: str = "status") -> str:
    wanted = status.strip().lower()
    if wanted not in STATUSES:
        raise WriteError(
            "BAD_USER_INPUT",
            f"unknown status {status!r}; use one of {', '.join(STATUSES)}",
            argument=field,
        )
    return wanted


def check_score(score: int, field: str = "score") -> int:
    if not 1 <= score <= 5:
        raise WriteError("BAD_USER_INPUT", "satisfaction is scored 1 to 5", argument=field)
    return score


async def _ticket(session: AsyncSession, ticket_id: int) -> TicketRow:
    ticket = await writes.lock_ticket(session, ticket_id)
    if ticket is None:
        raise WriteError("NOT_FOUND", f"no ticket has the id {ticket_id}", id=ticket_id)
    return ticket


async def _owner(session: AsyncSession, ticket: TicketRow) -> int | None:
    if ticket.golden_id is not None:
        return ticket.golden_id
    if ticket.party_system is None or ticket.party_key is None:
        return None
    party = (ticket.party_system, ticket.party_key)
    return (await ownership.golden_of_parties(session, [party])).get(party)


async def create_ticket(
    session: AsyncSession,
    actor: str,
    golden_id: int,
    category: str,
    now: datetime,
    *,
    order_no: str | None = None,
    batch_no: str | None = None,
    note: str | None = None,
) -> TicketOutcome:
    """Open a hub ticket (``HUB-<date>-<random>``) for the customer."""
    checked_category = checked_text(category, "category", 60, required=True)
    checked_order = checked_text(order_no, "orderNo", 100)
    checked_batch = checked_text(batch_no, "batchNo", 60)
    note = checked_text(note, "note", MAX_TEXT)
    target = await lock_customer(session, golden_id)
    ticket = NewTicket(
        ticket_no=f"HUB-{now:%Y%m%d}-{secrets.token_hex(4).upper()}",
        golden_id=target,
        status="open",
        category=checked_category,
        order_no=checked_order,
        batch_no=checked_batch,
    )
    ticket_id = await writes.create(session, ticket, now)
    await writes.add_event(session, ticket_id, "status", actor, now, status="open", note=note)
    return TicketOutcome(ticket_id, "open", target)


async def add_call(
    session: AsyncSession, actor: str, ticket_id: int, call: CallEntry, now: datetime
) -> TicketOutcome:
    """Log a call about the ticket; a status or score given with it applies to the ticket."""
    status = None if call.status is None else check_status(call.status)
    score = None if call.satisfaction is None else check_score(call.satisfaction, "satisfaction")
    if call.duration_s is not None and not 0 <= call.duration_s <= 86_400:
        raise WriteError("BAD_USER_INPUT", "durationS must be 0 to 86400", argument="durationS")
    call_id = (
        checked_text(call.call_id, "callId", 100) or f"HUB-CALL-{secrets.token_hex(6).upper()}"
    )
    summary = checked_text(call.summary, "summary", MAX_TEXT)
    agent = checked_text(call.agent_id, "agentId", 60)
    ticket = await _ticket(session, ticket_id)
    # Calls are listed under the ticket's own system, so a hub call on a call-center
    # ticket is stored as one of that system's calls; its id must not clash.
    if await writes.call_exists(session, ticket.source_system, call_id):
        raise WriteError("CONFLICT", f"call {call_id!r} is already logged", argument="callId")
    started = call.started_at or now
    await writes.add_call(
        session,
        NewCall(
            source_system=ticket.source_system,
            call_id=call_id,
            ticket_no=ticket.ticket_no,
            started_at=started,
            duration_s=call.duration_s,
            agent_id=agent,
            category=ticket.category,
            summary=summary,
            ticket_status=status,
            satisfaction=score,
            content_hash=content_hash(
                {"call_id": call_id, "ticket": ticket.ticket_no, "at": started.isoformat()}
            ),
        ),
    )
    changes: dict[str, object] = {}
    if status is not None:
        changes["status"] = status
    if score is not None:
        changes["satisfaction"] = score
    await writes.change(session, ticket.id, now, **changes)
    await writes.add_event(session, ticket.id, "call", actor, now, note=summary or call_id)
    return TicketOutcome(ticket.id, status or ticket.status, await _owner(session, ticket), call_id)


async def change_status(
    session: AsyncSession,
    actor: str,
    ticket_id: int,
    status: str,
    now: datetime,
    note: str | None = None,
) -> TicketOutcome:
    """Move the ticket to ``status``; CONFLICT when it already has it."""
    wanted = check_status(status)
    note = checked_text(note, "note", MAX_TEXT)
    ticket = await _ticket(session, ticket_id)
    if ticket.status.lower() == wanted:
        raise WriteError("CONFLICT", f"ticket {ticket.ticket_no} is already {wanted}")
    await writes.change(session, ticket.id, now, status=wanted)
    await writes.add_event(session, ticket.id, "status", actor, now, status=wanted, note=note)
    return TicketOutcome(ticket.id, wanted, await _owner(session, ticket))


async def record_satisfaction(
    session: AsyncSession,
    actor: str,
    ticket_id: int,
    score: int,
    now: datetime,
    note: str | None = None,
) -> TicketOutcome:
    """The customer's satisfaction with the ticket's handling, 1 (worst) to 5."""
    check_score(score)
    note = checked_text(note, "note", MAX_TEXT)
    ticket = await _ticket(session, ticket_id)
    await writes.change(session, ticket.id, now, satisfaction=score)
    await writes.add_event(
        session, ticket.id, "satisfaction", actor, now, satisfaction=score, note=note
    )
    return TicketOutcome(ticket.id, ticket.status, await _owner(session, ticket))
