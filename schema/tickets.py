"""Service tickets, the calls that raised and followed them, and their status history."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from cdhub.storage.queries.tickets import CallRow, TicketRow
from resolvers.context import Info
from resolvers.pagination import global_id
from schema.node import Node, aware, aware_now
from schema.orders import Order

if TYPE_CHECKING:
    from schema.customer import Customer


_UNTIMED = datetime.min.replace(tzinfo=UTC)


@strawberry.type(description="One call-center call about a ticket.")
class Call:
    call_id: str
    started_at: datetime | None
    duration_s: int | None
    agent_id: str | None
    category: str | None
    summary: str | None
    status: str | None = strawberry.field(description="The ticket status the agent recorded.")
    satisfaction: int | None

    @classmethod
    def from_row(cls, row: CallRow) -> Call:
        return cls(
            call_id=row.call_id,
            started_at=aware(row.started_at),
            duration_s=row.duration_s,
            agent_id=row.agent_id,
            category=row.category,
            summary=row.summary,
            status=row.ticket_status,
            satisfaction=row.satisfaction,
        )


@strawberry.enum(description="Where a status change was recorded.")
class StatusSource(Enum):
    CALL = "call"
    HUB = "hub"


@strawberry.type(description="A status the ticket took, and when.")
class StatusChange:
    status: str
    at: datetime | None
    source: StatusSource
    call_id: str | None
    actor: str | None
    note: str | None


@strawberry.type(description="A service ticket (complaint, refund, inquiry, ...).")
class Ticket(Node):
    ticket_no: str
    source_system: str
    status: str
    category: str | None
    order_no: str | None
    batch_no: str | None
    satisfaction: int | None
    opened_at: datetime | None
    status_at: datetime | None
    row: strawberry.Private[TicketRow]

    @classmethod
    def from_row(cls, row: TicketRow) -> Ticket:
        return cls(
            id=strawberry.ID(global_id("Ticket", row.id)),
            ticket_no=row.ticket_no,
            source_system=row.source_system,
            status=row.status,
            category=row.category,
            order_no=row.order_no,
            batch_no=row.batch_no,
            satisfaction=row.satisfaction,
            opened_at=aware(row.opened_at),
            status_at=aware(row.status_at),
            row=row,
        )

    @strawberry.field(description="Calls about the ticket, in time order.")
    async def calls(self, info: Info) -> list[Call]:
        rows = await info.context.loaders.calls.load((self.row.source_system, self.row.ticket_no))
        return [Call.from_row(r) for r in rows]

    @strawberry.field(
        description="Statuses in time order: each call's recorded status, then hub changes."
    )
    async def status_history(self, info: Info) -> list[StatusChange]:
        loaders = info.context.loaders
        calls = await loaders.calls.load((self.row.source_system, self.row.ticket_no))
        events = await loaders.ticket_events.load(self.row.id)
        changes = [
            StatusChange(
                status=c.ticket_status,
                at=aware(c.started_at),
                source=StatusSource.CALL,
                call_id=c.call_id,
                actor=c.agent_id,
                note=None,
            )
            for c in calls
            if c.ticket_status
        ]
        changes += [
            StatusChange(
                status=e.status,
                at=aware_now(e.occurred_at),
                source=StatusSource.HUB,
                call_id=None,
                actor=e.actor,
                note=e.note,
            )
            for e in events
            if e.status
        ]
        # Stable sort: untimed changes first, calls before hub changes at the same instant.
        changes.sort(key=lambda c: c.at or _UNTIMED)
        return changes

    @strawberry.field(description="The order the ticket is about (matched by order number).")
    async def order(self, info: Info) -> Order | None:
        if self.row.order_no is None:
            return None
        row = await info.context.loaders.order_by_no.load(self.row.order_no)
        return None if row is None else Order.from_row(row)

    @strawberry.field(description="The golden customer the ticket belongs to.")
    async def customer(
        self, info: Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customer")] | None:
        from schema.customer import Customer, customer_of_party

        if self.row.golden_id is not None:
            record = await info.context.loaders.customer.load(self.row.golden_id)
            return None if record is None else Customer.from_record(record)
        return await customer_of_party(info, self.row.party_system, self.row.party_key)
