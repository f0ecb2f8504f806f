from __future__ import annotations

from typing import Any

import pytest
import strawberry

from cdhub.security import audit
from cdhub.security.principal import Principal, Role
from cdhub.settings import load_settings
from cdhub.state import HubState
from tests.security.test_limits import codes
from tests.security.toy_schema import Context, build

BI = Principal(role=Role.BI, name="report", key_id=1)
CHANNEL = Principal(role=Role.CHANNEL, name="shop-app", key_id=2)
STEWARD = Principal(role=Role.STEWARD, name="anna", key_id=3)
PARTNER_PII = Principal(role=Role.PARTNER, name="d001", partner_id=1, grants=frozenset({"pii"}))

PERSONAL = "{ customer(id: 7) { goldenId name primaryPhone phones { value } } }"


@pytest.fixture
def schema() -> strawberry.Schema:
    return build(load_settings())


async def run(
    schema: strawberry.Schema, query: str, principal: Principal | None, hub: Any = None
) -> Any:
    return await schema.execute(query, context_value=Context(principal, hub))


async def test_operations_outside_the_role_are_forbidden(schema: strawberry.Schema) -> None:
    refused = await run(schema, "mutation { updateContact(id: 1) { name } }", BI)
    assert codes(refused) == ["FORBIDDEN"]
    assert refused.data is None
    mixed = await run(schema, "{ customer(id: 1) { name } aggregate }", CHANNEL)
    assert codes(mixed) == ["FORBIDDEN"]  # one refused root field refuses the whole request
    via_fragment = await run(schema, "{ ...F } fragment F on Query { aggregate }", CHANNEL)
    assert codes(via_fragment) == ["FORBIDDEN"]
    assert (
        await run(schema, "mutation { mergeCustomers(first: 1, second: 2) { name } }", STEWARD)
    ).errors is None


async def test_no_principal_means_unauthenticated(schema: strawberry.Schema) -> None:
    assert codes(await run(schema, "{ customer(id: 1) { name } }", None)) == ["UNAUTHENTICATED"]
    stream = await schema.subscribe(
        "subscription { customerChanged(id: 1) { name } }", context_value=Context(None)
    )
    results = [r async for r in stream]
    assert codes(results[0]) == ["UNAUTHENTICATED"]


async def test_bi_and_partners_see_personal_fields_masked(schema: strawberry.Schema) -> None:
    for principal in (BI, Principal(role=Role.PARTNER, name="d", partner_id=1)):
        data = (await run(schema, PERSONAL, principal)).data["customer"]
        assert data == {
            "goldenId": 7,
            "name": "林**",
            "primaryPhone": "+86139****5678",
            "phones": [{"value": "+86139****5678"}],
        }


async def test_subscription_payloads_are_masked_too(schema: strawberry.Schema) -> None:
    partner = Principal(role=Role.PARTNER, name="d", partner_id=1)
    stream = await schema.subscribe(
        "subscription { customerChanged(id: 1) { name } }", context_value=Context(partner)
    )
    results = [r async for r in stream]
    assert results[0].data == {"customerChanged": {"name": "林**"}}


async def test_channel_and_pii_partners_see_everything(schema: strawberry.Schema) -> None:
    for principal in (CHANNEL, PARTNER_PII):
        data = (await run(schema, PERSONAL, principal)).data["customer"]
        assert data["name"] == "林嘉欣"
        assert data["primaryPhone"] == "+8613912345678"


async def test_writes_and_unmasked_reads_are_audited(
    schema: strawberry.Schema, hub: HubState
) -> None:
    await run(schema, PERSONAL, CHANNEL, hub)  # unmasked personal data: audited
    await run(schema, PERSONAL, BI, hub)  # masked: not audited
    await run(schema, "{ customer(id: 8) { goldenId } }", CHANNEL, hub)  # no personal field
    await run(schema, "mutation { updateContact(id: 9) { goldenId } }", CHANNEL, hub)
    await run(schema, "mutation { updateContact(id: 10) { goldenId } }", BI, hub)  # refused
    await hub.audit.flush()  # reads are audited in batches, off the request path
    async with hub.sessions() as session:
        rows = await audit.entries(session)
    assert [(r.operation, r.role, r.customer_ids, r.detail) for r in rows] == [
        ("Query.customer", "channel", (7,), "read"),
        ("Mutation.updateContact", "channel", (9,), "write"),
        ("Mutation.updateContact", "bi", (), "failed: FORBIDDEN"),
    ]
    assert rows[0].key_id == CHANNEL.key_id


async def test_customers_read_through_a_list_are_in_the_audit_row(
    schema: strawberry.Schema, hub: HubState
) -> None:
    await run(schema, "{ nodes(ids: [3, 4]) { name } }", CHANNEL, hub)
    await run(schema, "{ customer(id: 7) { friends(first: 2) { name } } }", CHANNEL, hub)
    await hub.audit.flush()
    async with hub.sessions() as session:
        rows = await audit.entries(session)
    assert sorted((r.operation, r.customer_ids) for r in rows) == [
        ("Query.customer", (7, 8, 9)),
        ("Query.nodes", (3, 4)),
    ]


async def test_only_fields_with_personal_data_customers_or_resolvers_are_wrapped(
    schema: strawberry.Schema,
) -> None:
    await run(schema, PERSONAL, BI)  # the first operation puts the guards on

    def wrapper(type_name: str, field: str) -> str:
        resolve = schema._schema.type_map[type_name].fields[field].resolve  # type: ignore[union-attr]
        return str(resolve.__qualname__).split(".")[0]

    assert wrapper("Customer", "name") == "_guarded"  # personal data: masked or audited
    assert wrapper("Query", "customer") == "_guarded"  # returns a customer: audited
    assert wrapper("Customer", "friends") == "_guarded"  # returns customers: audited
    assert wrapper("Query", "aggregate") == "_timed"  # a resolver: checks the deadline
    assert wrapper("Customer", "kind") not in ("_guarded", "_timed")  # a plain attribute
    assert wrapper("ContactValue", "kind") not in ("_guarded", "_timed")


async def test_even_typename_needs_a_principal(schema: strawberry.Schema) -> None:
    assert codes(await run(schema, "{ __typename }", None)) == ["UNAUTHENTICATED"]
    assert (await run(schema, "{ __typename }", BI)).errors is None


def test_the_principal_is_found_on_a_request_or_in_its_context() -> None:
    from types import SimpleNamespace

    from cdhub.security.principal import SCOPE_KEY, principal_of

    request = SimpleNamespace(scope={SCOPE_KEY: BI})
    assert principal_of(request) is BI
    assert principal_of(SimpleNamespace(request=request)) is BI
    assert principal_of({"request": request}) is BI
    assert principal_of(SimpleNamespace(principal=CHANNEL, request=request)) is CHANNEL
    assert principal_of(SimpleNamespace(request=None)) is None
