"""Ticket mutations: open, log calls, change status, record satisfaction; their history."""

from __future__ import annotations

from typing import Any

from cdhub.state import HubState
from resolvers.pagination import global_id
from tests.schema.conftest import ACTOR, Graph, codes, data
from tests.schema.people import count
from tests.schema.seed import Seed

TICKET = """
  ticket {
    id ticketNo sourceSystem status category orderNo satisfaction
    customer { goldenId }
    calls { callId status agentId summary satisfaction }
    statusHistory { status source actor note callId }
  }
"""
CREATE = "mutation($input: CreateTicketInput!) { createTicket(input: $input) {" + TICKET + "} }"
CALL = (
    "mutation($input: AddTicketCallInput!) { addTicketCall(input: $input) {"
    + TICKET
    + "call { callId } } }"
)
STATUS = (
    "mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) {"
    + TICKET
    + "} }"
)
SATISFACTION = (
    "mutation($input: RecordSatisfactionInput!) { recordSatisfaction(input: $input) {"
    + TICKET
    + "} }"
)


def _vars(key: str, **values: Any) -> dict[str, Any]:
    return {"input": {"idempotencyKey": key, **values}}


async def test_a_ticket_is_opened_worked_and_closed_with_its_history(
    gql: Graph, seeded: Seed
) -> None:
    created = data(
        await gql(
            CREATE,
            _vars(
                "t-1",
                customerId=global_id("Customer", seeded.chen),
                category="complaint",
                orderNo="SO-2",
                note="缺货",
            ),
        )
    )["createTicket"]["ticket"]
    assert created["ticketNo"].startswith("HUB-")
    assert (created["sourceSystem"], created["status"], created["category"]) == (
        "hub",
        "open",
        "complaint",
    )
    assert created["customer"] == {"goldenId": seeded.chen}
    assert created["statusHistory"] == [
        {"status": "open", "source": "HUB", "actor": ACTOR, "note": "缺货", "callId": None}
    ]

    called = data(
        await gql(
            CALL,
            _vars(
                "t-2",
                ticketId=created["id"],
                callId="C-900",
                agentId="A9",
                summary="回访",
                status="PENDING",
                satisfaction=4,
            ),
        )
    )["addTicketCall"]
    assert called["call"] == {"callId": "C-900"}
    ticket = called["ticket"]
    assert ticket["status"] == "pending"
    assert ticket["satisfaction"] == 4
    assert ticket["calls"] == [
        {
            "callId": "C-900",
            "status": "pending",
            "agentId": "A9",
            "summary": "回访",
            "satisfaction": 4,
        }
    ]

    resolved = data(
        await gql(STATUS, _vars("t-3", ticketId=created["id"], status="RESOLVED", note="补发"))
    )["changeTicketStatus"]["ticket"]
    assert resolved["status"] == "resolved"
    assert [(s["status"], s["source"]) for s in resolved["statusHistory"]] == [
        ("open", "HUB"),
        ("pending", "CALL"),
        ("resolved", "HUB"),
    ]
    scored = data(await gql(SATISFACTION, _vars("t-4", ticketId=created["id"], score=5)))
    assert scored["recordSatisfaction"]["ticket"]["satisfaction"] == 5


async def test_a_call_on_a_call_center_ticket_is_listed_with_its_calls(
    gql: Graph, seeded: Seed, hub: HubState
) -> None:
    ticket = global_id("Ticket", seeded.tickets["T-1"])
    result = data(await gql(CALL, _vars("c-1", ticketId=ticket, summary="hub follow-up")))
    calls = result["addTicketCall"]["ticket"]["calls"]
    assert [c["callId"] for c in calls][:2] == ["CALL-1", "CALL-2"]
    assert calls[-1]["callId"].startswith("HUB-CALL-")
    assert calls[-1]["summary"] == "hub follow-up"
    assert result["addTicketCall"]["ticket"]["status"] == "open"  # no status given: unchanged
    events = await count(
        hub,
        "SELECT count(*) FROM ticket_events WHERE ticket_id = :t AND kind = 'call' AND actor = :a",
        t=seeded.tickets["T-1"],
        a=ACTOR,
    )
    assert events == 1


async def test_ticket_errors_carry_their_codes(gql: Graph, seeded: Seed) -> None:
    t1 = global_id("Ticket", seeded.tickets["T-1"])
    cases = [
        (CREATE, {"customerId": "999999", "category": "x"}, "NOT_FOUND"),
        (CREATE, {"customerId": str(seeded.erased), "category": "x"}, "CONFLICT"),
        (CREATE, {"customerId": str(seeded.chen), "category": "  "}, "BAD_USER_INPUT"),
        (CALL, {"ticketId": "999999"}, "NOT_FOUND"),
        (CALL, {"ticketId": t1, "callId": "CALL-1"}, "CONFLICT"),  # the call center's own id
        (CALL, {"ticketId": t1, "satisfaction": 9}, "BAD_USER_INPUT"),
        (CALL, {"ticketId": t1, "durationS": -1}, "BAD_USER_INPUT"),
        (STATUS, {"ticketId": t1, "status": "OPEN"}, "CONFLICT"),  # already open
        (STATUS, {"ticketId": t1, "status": "SHELVED"}, "BAD_USER_INPUT"),  # not in the enum
        (STATUS, {"ticketId": global_id("Order", 1), "status": "CLOSED"}, "NOT_FOUND"),
        (SATISFACTION, {"ticketId": t1, "score": 0}, "BAD_USER_INPUT"),
        (SATISFACTION, {"ticketId": t1, "score": 6}, "BAD_USER_INPUT"),
    ]
    for query, values, code in cases:
        result = await gql(query, _vars("err", **values))
        assert codes(result) == [code], (values, result)


async def test_a_replayed_ticket_key_opens_one_ticket(
    gql: Graph, seeded: Seed, hub: HubState
) -> None:
    variables = _vars("open-once", customerId=str(seeded.chen), category="refund")
    first = data(await gql(CREATE, variables))
    again = data(await gql(CREATE, variables))
    assert again["createTicket"]["ticket"]["id"] == first["createTicket"]["ticket"]["id"]
    assert await count(hub, "SELECT count(*) FROM tickets WHERE category = 'refund'") == 1

    changed = await gql(CREATE, _vars("open-once", customerId=str(seeded.chen), category="other"))
    assert codes(changed) == ["CONFLICT"]
    # A key belongs to one operation: reusing it for another is a conflict too.
    ticket = first["createTicket"]["ticket"]["id"]
    reused = await gql(STATUS, _vars("open-once", ticketId=ticket, status="CLOSED"))
    assert codes(reused) == ["CONFLICT"]
    assert data(await gql(STATUS, _vars("close-1", ticketId=ticket, status="CLOSED")))
    replayed = data(await gql(STATUS, _vars("close-1", ticketId=ticket, status="CLOSED")))
    assert replayed["changeTicketStatus"]["ticket"]["status"] == "closed"  # not "already closed"
    events = await count(
        hub,
        "SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
        "WHERE t.category = 'refund' AND e.status = 'closed'",
    )
    assert events == 1


async def test_an_idempotency_key_must_be_given_and_short(gql: Graph, seeded: Seed) -> None:
    for key in ("", "   ", "k" * 201):
        result = await gql(CREATE, _vars(key, customerId=str(seeded.chen), category="x"))
        assert codes(result) == ["BAD_USER_INPUT"]
        assert result["errors"][0]["extensions"]["argument"] == "idempotencyKey"
