from __future__ import annotations

import base64

from tests.schema.conftest import Graph, codes, data
from tests.schema.seed import Seed

CUSTOMER = """
query One($id: ID!) {
  customer(id: $id) {
    id goldenId kind name pinyin gender birthDate tier subscribed province
    phones { value isPrimary kind sources { system key } }
    emails { value sources { system key linkMethod } }
    addresses { value province district isPrimary }
    identifiers { kind value isPrimary valid }
    mergedFrom
  }
}
"""


def gid(type_name: str, ident: int) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


async def test_customer_by_global_id_has_its_golden_attributes(gql: Graph, seeded: Seed) -> None:
    customer = data(await gql(CUSTOMER, {"id": gid("Customer", seeded.lin)}))["customer"]
    assert customer["id"] == gid("Customer", seeded.lin)
    assert customer["goldenId"] == seeded.lin
    assert customer["kind"] == "PERSON"
    assert (customer["name"], customer["pinyin"], customer["gender"]) == (
        "林嘉欣",
        "lin jia xin",
        "FEMALE",
    )
    assert customer["birthDate"] == "1949-12-31"
    assert (customer["tier"], customer["subscribed"], customer["province"]) == (
        "gold",
        True,
        "上海",
    )
    assert customer["phones"] == [
        {
            "value": "+8613912345678",
            "isPrimary": True,
            "kind": "mobile",
            "sources": [
                {"system": "shop", "key": "M1001"},
                {"system": "callcenter", "key": "CALL-1"},
            ],
        }
    ]
    assert customer["emails"][0]["sources"] == [
        {"system": "erp", "key": "K2001", "linkMethod": "score"}
    ]
    assert customer["addresses"] == [
        {
            "value": "上海 徐汇区 漕溪北路88号",
            "province": "上海",
            "district": "徐汇区",
            "isPrimary": True,
        }
    ]
    assert {(i["kind"], i["value"]) for i in customer["identifiers"]} == {
        ("unionid", "oUnionLin"),
        ("resident_id", "11010519491231002X"),
    }
    assert customer["mergedFrom"] == [gid("Customer", seeded.absorbed)]


async def test_customer_accepts_a_numeric_id(gql: Graph, seeded: Seed) -> None:
    customer = data(await gql(CUSTOMER, {"id": str(seeded.chen)}))["customer"]
    assert customer["name"] == "陈志强"


async def test_absorbed_id_resolves_to_survivor(gql: Graph, seeded: Seed) -> None:
    for ident in (gid("Customer", seeded.absorbed), str(seeded.absorbed)):
        customer = data(await gql(CUSTOMER, {"id": ident}))["customer"]
        assert customer["goldenId"] == seeded.lin
        assert customer["id"] == gid("Customer", seeded.lin)


async def test_unknown_erased_and_malformed_ids_are_not_found(gql: Graph, seeded: Seed) -> None:
    for ident in (
        gid("Customer", 999_999),
        str(seeded.erased),
        "not-a-global-id",
        gid("Order", seeded.orders["SO-1"]),
    ):
        result = await gql(CUSTOMER, {"id": ident})
        assert result["data"] == {"customer": None}
        assert codes(result) == ["NOT_FOUND"], ident


