from __future__ import annotations

from typing import Any

import pytest

from cdhub.state import HubState
from tests.schema.conftest import Graph, codes, data
from tests.schema.seed import Seed, seed_crowd

CUSTOMERS = """
query($first: Int, $after: String, $last: Int, $before: String, $orderBy: CustomerOrderBy,
      $direction: SortDirection, $filter: CustomerFilter) {
  customers(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy,
            direction: $direction, filter: $filter) {
    totalCount
    edges { cursor node { goldenId name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


@pytest.fixture
async def crowd(hub: HubState, seeded: Seed) -> list[int]:
    async with hub.sessions() as session, session.begin():
        return await seed_crowd(session, 7)


def ids(page: dict[str, Any]) -> list[int]:
    return [e["node"]["goldenId"] for e in page["edges"]]


async def test_keyset_pages_forwards_then_backwards(
    gql: Graph, seeded: Seed, crowd: list[int]
) -> None:
    everyone = [seeded.lin, seeded.chen, seeded.org, *crowd]  # creation order
    pages: list[list[int]] = []
    after = None
    while True:
        page = data(await gql(CUSTOMERS, {"first": 4, "after": after}))["customers"]
        assert page["totalCount"] == len(everyone)
        pages.append(ids(page))
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [everyone[0:4], everyone[4:8], everyone[8:10]]

    back: list[list[int]] = []
    before = None
    while True:
        page = data(await gql(CUSTOMERS, {"last": 4, "before": before}))["customers"]
        back.append(ids(page))
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == [everyone[6:10], everyone[2:6], everyone[0:2]]


async def test_cursors_of_edges_resume_in_the_middle(
    gql: Graph, seeded: Seed, crowd: list[int]
) -> None:
    page = data(await gql(CUSTOMERS, {"first": 5}))["customers"]
    third = page["edges"][2]["cursor"]
    after = data(await gql(CUSTOMERS, {"first": 2, "after": third}))["customers"]
    before = data(await gql(CUSTOMERS, {"last": 2, "before": third}))["customers"]
    assert ids(after) == ids(page)[3:5]
    assert ids(before) == ids(page)[0:2]


async def test_order_by_name_descending_sorts_by_pinyin(
    gql: Graph, seeded: Seed, crowd: list[int]
) -> None:
    variables = {"orderBy": "NAME", "direction": "DESC", "first": 3}
    page = data(await gql(CUSTOMERS, variables))["customers"]
    # pinyin: "林氏贸易" (hanzi core of the company) sorts after ascii; then lin, ke hu 006 ...
    names = [e["node"]["name"] for e in page["edges"]]
    assert names == ["上海林氏贸易有限公司", "林嘉欣", "客户006"]
    nxt = data(await gql(CUSTOMERS, {**variables, "after": page["pageInfo"]["endCursor"]}))
    assert [e["node"]["name"] for e in nxt["customers"]["edges"]] == [
        "客户005",
        "客户004",
        "客户003",
    ]


async def test_customer_filters(gql: Graph, seeded: Seed, crowd: list[int]) -> None:
    async def matching(f: dict[str, Any]) -> list[int]:
        return ids(data(await gql(CUSTOMERS, {"filter": f, "first": 50}))["customers"])

    assert await matching({"kind": "ORGANISATION"}) == [seeded.org]
    assert await matching({"province": "广东"}) == [seeded.chen]
    assert await matching({"tier": "gold", "province": "上海"}) == [seeded.lin]
    assert await matching({"channel": "wechat"}) == [seeded.lin, seeded.chen]
    assert await matching({"hasOpenTickets": True}) == [seeded.lin, seeded.chen, *crowd]
    assert await matching({"hasOpenTickets": False}) == [seeded.org]


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"first": 101}, "first"),
        ({"last": 500}, "last"),
        ({"first": -1}, "first"),
        ({"first": 2, "last": 2}, "first"),
        ({"after": "garbage"}, "cursor"),
    ],
)
async def test_paging_arguments_out_of_range_are_refused(
    gql: Graph, seeded: Seed, variables: dict[str, Any], argument: str
) -> None:
    result = await gql(CUSTOMERS, variables)
    assert codes(result) == ["BAD_USER_INPUT"]
    extensions = result["errors"][0]["extensions"]
    if "limit" in extensions:  # too large: refused by the request limits before running
        assert extensions["limit"] == 100
    else:
        assert extensions["argument"] == argument


async def test_cursor_of_another_list_is_refused(gql: Graph, seeded: Seed) -> None:
    orders = data(await gql("{ orders(first: 1) { pageInfo { endCursor } } }"))
    cursor = orders["orders"]["pageInfo"]["endCursor"]
    assert codes(await gql(CUSTOMERS, {"after": cursor})) == ["BAD_USER_INPUT"]
    by_name = await gql(CUSTOMERS, {"after": cursor, "orderBy": "NAME"})
    assert codes(by_name) == ["BAD_USER_INPUT"]


async def test_nested_page_size_is_capped_too(gql: Graph, seeded: Seed) -> None:
    query = "query($id: ID!) { customer(id: $id) { orders(first: 1000) { totalCount } } }"
    result = await gql(query, {"id": str(seeded.lin)})
    assert codes(result) == ["BAD_USER_INPUT"]
    # Refused by the request limits before anything runs (`cdhub.security.limits`).
    assert result["errors"][0]["extensions"]["limit"] == 100
    assert result["data"] is None


async def test_order_keyset_pages_through_orders_without_a_time(gql: Graph, seeded: Seed) -> None:
    query = """query($after: String, $before: String, $first: Int, $last: Int) {
      orders(first: $first, after: $after, last: $last, before: $before) {
        edges { node { orderNo } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      } }"""
    seen: list[str] = []
    after = None
    while True:
        page = data(await gql(query, {"first": 2, "after": after}))["orders"]
        seen += [e["node"]["orderNo"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["EO-1", "SO-2", "SO-9", "SO-1", "SO-3"]
    before = None
    back: list[str] = []
    while True:
        page = data(await gql(query, {"last": 2, "before": before}))["orders"]
        back = [e["node"]["orderNo"] for e in page["edges"]] + back
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == seen
