from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.schema.conftest import Graph, codes, data
from tests.schema.seed import Seed

ORDERS = """query($filter: OrderFilter) {
  orders(filter: $filter, first: 50) { totalCount edges { node { orderNo customer { goldenId } } } }
}"""
TICKETS = """query($filter: TicketFilter) {
  tickets(filter: $filter, first: 50) { totalCount edges { node { ticketNo } } }
}"""


def gid(type_name: str, ident: int) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


async def order_numbers(gql: Graph, f: dict[str, Any]) -> list[str]:
    found = data(await gql(ORDERS, {"filter": f}))["orders"]
    numbers = [e["node"]["orderNo"] for e in found["edges"]]
    assert found["totalCount"] == len(numbers)
    return numbers


async def ticket_numbers(gql: Graph, f: dict[str, Any]) -> list[str]:
    found = data(await gql(TICKETS, {"filter": f}))["tickets"]
    numbers = [e["node"]["ticketNo"] for e in found["edges"]]
    assert found["totalCount"] == len(numbers)
    return numbers


async def test_orders_filtered(gql: Graph, seeded: Seed) -> None:
    assert await order_numbers(gql, {}) == ["EO-1", "SO-2", "SO-9", "SO-1", "SO-3"]
    assert await order_numbers(gql, {"channel": "erp"}) == ["EO-1"]
    assert await order_numbers(gql, {"status": "TRADE_FINISHED"}) == ["SO-9", "SO-1"]
    assert await order_numbers(gql, {"batchNo": "B2401"}) == ["SO-1"]
    window = {"orderedFrom": "2024-03-11T00:00:00Z", "orderedTo": "2024-03-13T03:00:00Z"}
    assert await order_numbers(gql, window) == ["SO-2", "SO-9", "SO-1"]
    mine = {"customerId": gid("Customer", seeded.lin)}
    assert await order_numbers(gql, mine) == ["EO-1", "SO-1", "SO-3"]
    absorbed = {"customerId": str(seeded.absorbed), "channel": "shop"}
    assert await order_numbers(gql, absorbed) == ["SO-1", "SO-3"]


async def test_order_of_an_unlinked_member_has_no_customer(gql: Graph, seeded: Seed) -> None:
    found = data(await gql(ORDERS, {"filter": {"status": "TRADE_FINISHED"}}))["orders"]
    assert found["edges"][0]["node"] == {"orderNo": "SO-9", "customer": None}


async def test_orders_of_an_unknown_customer_are_not_found(gql: Graph, seeded: Seed) -> None:
    result = await gql(ORDERS, {"filter": {"customerId": "999999"}})
    assert codes(result) == ["NOT_FOUND"]


async def test_tickets_filtered(gql: Graph, seeded: Seed) -> None:
    assert await ticket_numbers(gql, {}) == ["T-3", "T-1", "T-2"]
    assert await ticket_numbers(gql, {"status": "open"}) == ["T-3", "T-1"]
    assert await ticket_numbers(gql, {"openOnly": True, "channel": "callcenter"}) == ["T-1"]
    assert await ticket_numbers(gql, {"category": "complaint", "batchNo": "B2403"}) == [
        "T-3",
        "T-1",
    ]
    window = {"openedFrom": "2024-03-01T00:00:00Z", "openedTo": "2024-03-22T00:00:00Z"}
    assert await ticket_numbers(gql, window) == ["T-1", "T-2"]
    assert await ticket_numbers(gql, {"customerId": str(seeded.chen)}) == ["T-3"]


async def test_match_candidates_explain_the_score(gql: Graph, seeded: Seed) -> None:
    query = """query($status: CandidateStatus) { matchCandidates(status: $status) {
      totalCount edges { node {
        id score matchWeight probability status
        explanation { outcome rule priorWeight contradiction
                      contributions { comparison level weight tfAdjusted } }
        sourceRecord { system key } otherSourceRecord { key } customer { goldenId }
      } } } }"""
    found = data(await gql(query))["matchCandidates"]  # open by default
    assert found["totalCount"] == 1
    node = found["edges"][0]["node"]
    assert node["id"] == gid("MatchCandidate", seeded.candidates["open"])
    assert (node["score"], node["matchWeight"], node["probability"]) == (4.2, 4.2, 0.948)
    assert node["explanation"] == {
        "outcome": "possible_match",
        "rule": None,
        "priorWeight": -6.5,
        "contradiction": False,
        "contributions": [
            {"comparison": "name", "level": "pinyin_exact", "weight": 6.1, "tfAdjusted": True},
            {"comparison": "phone", "level": "null", "weight": 0.0, "tfAdjusted": False},
        ],
    }
    assert node["sourceRecord"] == {"system": "wechat", "key": "oNew"}
    assert node["otherSourceRecord"] == {"key": "M1001"}
    assert node["customer"] == {"goldenId": seeded.lin}
    rejected = data(await gql(query, {"status": "REJECTED"}))["matchCandidates"]
    assert [e["node"]["status"] for e in rejected["edges"]] == ["REJECTED"]
    everything = data(await gql(query, {"status": None}))["matchCandidates"]
    assert everything["totalCount"] == 2


