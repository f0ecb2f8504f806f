"""Mutations: contact edits, tickets, loyalty points and the data steward's operations.

Errors carry ``extensions.code``: BAD_USER_INPUT (a malformed value, named in
``extensions.argument``), NOT_FOUND (an id that names nothing), CONFLICT (the
state forbids it: too few points, a merged pair, a reused idempotency key).
Payloads are read after commit, so they show the change.
"""

from __future__ import annotations

from typing import Any

import strawberry

from cdhub.services.contacts import AddressParts
from cdhub.services.loyalty import Movement
from cdhub.services.tickets import CallEntry
from resolvers import mutations
from resolvers.context import Info
from resolvers.errors import NotFound
from resolvers.pagination import global_id, id_of
from schema import access
from schema.access import AssignPartnerPayload, EndPartnerAssignmentPayload, EraseCustomerPayload
from schema.customer import Customer
from schema.loyalty import LedgerEntry
from schema.mutation_inputs import (
    AddressInput,
    AddTicketCallInput,
    AdjustPointsInput,
    ChangeTicketStatusInput,
    CreateTicketInput,
    MergeCustomersInput,
    PinAttributeInput,
    PointsInput,
    RecordSatisfactionInput,
    ResolveMatchCandidateInput,
    UnmergeSourceInput,
    UpdateContactInput,
)
from schema.sources import SourceRecord
from schema.stewardship import MatchCandidate
from schema.tickets import Call, Ticket


async def _customer(info: Info, golden_id: int) -> Customer:
    record = await info.context.loaders.customer.load(golden_id)
    if record is None:
        raise NotFound(f"customer {golden_id} no longer exists", id=golden_id)
    return Customer.from_record(record)


async def _ticket(info: Info, ticket_id: int) -> Ticket:
    row = await info.context.loaders.ticket.load(ticket_id)
    if row is None:
        raise NotFound(f"ticket {ticket_id} no longer exists", id=ticket_id)
    return Ticket.from_row(row)


@strawberry.type
class UpdateContactPayload:
    version: int = strawberry.field(description="The hub record's version after this edit.")
    response: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The customer with the new values (survivorship re-run).")
    async def customer(self, info: Info) -> Customer:
        return await _customer(info, int(self.response["customerId"]))

    @strawberry.field(description="The hub source record holding the edit.")
    async def source_record(self, info: Info) -> SourceRecord:
        ident = int(self.response["sourceRecordId"])
        row = await info.context.loaders.source_record.load(ident)
        if row is None:
            raise NotFound(f"source record {ident} no longer exists", id=ident)
        return SourceRecord.from_row(row)


@strawberry.type
class TicketPayload:
    response: strawberry.Private[dict[str, Any]]

    @strawberry.field
    async def ticket(self, info: Info) -> Ticket:
        return await _ticket(info, int(self.response["ticketId"]))


@strawberry.type
class AddTicketCallPayload(TicketPayload):
    @strawberry.field(description="The call logged.")
    async def call(self, info: Info) -> Call:
        ticket = await _ticket(info, int(self.response["ticketId"]))
        calls = await info.context.loaders.calls.load(
            (ticket.row.source_system, ticket.row.ticket_no)
        )
        found = next((c for c in calls if c.call_id == self.response["callId"]), None)
        if found is None:
            raise NotFound(f"call {self.response['callId']} no longer exists")
        return Call.from_row(found)


@strawberry.type
class PointsPayload:
    points: int = strawberry.field(description="As booked: redemptions are negative.")
    balance: int = strawberry.field(description="The balance right after this entry.")
    response: strawberry.Private[dict[str, Any]]

    @strawberry.field
    async def entry(self, info: Info) -> LedgerEntry:
        ident = int(self.response["entryId"])
        row = await info.context.loaders.ledger_entry.load(ident)
        if row is None:
            raise NotFound(f"ledger entry {ident} no longer exists", id=ident)
        return LedgerEntry.from_row(row)

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return await _customer(info, int(self.response["customerId"]))


