"""Subscriptions over graphql-transport-ws: customer and ticket changes as they commit.

Events come through the hub's broker (Redis pub/sub when configured), so a
change made through any hub process reaches subscribers of every process.
An event says what changed and when; read the new state with a query (the
cached view is already dropped when the event arrives).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from cdhub.notify import CustomerChange, TicketChange, customer_channel, ticket_channel
from cdhub.storage.queries.customers import customers_by_ids
from cdhub.storage.queries.tickets import tickets_by_ids
from resolvers.changes import Listener
from resolvers.context import Info
from resolvers.errors import NotFound
from resolvers.pagination import global_id, id_of
from schema.node import aware_now


@strawberry.enum(description="What changed about a customer.")
class CustomerChangeKind(Enum):
    MERGED = CustomerChange.MERGED.value
    UNMERGED = CustomerChange.UNMERGED.value
    ATTRIBUTES = CustomerChange.ATTRIBUTES.value
    POINTS = CustomerChange.POINTS.value
    TICKETS = CustomerChange.TICKETS.value
    SOURCES = CustomerChange.SOURCES.value
    ERASED = CustomerChange.ERASED.value


@strawberry.enum(description="What changed about a ticket.")
class TicketChangeKind(Enum):
    CREATED = TicketChange.CREATED.value
    CALL = TicketChange.CALL.value
    STATUS = TicketChange.STATUS.value
    SATISFACTION = TicketChange.SATISFACTION.value


_CUSTOMER_KINDS = {k.value for k in CustomerChangeKind}
_TICKET_KINDS = {k.value for k in TicketChangeKind}


def _when(message: dict[str, Any]) -> datetime:
    return aware_now(datetime.fromisoformat(str(message["at"])))


@strawberry.type(description="A customer changed.")
class CustomerChangeEvent:
    id: strawberry.ID = strawberry.field(description="The customer the change is about.")
    golden_id: int
    kind: CustomerChangeKind
    survivor_id: strawberry.ID | None = strawberry.field(
        description="For a merge: the customer that survives (both ids get the event)."
    )
    at: datetime

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> CustomerChangeEvent:
        survivor = message.get("survivorId")
        return cls(
            id=strawberry.ID(global_id("Customer", int(message["id"]))),
            golden_id=int(message["id"]),
            kind=CustomerChangeKind(message["kind"]),
            survivor_id=None
            if survivor is None
            else strawberry.ID(global_id("Customer", int(survivor))),
            at=_when(message),
        )


@strawberry.type(description="A ticket changed.")
class TicketChangeEvent:
    id: strawberry.ID
    kind: TicketChangeKind
    status: str | None = strawberry.field(description="The ticket's status after the change.")
    at: datetime

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> TicketChangeEvent:
        return cls(
            id=strawberry.ID(global_id("Ticket", int(message["id"]))),
            kind=TicketChangeKind(message["kind"]),
            status=message.get("status"),
            at=_when(message),
        )


async def _surviving_customer(info: Info, golden_id: int) -> int:
    # A short session of its own: a subscription must not hold a connection while it waits.
    # Scoped like every read: a customer the caller may not see is NOT_FOUND.
    async with info.context.hub.sessions() as session:
        found = (await customers_by_ids(session, [golden_id], info.context.scope)).get(golden_id)
    if found is None:
        raise NotFound(f"no customer has the id {golden_id}", id=golden_id)
    return found.id


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Changes of a customer: merges and unmerges, attribute edits and pins, "
        "points, tickets. Subscribing to an id merged away follows its survivor; a "
        "subscription to a customer that gets merged away goes on with the survivor."
    )
    async def customer_changed(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[CustomerChangeEvent, None]:
        asked = id_of(id, "Customer")
        current = await _surviving_customer(info, asked)
        async with Listener(info.context.hub.broker) as listener:
            for golden_id in {asked, current}:
                listener.add(customer_channel(golden_id))
            async for message in listener:
                if message["kind"] not in _CUSTOMER_KINDS:
                    continue
                survivor = message.get("survivorId")
                if message["kind"] == CustomerChange.MERGED and survivor is not None:
                    listener.add(customer_channel(int(survivor)))
                yield CustomerChangeEvent.from_message(message)

    @strawberry.subscription(description="Calls, status changes and satisfaction of a ticket.")
    async def ticket_updated(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[TicketChangeEvent, None]:
        ticket_id = id_of(id, "Ticket")
        async with info.context.hub.sessions() as session:
            found = await tickets_by_ids(session, [ticket_id], info.context.scope)
        if ticket_id not in found:
            raise NotFound(f"no ticket has the id {ticket_id}", id=ticket_id)
        async with Listener(info.context.hub.broker) as listener:
            listener.add(ticket_channel(ticket_id))
            async for message in listener:
                if message["kind"] in _TICKET_KINDS:
                    yield TicketChangeEvent.from_message(message)
