"""The data steward's mutations: merge, unmerge, resolve a review candidate, pin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from cdhub.state import HubState
from resolvers.pagination import global_id
from tests.schema.conftest import ACTOR, Graph, codes, data
from tests.schema.people import People, count

MERGE = """
mutation($input: MergeCustomersInput!) {
  mergeCustomers(input: $input) { absorbedId customer { goldenId sourceCount mergedFrom } }
}"""
UNMERGE = """
mutation($input: UnmergeSourceInput!) {
  unmergeSource(input: $input) {
    customer { goldenId sources { edges { node { key linkedBy } } } }
    previousCustomer { goldenId sourceCount }
  }
}"""
RESOLVE = """
mutation($input: ResolveMatchCandidateInput!) {
  resolveMatchCandidate(input: $input) { candidate { status resolvedBy } customer { goldenId } }
}"""
PIN = """
mutation($input: PinAttributeInput!) {
  pinAttribute(input: $input) {
    customer { goldenId primaryEmail lineage(attribute: "email") { rule } }
  }
}"""


def _vars(idempotency_key: str, **values: Any) -> dict[str, Any]:
    return {"input": {"idempotencyKey": idempotency_key, **values}}


async def test_merge_then_unmerge_through_the_graph(
    gql: Graph, people: People, hub: HubState
) -> None:
    first, second = people.golden["M1"], people.golden["M2"]
    merged = data(
        await gql(
            MERGE,
            _vars(
                "m-1",
                firstId=global_id("Customer", second),
                secondId=str(first),
                reason="same person",
            ),
        )
    )["mergeCustomers"]
    survivor, absorbed = min(first, second), max(first, second)
    assert merged["absorbedId"] == global_id("Customer", absorbed)
    assert merged["customer"]["goldenId"] == survivor
    assert merged["customer"]["sourceCount"] == 2
    assert merged["customer"]["mergedFrom"] == [global_id("Customer", absorbed)]
    redirected = data(
        await gql("query($id: ID!) { customer(id: $id) { goldenId } }", {"id": str(absorbed)})
    )
    assert redirected["customer"]["goldenId"] == survivor
    actor = await count(
        hub,
        "SELECT count(*) FROM merge_events WHERE event_type = 'manual_merge' AND actor = :a",
        a=ACTOR,
    )
    assert actor == 1

    again = await gql(MERGE, _vars("m-2", firstId=str(first), secondId=str(second)))
    assert codes(again) == ["CONFLICT"]  # they are one customer already

    split = data(await gql(UNMERGE, _vars("u-1", system="shop", key="M2", reason="twins")))
    unmerged = split["unmergeSource"]
    assert unmerged["customer"]["goldenId"] == second  # the absorbed id is revived
    assert unmerged["customer"]["sources"]["edges"] == [{"node": {"key": "M2", "linkedBy": ACTOR}}]
    assert unmerged["previousCustomer"] == {"goldenId": first, "sourceCount": 1}


async def test_steward_errors_carry_their_codes(gql: Graph, people: People) -> None:
    one = str(people.golden["M1"])
    cases = [
        (MERGE, {"firstId": one, "secondId": "999999"}, "NOT_FOUND"),
        (MERGE, {"firstId": one, "secondId": one}, "CONFLICT"),
        (MERGE, {"firstId": one, "secondId": global_id("Ticket", 1)}, "NOT_FOUND"),
        (UNMERGE, {"system": "shop", "key": "nobody"}, "NOT_FOUND"),
        (UNMERGE, {"system": "shop", "key": "M1"}, "CONFLICT"),  # its customer's only record
        (RESOLVE, {"candidateId": "999999", "isMatch": True}, "NOT_FOUND"),
        (PIN, {"customerId": one, "attribute": "shoe_size", "value": "42"}, "BAD_USER_INPUT"),
        (PIN, {"customerId": "999999", "attribute": "email", "value": "a@b.cn"}, "NOT_FOUND"),
    ]
    for query, values, code in cases:
        result = await gql(query, _vars("err", **values))
        assert codes(result) == [code], (values, result)


async def test_a_replayed_merge_is_done_once(gql: Graph, people: People, hub: HubState) -> None:
    variables = _vars("m-1", firstId=str(people.golden["M1"]), secondId=str(people.golden["M3"]))
    first = data(await gql(MERGE, variables))
    assert data(await gql(MERGE, variables)) == first
    events = await count(hub, "SELECT count(*) FROM merge_events WHERE event_type = 'manual_merge'")
    assert events == 1


async def _candidate(hub: HubState, people: People, member: str) -> int:
    """A review candidate: ``member``'s record might be M1's customer."""
    async with hub.sessions() as session, session.begin():
        row = await session.execute(
            text(
                "INSERT INTO match_candidates (source_record_id, golden_id, match_weight, "
                "probability, explanation, status, created_at) "
                "VALUES (:r, :g, 4.2, 0.95, '{}', 'open', CURRENT_TIMESTAMP) RETURNING id"
            ),
            {"r": people.records[member], "g": people.golden["M1"]},
        )
        return int(row.scalar_one())


async def test_accepting_a_candidate_merges_and_rejecting_keeps_apart(
    gql: Graph, people: People, hub: HubState
) -> None:
    candidate = await _candidate(hub, people, "M2")
    accepted = data(
        await gql(
            RESOLVE, _vars("r-1", candidateId=global_id("MatchCandidate", candidate), isMatch=True)
        )
    )["resolveMatchCandidate"]
    assert accepted["candidate"] == {"status": "ACCEPTED", "resolvedBy": ACTOR}
    assert accepted["customer"]["goldenId"] == min(people.golden["M1"], people.golden["M2"])
    again = await gql(RESOLVE, _vars("r-2", candidateId=str(candidate), isMatch=False))
    assert codes(again) == ["CONFLICT"]  # already accepted

    second = await _candidate(hub, people, "M3")
    rejected = data(await gql(RESOLVE, _vars("r-3", candidateId=str(second), isMatch=False)))
    assert rejected["resolveMatchCandidate"]["candidate"]["status"] == "REJECTED"
    assert rejected["resolveMatchCandidate"]["customer"]["goldenId"] == people.golden["M3"]


async def test_a_pinned_email_wins_and_unpinning_restores_the_source_value(
    gql: Graph, people: People
) -> None:
    customer = str(people.golden["M1"])
    pinned = data(
        await gql(
            PIN, _vars("p-1", customerId=customer, attribute="email", value="vip@example.com")
        )
    )["pinAttribute"]["customer"]
    assert pinned["primaryEmail"] == "vip@example.com"
    assert {e["rule"] for e in pinned["lineage"]} >= {"pinned"}
    unpinned = data(await gql(PIN, _vars("p-2", customerId=customer, attribute="email")))
    assert unpinned["pinAttribute"]["customer"]["primaryEmail"] == "zhao.min@example.com"
