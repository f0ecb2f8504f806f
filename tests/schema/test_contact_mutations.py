"""updateContact through the HTTP endpoint: the hub record, survivorship, lineage, errors."""

from __future__ import annotations

from typing import Any

from cdhub.state import HubState
from tests.schema.conftest import ACTOR, Graph, codes, data
from tests.schema.people import People, count

UPDATE = """
mutation Update($input: UpdateContactInput!) {
  updateContact(input: $input) {
    version
    customer {
      goldenId primaryPhone primaryEmail
      phones { value isPrimary rule }
      addresses { value isPrimary district detail }
      lineage(attribute: "phone") { value rule sources { system key linkMethod linkedBy } }
    }
    sourceRecord { system key version linkMethod linkedBy }
  }
}
"""


def _input(customer: int, key: str, **values: Any) -> dict[str, Any]:
    return {"input": {"idempotencyKey": key, "customerId": str(customer), **values}}


async def test_a_confirmed_phone_becomes_primary_and_lineage_names_the_agent(
    gql: Graph, people: People, hub: HubState
) -> None:
    golden = people.golden["M1"]
    result = data(
        await gql(
            UPDATE,
            _input(golden, "c-1", phone="+86 139-1234-5678", confirmedByCustomer=True),
        )
    )["updateContact"]

    assert result["version"] == 1
    assert result["sourceRecord"] == {
        "system": "hub",
        "key": f"contact:{golden}",
        "version": 1,
        "linkMethod": "hub_edit",
        "linkedBy": ACTOR,
    }
    customer = result["customer"]
    assert customer["primaryPhone"] == "+8613912345678"
    assert [p["value"] for p in customer["phones"]] == ["+8613912345678", "+8613611112222"]
    assert customer["phones"][0]["rule"] == "source_priority:hub:confirmed"
    lineage = next(e for e in customer["lineage"] if e["value"] == "+8613912345678")
    assert lineage["rule"] == "source_priority:hub:confirmed"
    assert lineage["sources"] == [
        {"system": "hub", "key": f"contact:{golden}", "linkMethod": "hub_edit", "linkedBy": ACTOR}
    ]
    events = await count(
        hub,
        "SELECT count(*) FROM merge_events WHERE event_type = 'contact_update' "
        "AND golden_id = :g AND actor = :a",
        g=golden,
        a=ACTOR,
    )
    assert events == 1


async def test_each_edit_is_a_new_version_that_replaces_the_hubs_earlier_value(
    gql: Graph, people: People, hub: HubState
) -> None:
    golden = people.golden["M1"]
    await gql(UPDATE, _input(golden, "c-1", phone="13912345678", confirmedByCustomer=True))
    second = data(
        await gql(
            UPDATE,
            _input(
                golden,
                "c-2",
                phone="13800001111",
                email="Zhao.Min@Example.COM",
                address={"text": "广东省广州市天河区天河路385号"},
                confirmedByCustomer=True,
            ),
        )
    )["updateContact"]

    assert second["version"] == 2
    customer = second["customer"]
    assert customer["primaryPhone"] == "+8613800001111"
    # The first edit's number is gone from the hub record: only the shop's number remains.
    assert {p["value"] for p in customer["phones"]} == {"+8613800001111", "+8613611112222"}
    assert customer["primaryEmail"] == "zhao.min@example.com"
    primary = next(a for a in customer["addresses"] if a["isPrimary"])
    assert (primary["district"], primary["detail"]) == ("天河", "天河路385号")
    versions = await count(
        hub,
        "SELECT count(*) FROM source_record_versions v JOIN source_records s "
        "ON s.id = v.source_record_id WHERE s.source_system = 'hub'",
    )
    assert versions == 2


async def test_an_unconfirmed_phone_is_kept_but_does_not_outrank_the_shop(
    gql: Graph, people: People
) -> None:
    golden = people.golden["M1"]
    customer = data(await gql(UPDATE, _input(golden, "c-1", phone="13912345678")))["updateContact"][
        "customer"
    ]
    assert customer["primaryPhone"] == "+8613611112222"
    assert "+8613912345678" in {p["value"] for p in customer["phones"]}


async def test_an_absorbed_id_edits_the_survivor(gql: Graph, people: People) -> None:
    first, second = people.golden["M1"], people.golden["M2"]
    await gql(
        """mutation($a: ID!, $b: ID!) {
          mergeCustomers(input: {idempotencyKey: "m", firstId: $a, secondId: $b}) { absorbedId }
        }""",
        {"a": str(first), "b": str(second)},
    )
    result = data(await gql(UPDATE, _input(max(first, second), "c-1", email="a@b.cn")))
    assert result["updateContact"]["customer"]["goldenId"] == min(first, second)
    assert result["updateContact"]["sourceRecord"]["key"] == f"contact:{min(first, second)}"


async def test_bad_values_are_bad_user_input_and_store_nothing(
    gql: Graph, people: People, hub: HubState
) -> None:
    golden = people.golden["M1"]
    cases = [
        ({"phone": "12345"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"address": {"text": "  "}}, "address"),
        ({"address": {"text": "北京市朝阳区", "detail": "建国路1号"}}, "address"),
        ({}, None),
    ]
    for values, argument in cases:
        result = await gql(UPDATE, _input(golden, "bad", **values))
        assert codes(result) == ["BAD_USER_INPUT"], (values, result)
        assert result["errors"][0]["extensions"].get("argument") == argument
    assert await count(hub, "SELECT count(*) FROM source_records WHERE source_system = 'hub'") == 0
    assert await count(hub, "SELECT count(*) FROM idempotency_keys") == 0


async def test_unknown_customers_are_not_found(gql: Graph, people: People) -> None:
    for ident in ("999999", "Q3VzdG9tZXI6OTk5OTk5"):  # numeric and global id of 999999
        result = await gql(
            UPDATE, {"input": {"idempotencyKey": "k", "customerId": ident, "phone": "13912345678"}}
        )
        assert codes(result) == ["NOT_FOUND"]


async def test_a_replayed_key_answers_the_first_result_without_a_new_version(
    gql: Graph, people: People, hub: HubState
) -> None:
    golden = people.golden["M1"]
    variables = _input(golden, "same-key", phone="13912345678", confirmedByCustomer=True)
    first = data(await gql(UPDATE, variables))
    again = data(await gql(UPDATE, variables))
    assert again == first
    assert await count(hub, "SELECT count(*) FROM source_record_versions WHERE version = 2") == 0
    assert (
        await count(hub, "SELECT count(*) FROM merge_events WHERE event_type = 'contact_update'")
        == 1
    )

    other = await gql(UPDATE, _input(golden, "same-key", phone="13800001111"))
    assert codes(other) == ["CONFLICT"]
    assert other["errors"][0]["extensions"]["idempotencyKey"] == "same-key"