@strawberry.type
class CustomerPayload:
    response: strawberry.Private[dict[str, Any]]

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return await _customer(info, int(self.response["customerId"]))


@strawberry.type
class MergeCustomersPayload(CustomerPayload):
    @strawberry.field(description="The id merged away; it now resolves to `customer`.")
    def absorbed_id(self) -> strawberry.ID:
        return strawberry.ID(global_id("Customer", int(self.response["absorbedId"])))


@strawberry.type
class UnmergeSourcePayload(CustomerPayload):
    @strawberry.field(description="The customer the record was split out of.")
    async def previous_customer(self, info: Info) -> Customer | None:
        previous = self.response.get("previousId")
        if previous is None:
            return None
        record = await info.context.loaders.customer.load(int(previous))
        return None if record is None else Customer.from_record(record)


@strawberry.type
class ResolveMatchCandidatePayload(CustomerPayload):
    @strawberry.field
    async def candidate(self, info: Info) -> MatchCandidate:
        ident = int(self.response["candidateId"])
        row = await info.context.loaders.candidate.load(ident)
        if row is None:
            raise NotFound(f"match candidate {ident} no longer exists", id=ident)
        return MatchCandidate.from_row(row)


def _address(value: AddressInput | None) -> tuple[str | None, AddressParts | None]:
    """``(text, parts)`` of an address input; an empty one is empty text (refused later)."""
    if value is None:
        return None, None
    parts = (value.province, value.city, value.district, value.detail, value.postcode)
    given = None if all(p is None for p in parts) else AddressParts(*parts)
    if value.text is None and given is None:
        return "", None
    return value.text, given


