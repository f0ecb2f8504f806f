from __future__ import annotations

import pytest

from tests.schema.conftest import Graph, codes, data
from tests.schema.seed import Seed

BY_IDENTITY = """
query($phone: String, $email: String, $unionid: String, $residentId: String, $creditCode: String) {
  customerByIdentity(phone: $phone, email: $email, unionid: $unionid,
                     residentId: $residentId, creditCode: $creditCode) { goldenId name }
}
"""

SEARCH = """
query($text: String!, $first: Int) {
  searchCustomers(text: $text, first: $first) { totalCount edges { node { name goldenId } } }
}
"""


async def test_customer_by_source_follows_the_cross_reference(gql: Graph, seeded: Seed) -> None:
    query = "query($s: String!, $k: String!) { customerBySource(system: $s, key: $k) { goldenId } }"
    found = data(await gql(query, {"s": "erp", "k": "K2001"}))
    assert found["customerBySource"] == {"goldenId": seeded.lin}
    unlinked = await gql(query, {"s": "shop", "k": "M9999"})
    assert codes(unlinked) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    "phone",
    [
        "+86 139-1234-5678",
        "13912345678",
        "139 1234 5678",
        "008613912345678",
        "１３９１２３４５６７８",
    ],
)
async def test_customer_by_identity_normalises_phone_writings(
    gql: Graph, seeded: Seed, phone: str
) -> None:
    found = data(await gql(BY_IDENTITY, {"phone": phone}))["customerByIdentity"]
    assert found == {"goldenId": seeded.lin, "name": "林嘉欣"}


@pytest.mark.parametrize(
    ("variables", "who"),
    [
        ({"email": " Lin.JiaXin@Example.COM "}, "lin"),
        ({"unionid": "oUnionLin"}, "lin"),
        ({"residentId": "11010519491231002x"}, "lin"),
        ({"creditCode": "91350100m000100y43"}, "org"),
    ],
)
async def test_customer_by_identity_normalises_other_kinds(
    gql: Graph, seeded: Seed, variables: dict[str, str], who: str
) -> None:
    found = data(await gql(BY_IDENTITY, variables))["customerByIdentity"]
    assert found["goldenId"] == getattr(seeded, who)


async def test_customer_by_identity_answers_null_when_nobody_holds_it(
    gql: Graph, seeded: Seed
) -> None:
    assert data(await gql(BY_IDENTITY, {"phone": "13700000000"})) == {"customerByIdentity": None}


async def test_shared_identity_is_a_conflict(gql: Graph, seeded: Seed) -> None:
    result = await gql(BY_IDENTITY, {"phone": "021-6234 5678"})
    assert codes(result) == ["CONFLICT"]
    assert sorted(result["errors"][0]["extensions"]["candidates"]) == sorted(
        [str(seeded.lin), str(seeded.chen)]
    )


@pytest.mark.parametrize(
    "variables",
    [{}, {"phone": "13912345678", "email": "a@b.cn"}, {"phone": "12"}, {"email": "not an email"}],
)
async def test_customer_by_identity_refuses_bad_input(
    gql: Graph, seeded: Seed, variables: dict[str, str]
) -> None:
    assert codes(await gql(BY_IDENTITY, variables)) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("text", "first_name"),
    [
        ("林嘉欣", "林嘉欣"),  # hanzi
        ("陳志強", "陈志强"),  # traditional
        ("lin jia xin", "林嘉欣"),  # pinyin, spaced
        ("LinJiaxin", "林嘉欣"),  # pinyin, run together
        ("5678", "林嘉欣"),  # phone fragment (suffix)
        ("1380013", "陈志强"),  # phone fragment (prefix)
        ("+86 138 0013 8000", "陈志强"),  # whole phone
        ("志强", "陈志强"),  # part of a name
    ],
)
async def test_search_finds_by_hanzi_traditional_pinyin_and_phone(
    gql: Graph, seeded: Seed, text: str, first_name: str
) -> None:
    found = data(await gql(SEARCH, {"text": text}))["searchCustomers"]
    assert found["edges"][0]["node"]["name"] == first_name
    assert found["totalCount"] == len(found["edges"])


async def test_search_ranks_exact_name_before_contains(gql: Graph, seeded: Seed) -> None:
    found = data(await gql(SEARCH, {"text": "林"}))["searchCustomers"]
    names = [e["node"]["name"] for e in found["edges"]]
    # 林嘉欣 starts with 林 (prefix); the company only contains it; the absorbed 林小姐 is gone
    assert names == ["林嘉欣", "上海林氏贸易有限公司"]


async def test_search_pages_by_rank(gql: Graph, seeded: Seed) -> None:
    query = """query($after: String) { searchCustomers(text: "林", first: 1, after: $after) {
        edges { node { name } } pageInfo { hasNextPage endCursor } } }"""
    first = data(await gql(query))["searchCustomers"]
    assert [e["node"]["name"] for e in first["edges"]] == ["林嘉欣"]
    after = first["pageInfo"]["endCursor"]
    second = data(await gql(query, {"after": after}))["searchCustomers"]
    assert [e["node"]["name"] for e in second["edges"]] == ["上海林氏贸易有限公司"]
    assert second["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize("text", ["", "   ", "12"])
async def test_search_refuses_empty_text_and_short_fragments(
    gql: Graph, seeded: Seed, text: str
) -> None:
    assert codes(await gql(SEARCH, {"text": text})) == ["BAD_USER_INPUT"]
