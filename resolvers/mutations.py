"""What each mutation does: call a service in a unit of work, say what changed.

Each function takes the checked arguments of one mutation, runs it through
`run_mutation` (idempotency, commit, notices) and returns the JSON response
stored under its idempotency key: ids and the numbers of the moment (a
balance after a redemption), from which the schema builds the payload.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.notify import CustomerChange, TicketChange
from cdhub.security import audit, erasure, partners
from cdhub.services import contacts, stewardship, tickets
from cdhub.services.contacts import AddressParts
from cdhub.services.loyalty import Movement, move_points
from cdhub.services.tickets import CallEntry, TicketOutcome
from cdhub.storage.queries import ownership
from cdhub.storage.queries import stewardship as steward_queries
from cdhub.storage.repo import golden as golden_repo
from resolvers.context import Info
from resolvers.errors import BadUserInput, NotFound
from resolvers.unit_of_work import (
    CustomersChanged,
    Outcome,
    TicketsChanged,
    run_mutation,
    steward_of,
)


async def update_contact(
    info: Info,
    key: str,
    customer_id: int,
    *,
    phone: str | None,
    email: str | None,
    address_line: str | None,
    address: AddressParts | None,
    confirmed: bool,
) -> dict[str, Any]:
    steward = steward_of(info)
    request = {
        "customerId": customer_id,
        "phone": phone,
        "email": email,
        "addressText": address_line,
        "address": None if address is None else _parts(address),
        "confirmed": confirmed,
    }

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        edit = contacts.contact_edit(
            phone=phone,
            email=email,
            address_line=address_line,
            address=address,
            confirmed=confirmed,
        )
        done = await contacts.update_contact(session, steward, customer_id, edit, now)
        touched = {customer_id, done.golden_id} | ({done.moved_from} - {None})
        return Outcome(
            {
                "customerId": done.golden_id,
                "sourceRecordId": done.source_record_id,
                "version": done.version,
            },
            [CustomersChanged(_ids(touched), CustomerChange.ATTRIBUTES)],
        )

    return await run_mutation(info, "updateContact", key, request, work)


def _parts(address: AddressParts) -> dict[str, str | None]:
    return {
        "province": address.province,
        "city": address.city,
        "district": address.district,
        "detail": address.detail,
        "postcode": address.postcode,
    }


def _ids(ids: set[int | None] | set[int]) -> tuple[int, ...]:
    return tuple(sorted(i for i in ids if i is not None))


def _ticket_changes(
    done: TicketOutcome, kind: TicketChange
) -> list[CustomersChanged | TicketsChanged]:
    changes: list[CustomersChanged | TicketsChanged] = [
        TicketsChanged((done.ticket_id,), kind, done.status)
    ]
    if done.customer_id is not None:
        changes.append(CustomersChanged((done.customer_id,), CustomerChange.TICKETS))
    return changes


def _ticket_response(done: TicketOutcome) -> dict[str, Any]:
    return {"ticketId": done.ticket_id, "status": done.status, "callId": done.call_id}


async def create_ticket(
    info: Info,
    key: str,
    customer_id: int,
    category: str,
    *,
    order_no: str | None,
    batch_no: str | None,
    note: str | None,
) -> dict[str, Any]:
    actor = info.context.actor
    request = {
        "customerId": customer_id,
        "category": category,
        "orderNo": order_no,
        "batchNo": batch_no,
        "note": note,
    }

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        done = await tickets.create_ticket(
            session,
            actor,
            customer_id,
            category,
            now,
            order_no=order_no,
            batch_no=batch_no,
            note=note,
        )
        return Outcome(_ticket_response(done), _ticket_changes(done, TicketChange.CREATED))

    return await run_mutation(info, "createTicket", key, request, work)


async def add_ticket_call(info: Info, key: str, ticket_id: int, call: CallEntry) -> dict[str, Any]:
    actor = info.context.actor
    request = {
        "ticketId": ticket_id,
        "callId": call.call_id,
        "startedAt": None if call.started_at is None else call.started_at.isoformat(),
        "durationS": call.duration_s,
        "agentId": call.agent_id,
        "summary": call.summary,
        "status": call.status,
        "satisfaction": call.satisfaction,
    }

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        done = await tickets.add_call(session, actor, ticket_id, call, now)
        return Outcome(_ticket_response(done), _ticket_changes(done, TicketChange.CALL))

    return await run_mutation(info, "addTicketCall", key, request, work)


async def change_ticket_status(
    info: Info, key: str, ticket_id: int, status: str, note: str | None
) -> dict[str, Any]:
    actor = info.context.actor
    request = {"ticketId": ticket_id, "status": status, "note": note}

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        done = await tickets.change_status(session, actor, ticket_id, status, now, note)
        return Outcome(_ticket_response(done), _ticket_changes(done, TicketChange.STATUS))

    return await run_mutation(info, "changeTicketStatus", key, request, work)


async def record_satisfaction(
    info: Info, key: str, ticket_id: int, score: int, note: str | None
) -> dict[str, Any]:
    actor = info.context.actor
    request = {"ticketId": ticket_id, "score": score, "note": note}

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        done = await tickets.record_satisfaction(session, actor, ticket_id, score, now, note)
        return Outcome(_ticket_response(done), _ticket_changes(done, TicketChange.SATISFACTION))

    return await run_mutation(info, "recordSatisfaction", key, request, work)


async def move_loyalty_points(
    info: Info,
    key: str,
    movement: Movement,
    customer_id: int,
    points: int,
    *,
    order_no: str | None,
    note: str | None,
) -> dict[str, Any]:
    actor = info.context.actor
    request = {"customerId": customer_id, "points": points, "orderNo": order_no, "note": note}

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        done = await move_points(
            session, actor, customer_id, movement, points, now, order_no=order_no, note=note
        )
        return Outcome(
            {
                "customerId": done.golden_id,
                "entryId": done.entry_id,
                "points": done.points,
                "balance": done.balance,
            },
            [CustomersChanged(_ids({customer_id, done.golden_id}), CustomerChange.POINTS)],
        )

    operation = {Movement.EARN: "earnPoints", Movement.REDEEM: "redeemPoints"}.get(
        movement, "adjustPoints"
    )
    return await run_mutation(info, operation, key, request, work)


async def merge_customers(
    info: Info, key: str, first_id: int, second_id: int, reason: str | None
) -> dict[str, Any]:
    steward = steward_of(info)
    request = {"firstId": first_id, "secondId": second_id, "reason": reason}

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        first = await stewardship.active_golden(session, first_id)
        second = await stewardship.active_golden(session, second_id)
        survivor = await stewardship.merge(session, steward, first, second, reason, now)
        absorbed = second if survivor == first else first
        return Outcome(
            {"customerId": survivor, "absorbedId": absorbed},
            [
                CustomersChanged(
                    _ids({first_id, second_id, first, second}),
                    CustomerChange.MERGED,
                    survivor,
                )
            ],
        )

    return await run_mutation(info, "mergeCustomers", key, request, work)


async def unmerge_source(
    info: Info, key: str, system: str, source_key: str, reason: str | None
) -> dict[str, Any]:
    steward = steward_of(info)
    request = {"system": system, "key": source_key, "reason": reason}

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        party = (system, source_key)
        previous = (await ownership.golden_of_parties(session, [party])).get(party)
        target = await stewardship.unmerge(session, steward, system, source_key, reason, now)
        return Outcome(
            {"customerId": target, "previousId": previous},
            [CustomersChanged(_ids({previous, target}), CustomerChange.UNMERGED)],
        )

    return await run_mutation(info, "unmergeSource", key, request, work)


async def resolve_match_candidate(
    info: Info, key: str, candidate_id: int, is_match: bool
) -> dict[str, Any]:
    steward = steward_of(info)
    request = {"candidateId": candidate_id, "isMatch": is_match}

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        found = await steward_queries.candidates_by_ids(session, [candidate_id])
        candidate = found.get(candidate_id)
        record_golden = None
        if candidate is not None:
            goldens = await golden_repo.golden_of_records(session, [candidate.source_record_id])
            record_golden = goldens.get(candidate.source_record_id)
        result = await stewardship.resolve_candidate(session, steward, candidate_id, is_match, now)
        changes: list[CustomersChanged | TicketsChanged] = []
        if is_match and candidate is not None:
            touched = _ids({candidate.golden_id, record_golden, result})
            changes.append(CustomersChanged(touched, CustomerChange.MERGED, result))
        return Outcome({"candidateId": candidate_id, "customerId": result}, changes)

    return await run_mutation(info, "resolveMatchCandidate", key, request, work)


async def pin_attribute(
    info: Info, key: str, customer_id: int, attribute: str, value: str | None
) -> dict[str, Any]:
    steward = steward_of(info)
    request = {"customerId": customer_id, "attribute": attribute, "value": value}

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        target = await stewardship.pin(session, steward, customer_id, attribute, value, now)
        return Outcome(
            {"customerId": target},
            [CustomersChanged(_ids({customer_id, target}), CustomerChange.ATTRIBUTES)],
        )

    return await run_mutation(info, "pinAttribute", key, request, work)


async def erase_customer(info: Info, key: str, golden_id: int) -> dict[str, Any]:
    """Erase a person (PIPL): `cdhub.security.erasure.erase_customer` in one unit of work,
    its own audit row (with what was erased, by table), then the cached views of the whole
    family are dropped and subscribers told (``erased``) after commit."""
    principal = info.context.principal
    actor = info.context.actor

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        try:
            report = await erasure.erase_customer(session, golden_id, actor, now)
        except erasure.ErasureError as error:
            raise NotFound(str(error), id=golden_id) from None
        if principal is not None:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
            await audit.record(session, principal, "graphql:erase", report.family, now, counts)
        response = {
            "customerId": report.golden_id,
            "erasedIds": sorted(report.family),
            "counts": dict(sorted(report.counts.items())),
        }
        return Outcome(
            response, [CustomersChanged(_ids(set(report.cache_ids)), CustomerChange.ERASED)]
        )

    return await run_mutation(info, "eraseCustomer", key, {"customerId": golden_id}, work)


async def assign_partner(
    info: Info,
    key: str,
    partner_code: str,
    golden_ids: list[int],
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> dict[str, Any]:
    actor = info.context.actor
    request = {
        "partner": partner_code,
        "customerIds": golden_ids,
        "startsAt": None if starts_at is None else starts_at.isoformat(),
        "endsAt": None if ends_at is None else ends_at.isoformat(),
    }

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        try:
            done = await partners.assign(
                session,
                partner_code,
                golden_ids,
                assigned_by=actor,
                now=now,
                starts_at=starts_at,
                ends_at=ends_at,
            )
        except partners.PartnerError as error:
            raise BadUserInput(str(error)) from None
        response = {
            "created": done.created,
            "unchanged": done.unchanged,
            "rejected": [where for where, _ in done.rejected],
        }
        return Outcome(response)

    return await run_mutation(info, "assignPartner", key, request, work)


async def end_partner_assignment(
    info: Info, key: str, partner_code: str, golden_id: int
) -> dict[str, Any]:
    request = {"partner": partner_code, "customerId": golden_id}

    async def work(session: AsyncSession, now: datetime) -> Outcome:
        try:
            ended = await partners.end_assignment(session, partner_code, golden_id, ends_at=now)
        except partners.PartnerError as error:
            raise BadUserInput(str(error)) from None
        return Outcome({"ended": ended})

    return await run_mutation(info, "endPartnerAssignment", key, request, work)