def _points(response: dict[str, Any]) -> PointsPayload:
    return PointsPayload(
        points=int(response["points"]), balance=int(response["balance"]), response=response
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Record a customer's new phone, e-mail or address (a call-center agent's "
        "edit). Stored as the customer's `hub` source record; lineage names it and its editor."
    )
    async def update_contact(self, info: Info, input: UpdateContactInput) -> UpdateContactPayload:
        line, parts = _address(input.address)
        response = await mutations.update_contact(
            info,
            input.idempotency_key,
            id_of(input.customer_id, "Customer"),
            phone=input.phone,
            email=input.email,
            address_line=line,
            address=parts,
            confirmed=input.confirmed_by_customer,
        )
        return UpdateContactPayload(version=int(response["version"]), response=response)

    @strawberry.mutation(description="Open a ticket for a customer.")
    async def create_ticket(self, info: Info, input: CreateTicketInput) -> TicketPayload:
        response = await mutations.create_ticket(
            info,
            input.idempotency_key,
            id_of(input.customer_id, "Customer"),
            input.category,
            order_no=input.order_no,
            batch_no=input.batch_no,
            note=input.note,
        )
        return TicketPayload(response=response)

    @strawberry.mutation(description="Log a call about a ticket.")
    async def add_ticket_call(self, info: Info, input: AddTicketCallInput) -> AddTicketCallPayload:
        call = CallEntry(
            call_id=input.call_id,
            started_at=input.started_at,
            duration_s=input.duration_s,
            agent_id=input.agent_id,
            summary=input.summary,
            status=None if input.status is None else input.status.value,
            satisfaction=input.satisfaction,
        )
        response = await mutations.add_ticket_call(
            info, input.idempotency_key, id_of(input.ticket_id, "Ticket"), call
        )
        return AddTicketCallPayload(response=response)

    @strawberry.mutation(description="Move a ticket to another status (kept in its history).")
    async def change_ticket_status(
        self, info: Info, input: ChangeTicketStatusInput
    ) -> TicketPayload:
        response = await mutations.change_ticket_status(
            info,
            input.idempotency_key,
            id_of(input.ticket_id, "Ticket"),
            input.status.value,
            input.note,
        )
        return TicketPayload(response=response)

    @strawberry.mutation(description="The customer's satisfaction with a ticket, 1 to 5.")
    async def record_satisfaction(
        self, info: Info, input: RecordSatisfactionInput
    ) -> TicketPayload:
        ticket_id = id_of(input.ticket_id, "Ticket")
        if info.context.scope is not None:  # a self-service caller: its own tickets only
            await _ticket(info, ticket_id)
        response = await mutations.record_satisfaction(
            info, input.idempotency_key, ticket_id, input.score, input.note
        )
        return TicketPayload(response=response)

    @strawberry.mutation(description="Credit points.")
    async def earn_points(self, info: Info, input: PointsInput) -> PointsPayload:
        return _points(await _move(info, Movement.EARN, input))

    @strawberry.mutation(
        description="Spend points; CONFLICT (with `extensions.balance`) when the balance is short."
    )
    async def redeem_points(self, info: Info, input: PointsInput) -> PointsPayload:
        return _points(await _move(info, Movement.REDEEM, input))

    @strawberry.mutation(description="Correct a balance; it never goes below zero.")
    async def adjust_points(self, info: Info, input: AdjustPointsInput) -> PointsPayload:
        response = await mutations.move_loyalty_points(
            info,
            input.idempotency_key,
            Movement.ADJUST,
            id_of(input.customer_id, "Customer"),
            input.points,
            order_no=None,
            note=input.note,
        )
        return _points(response)

    @strawberry.mutation(
        description="Merge two customers (a data steward's decision); the older id survives and "
        "the other redirects to it."
    )
    async def merge_customers(
        self, info: Info, input: MergeCustomersInput
    ) -> MergeCustomersPayload:
        response = await mutations.merge_customers(
            info,
            input.idempotency_key,
            id_of(input.first_id, "Customer"),
            id_of(input.second_id, "Customer"),
            input.reason,
        )
        return MergeCustomersPayload(response=response)

    @strawberry.mutation(
        description="Split a source record out of its customer; it will not be matched back."
    )
    async def unmerge_source(self, info: Info, input: UnmergeSourceInput) -> UnmergeSourcePayload:
        response = await mutations.unmerge_source(
            info, input.idempotency_key, input.system, input.key, input.reason
        )
        return UnmergeSourcePayload(response=response)

    @strawberry.mutation(description="Accept (merge) or reject a possible match.")
    async def resolve_match_candidate(
        self, info: Info, input: ResolveMatchCandidateInput
    ) -> ResolveMatchCandidatePayload:
        response = await mutations.resolve_match_candidate(
            info,
            input.idempotency_key,
            id_of(input.candidate_id, "MatchCandidate"),
            input.is_match,
        )
        return ResolveMatchCandidatePayload(response=response)

    @strawberry.mutation(description="Pin (or with a null value unpin) a customer's attribute.")
    async def pin_attribute(self, info: Info, input: PinAttributeInput) -> CustomerPayload:
        response = await mutations.pin_attribute(
            info,
            input.idempotency_key,
            id_of(input.customer_id, "Customer"),
            input.attribute,
            input.value,
        )
        return CustomerPayload(response=response)

    assign_partner: AssignPartnerPayload = strawberry.mutation(
        resolver=access.assign_partner,
        description="Let a partner see customers (absorbed ids assign their survivor).",
    )
    end_partner_assignment: EndPartnerAssignmentPayload = strawberry.mutation(
        resolver=access.end_partner_assignment,
        description="End a customer's assignment to a partner now (the history is kept).",
    )
    erase_customer: EraseCustomerPayload = strawberry.mutation(
        resolver=access.erase_customer,
        description="Erase a person's personal data (PIPL) and of every customer merged into "
        "it; a tombstone and accounting facts stay. Irreversible.",
    )


async def _move(info: Info, movement: Movement, input: PointsInput) -> dict[str, Any]:
    return await mutations.move_loyalty_points(
        info,
        input.idempotency_key,
        movement,
        id_of(input.customer_id, "Customer"),
        input.points,
        order_no=input.order_no,
        note=input.note,
    )
