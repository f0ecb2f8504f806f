"""Every mutation, replayed: the same key and input answer the first result and change
nothing more; the same key with another input is CONFLICT."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from cdhub.state import HubState
from tests.schema.conftest import Graph, codes, data
from tests.schema.people import People, count


@dataclass(frozen=True)
class Case:
    mutation: str  # the field name
    input_type: str
    selection: str
    first: Callable[[dict[str, int]], dict[str, Any]]
    other: Callable[[dict[str, int]], dict[str, Any]]
    effects: str  # SQL counting what the mutation writes


CASES = [
    Case(
        "updateContact",
        "UpdateContactInput",
        "version",
        lambda ids: {"customerId": str(ids["M1"]), "email": "a@b.cn"},
        lambda ids: {"customerId": str(ids["M1"]), "email": "c@d.cn"},
        "SELECT count(*) FROM source_record_versions",
    ),
    Case(
        "createTicket",
        "CreateTicketInput",
        "ticket { id }",
        lambda ids: {"customerId": str(ids["M1"]), "category": "refund"},
        lambda ids: {"customerId": str(ids["M2"]), "category": "refund"},
        "SELECT count(*) FROM tickets",
    ),
    Case(
        "addTicketCall",
        "AddTicketCallInput",
        "call { callId }",
        lambda ids: {"ticketId": str(ids["ticket"]), "summary": "回访"},
        lambda ids: {"ticketId": str(ids["ticket"]), "summary": "再回访"},
        "SELECT count(*) FROM calls",
    ),
    Case(
        "changeTicketStatus",
        "ChangeTicketStatusInput",
        "ticket { status }",
        lambda ids: {"ticketId": str(ids["ticket"]), "status": "PENDING"},
        lambda ids: {"ticketId": str(ids["ticket"]), "status": "CLOSED"},
        "SELECT count(*) FROM ticket_events",
    ),
    Case(
        "recordSatisfaction",
        "RecordSatisfactionInput",
        "ticket { satisfaction }",
        lambda ids: {"ticketId": str(ids["ticket"]), "score": 4},
        lambda ids: {"ticketId": str(ids["ticket"]), "score": 2},
        "SELECT count(*) FROM ticket_events",
    ),
    Case(
        "earnPoints",
        "PointsInput",
        "balance entry { id }",
        lambda ids: {"customerId": str(ids["M1"]), "points": 10},
        lambda ids: {"customerId": str(ids["M1"]), "points": 11},
        "SELECT count(*) FROM loyalty_ledger",
    ),
    Case(
        "redeemPoints",
        "PointsInput",
        "balance entry { id }",
        lambda ids: {"customerId": str(ids["M1"]), "points": 10},
        lambda ids: {"customerId": str(ids["M1"]), "points": 10, "note": "x"},
        "SELECT count(*) FROM loyalty_ledger",
    ),
    Case(
        "adjustPoints",
        "AdjustPointsInput",
        "balance entry { id }",
        lambda ids: {"customerId": str(ids["M1"]), "points": -5, "note": "typo"},
        lambda ids: {"customerId": str(ids["M1"]), "points": 5, "note": "typo"},
        "SELECT count(*) FROM loyalty_ledger",
    ),
    Case(
        "mergeCustomers",
        "MergeCustomersInput",
        "absorbedId customer { goldenId }",
        lambda ids: {"firstId": str(ids["M1"]), "secondId": str(ids["M2"])},
        lambda ids: {"firstId": str(ids["M1"]), "secondId": str(ids["M3"])},
        "SELECT count(*) FROM merge_events",
    ),
    Case(
        "unmergeSource",
        "UnmergeSourceInput",
        "customer { goldenId } previousCustomer { goldenId }",
        lambda ids: {"system": "shop", "key": "M2", "reason": "twins"},
        lambda ids: {"system": "shop", "key": "M2", "reason": "other"},
        "SELECT count(*) FROM merge_events",
    ),
    Case(
        "resolveMatchCandidate",
        "ResolveMatchCandidateInput",
        "candidate { status } customer { goldenId }",
        lambda ids: {"candidateId": str(ids["candidate"]), "isMatch": True},
        lambda ids: {"candidateId": str(ids["candidate"]), "isMatch": False},
        "SELECT count(*) FROM merge_events",
    ),
    Case(
        "pinAttribute",
        "PinAttributeInput",
        "customer { primaryEmail }",
        lambda ids: {"customerId": str(ids["M1"]), "attribute": "email", "value": "p@q.cn"},
        lambda ids: {"customerId": str(ids["M1"]), "attribute": "email", "value": "r@s.cn"},
        "SELECT count(*) FROM merge_events",
    ),
]


async def _ids(gql: Graph, hub: HubState, people: People) -> dict[str, int]:
    """The people's golden ids, a merge to split, a ticket and a review candidate."""
    ids = dict(people.golden)
    ticket = await gql(
        """mutation($id: ID!) { createTicket(input: {idempotencyKey: "setup-ticket",
        customerId: $id, category: "complaint"}) { ticket { id } } }""",
        {"id": str(ids["M3"])},
    )
    assert "errors" not in ticket
    ids["ticket"] = await count(hub, "SELECT max(id) FROM tickets")
    async with hub.sessions() as session, session.begin():
        row = await session.execute(
            text(
                "INSERT INTO match_candidates (source_record_id, golden_id, match_weight, "
                "probability, explanation, status, created_at) "
                "VALUES (:r, :g, 4.2, 0.95, '{}', 'open', CURRENT_TIMESTAMP) RETURNING id"
            ),
            {"r": people.records["M3"], "g": ids["M1"]},
        )
        ids["candidate"] = int(row.scalar_one())
    return ids


@pytest.mark.parametrize("case", CASES, ids=[c.mutation for c in CASES])
async def test_a_replay_answers_the_first_result_and_another_input_conflicts(
    case: Case, gql: Graph, hub: HubState, people: People
) -> None:
    ids = await _ids(gql, hub, people)
    if case.mutation == "unmergeSource":  # needs a customer of two records
        await gql(
            """mutation($a: ID!, $b: ID!) { mergeCustomers(input: {idempotencyKey: "setup-merge",
            firstId: $a, secondId: $b}) { absorbedId } }""",
            {"a": str(ids["M1"]), "b": str(ids["M2"])},
        )
    query = (
        f"mutation($input: {case.input_type}!) "
        f"{{ {case.mutation}(input: $input) {{ {case.selection} }} }}"
    )

    def variables(values: dict[str, Any]) -> dict[str, Any]:
        return {"input": {"idempotencyKey": "the-key", **values}}

    first = data(await gql(query, variables(case.first(ids))))
    effects = await count(hub, case.effects)
    again = data(await gql(query, variables(case.first(ids))))
    assert again == first
    assert await count(hub, case.effects) == effects

    other = await gql(query, variables(case.other(ids)))
    assert codes(other) == ["CONFLICT"], other
    assert other["errors"][0]["extensions"]["idempotencyKey"] == "the-key"
    assert await count(hub, case.effects) == effects