async def test_lineage_names_rule_and_sources(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { customer(id: $id) {
        lineage { attribute value rule sources { system key } }
        only: lineage(attribute: "phone") { attribute }
    } }"""
    customer = data(await gql(query, {"id": str(seeded.lin)}))["customer"]
    assert customer["lineage"] == [
        {
            "attribute": "person_name",
            "value": "林嘉欣",
            "rule": "source_priority:shop",
            "sources": [{"system": "shop", "key": "M1001"}, {"system": "erp", "key": "K2001"}],
        }
    ]
    assert customer["only"] == []


async def test_sources_are_the_cross_references(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { customer(id: $id) {
        sources(first: 3) {
            totalCount pageInfo { hasNextPage }
            edges { node { system key version linkMethod customer { goldenId } } }
        }
    } }"""
    sources = data(await gql(query, {"id": str(seeded.lin)}))["customer"]["sources"]
    assert sources["totalCount"] == 4
    assert sources["pageInfo"]["hasNextPage"] is True
    assert [(e["node"]["system"], e["node"]["key"]) for e in sources["edges"]] == [
        ("shop", "M1001"),
        ("erp", "K2001"),
        ("wechat", "oLin"),
    ]
    assert {e["node"]["customer"]["goldenId"] for e in sources["edges"]} == {seeded.lin}


async def test_relationships_link_person_and_organisation(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { customer(id: $id) {
        relationships { kind organisationSystem organisationKey
                        person { name } organisation { name kind } }
    } }"""
    expected = [
        {
            "kind": "contact_of",
            "organisationSystem": "erp",
            "organisationKey": "K3001",
            "person": {"name": "林嘉欣"},
            "organisation": {"name": "上海林氏贸易有限公司", "kind": "ORGANISATION"},
        }
    ]
    for ident in (seeded.lin, seeded.org):
        customer = data(await gql(query, {"id": str(ident)}))["customer"]
        assert customer["relationships"] == expected


async def test_orders_come_from_every_channel_newest_first(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { customer(id: $id) {
        orders(first: 10) { totalCount edges { node {
            orderNo channel totalAmount currency
            items { lineNo sku quantity unitPrice amount batchNo }
            deliveries { carrier trackingNo shippedAt }
            customer { goldenId }
        } } }
        shop: orders(channel: "shop") { totalCount }
    } }"""
    customer = data(await gql(query, {"id": str(seeded.lin)}))["customer"]
    orders = [e["node"] for e in customer["orders"]["edges"]]
    assert [o["orderNo"] for o in orders] == ["EO-1", "SO-1", "SO-3"]  # no time: last
    assert customer["orders"]["totalCount"] == 3
    assert customer["shop"]["totalCount"] == 2
    so1 = orders[1]
    assert (so1["totalAmount"], so1["currency"]) == ("300.00", "CNY")
    assert so1["items"][0] == {
        "lineNo": "1",
        "sku": "MILK-900",
        "quantity": "2.000",
        "unitPrice": "120.00",
        "amount": "240.00",
        "batchNo": "B2403",
    }
    assert so1["deliveries"] == [
        {"carrier": "顺丰", "trackingNo": "SF100", "shippedAt": "2024-03-12T02:00:00+00:00"}
    ]
    assert {o["customer"]["goldenId"] for o in orders} == {seeded.lin}


async def test_tickets_have_calls_history_order_and_customer(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { customer(id: $id) {
        tickets(first: 5) { totalCount edges { node { ticketNo status } } }
        open: tickets(openOnly: true) { edges { node {
            ticketNo category batchNo openedAt
            calls { callId agentId durationS summary status }
            statusHistory { status source callId actor }
            order { orderNo }
            customer { goldenId }
        } } }
    } }"""
    customer = data(await gql(query, {"id": str(seeded.lin)}))["customer"]
    assert customer["tickets"]["totalCount"] == 2
    assert [e["node"]["ticketNo"] for e in customer["tickets"]["edges"]] == ["T-1", "T-2"]
    (ticket,) = [e["node"] for e in customer["open"]["edges"]]
    assert ticket["ticketNo"] == "T-1"
    assert [c["callId"] for c in ticket["calls"]] == ["CALL-1", "CALL-2"]
    assert ticket["statusHistory"] == [
        {"status": "open", "source": "CALL", "callId": "CALL-1", "actor": "A7"},
        {"status": "pending", "source": "CALL", "callId": "CALL-2", "actor": "A8"},
        {"status": "open", "source": "HUB", "callId": None, "actor": "steward:wang"},
    ]
    assert ticket["order"] == {"orderNo": "SO-1"}
    assert ticket["customer"] == {"goldenId": seeded.lin}


async def test_hub_created_ticket_belongs_to_its_golden_customer(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { customer(id: $id) {
        tickets { edges { node { ticketNo customer { goldenId } } } }
    } }"""
    customer = data(await gql(query, {"id": str(seeded.chen)}))["customer"]
    assert customer["tickets"]["edges"] == [
        {"node": {"ticketNo": "T-3", "customer": {"goldenId": seeded.chen}}}
    ]


async def test_loyalty_sums_every_channel_and_absorbed_customers(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { customer(id: $id) { loyalty {
        balance tier
        ledger(first: 2) { totalCount edges { node { kind points orderNo sourceSystem note } }
                           pageInfo { hasNextPage endCursor } }
    } } }"""
    loyalty = data(await gql(query, {"id": str(seeded.lin)}))["customer"]["loyalty"]
    assert loyalty["balance"] == 100 + 50 - 30 + 20
    assert loyalty["tier"] == "gold"
    assert loyalty["ledger"]["totalCount"] == 4
    assert [e["node"]["points"] for e in loyalty["ledger"]["edges"]] == [-30, 50]
    assert loyalty["ledger"]["pageInfo"]["hasNextPage"] is True
    query_next = """query($id: ID!, $after: String) { customer(id: $id) { loyalty {
        ledger(first: 5, after: $after) { edges { node { points } } pageInfo { hasNextPage } }
    } } }"""
    after = loyalty["ledger"]["pageInfo"]["endCursor"]
    rest = data(await gql(query_next, {"id": str(seeded.lin), "after": after}))
    ledger = rest["customer"]["loyalty"]["ledger"]
    assert [e["node"]["points"] for e in ledger["edges"]] == [100, 20]
    assert ledger["pageInfo"]["hasNextPage"] is False


async def test_customer_without_facts_has_empty_connections(gql: Graph, seeded: Seed) -> None:
    query = """query($id: ID!) { customer(id: $id) {
        orders { totalCount edges { cursor } pageInfo { hasNextPage startCursor endCursor } }
        loyalty { balance }
    } }"""
    customer = data(await gql(query, {"id": str(seeded.org)}))["customer"]
    assert customer["orders"] == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "startCursor": None, "endCursor": None},
    }
    assert customer["loyalty"]["balance"] == 0