async def test_quarantine_by_source_and_status(gql: Graph, seeded: Seed) -> None:
    query = """query($source: String, $status: QuarantineStatus) {
      quarantine(source: $source, status: $status) {
        totalCount edges { node { source origin reason detail raw status receivedAt } } } }"""
    everything = data(await gql(query))["quarantine"]
    assert [e["node"]["reason"] for e in everything["edges"]] == ["missing_key", "bad_json"]
    shop = data(await gql(query, {"source": "shop", "status": "OPEN"}))["quarantine"]
    assert shop["edges"] == [
        {
            "node": {
                "source": "shop",
                "origin": "shop.jsonl:17",
                "reason": "bad_json",
                "detail": None,
                "raw": "{not json",
                "status": "OPEN",
                "receivedAt": "2024-03-02T02:00:00+00:00",
            }
        }
    ]


async def test_merge_events_of_a_customer_include_absorbed_ones(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID) { mergeEvents(customerId: $id) {
      totalCount edges { node { eventType goldenId otherGoldenId actor reason before after
                                customer { goldenId } } } } }"""
    lin = data(await gql(query, {"id": str(seeded.lin)}))["mergeEvents"]
    assert lin["edges"] == [
        {
            "node": {
                "eventType": "merge",
                "goldenId": seeded.lin,
                "otherGoldenId": seeded.absorbed,
                "actor": "steward:wang",
                "reason": "same phone",
                "before": {"members": [1]},
                "after": {"members": [1, 2]},
                "customer": {"goldenId": seeded.lin},
            }
        }
    ]
    everything = data(await gql(query))["mergeEvents"]
    assert [e["node"]["eventType"] for e in everything["edges"]] == ["review_rejected", "merge"]


async def test_node_resolves_every_type(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { node(id: $id) { __typename id } }"""
    cases = [
        ("Customer", seeded.lin),
        ("Order", seeded.orders["SO-1"]),
        ("Ticket", seeded.tickets["T-1"]),
        ("SourceRecord", seeded.records["erp:K2001"]),
        ("MatchCandidate", seeded.candidates["open"]),
        ("QuarantinedRecord", seeded.quarantine["bad-json"]),
        ("MergeEvent", seeded.merge_events["merge"]),
    ]
    for type_name, ident in cases:
        node = data(await gql(query, {"id": gid(type_name, ident)}))["node"]
        assert node == {"__typename": type_name, "id": gid(type_name, ident)}


async def test_ledger_entry_ids_resolve_through_node(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { customer(id: $id) { loyalty { ledger(first: 1) {
        edges { node { id } } } } } }"""
    ledger = data(await gql(query, {"id": str(seeded.lin)}))["customer"]["loyalty"]["ledger"]
    entry_id = ledger["edges"][0]["node"]["id"]
    node = data(
        await gql(
            "query($id: ID!) { node(id: $id) { ... on LedgerEntry { points } } }", {"id": entry_id}
        )
    )
    assert node["node"] == {"points": -30}


@pytest.mark.parametrize(
    "ident",
    ["Q3VzdG9tZXI6OTk5OTk5", "bm9wZTox", "%%%", gid("Order", 424242), ""],
)
async def test_unknown_global_id_is_not_found(gql: Graph, seeded: Seed, ident: str) -> None:
    result = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": ident})
    assert codes(result) == ["NOT_FOUND"]


async def test_nodes_answer_in_order_with_null_for_misses(gql: Graph, seeded: Seed) -> None:
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Customer { name } } }"""
    ids = [gid("Customer", seeded.chen), gid("Customer", 999), gid("Customer", seeded.absorbed)]
    found = data(await gql(query, {"ids": ids}))["nodes"]
    assert found == [
        {"__typename": "Customer", "name": "陈志强"},
        None,
        {"__typename": "Customer", "name": "林嘉欣"},
    ]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "query($k: CustomerKind) { customers(filter: {kind: $k}) { totalCount } }",
            {"k": "ALIEN"},
        ),
        ("{ customers(orderBy: SHOE_SIZE) { totalCount } }", {}),
        ("query($s: CandidateStatus) { matchCandidates(status: $s) { totalCount } }", {"s": "x"}),
        ("query($d: DateTime) { orders(filter: {orderedFrom: $d}) { totalCount } }", {"d": "soon"}),
        ("{ aggregate(dimensions: [WEATHER], measures: [REVENUE]) { measures { value } } }", {}),
        ('{ customers(first: "ten") { totalCount } }', {}),
    ],
)
async def test_unknown_filter_values_are_bad_user_input(
    gql: Graph, seeded: Seed, query: str, variables: dict[str, Any]
) -> None:
    result = await gql(query, variables)
    assert result.get("data") is None
    assert codes(result) == ["BAD_USER_INPUT"] * len(result["errors"])


async def test_schema_execute_answers_like_http(hub: Any, seeded: Seed) -> None:
    from cdhub.security.principal import Principal, Role
    from resolvers.context import HubContext
    from schema.root import build_schema

    result = await build_schema(hub.settings).execute(
        "query($id: ID!) { customer(id: $id) { name } }",
        variable_values={"id": str(seeded.lin)},
        context_value=HubContext(hub=hub, principal=Principal(role=Role.ADMIN, name="li")),
    )
    assert result.errors is None
    assert result.data == {"customer": {"name": "林嘉欣"}}
