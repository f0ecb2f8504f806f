"""The security extensions on the hub's real schema and context, as they will be wired."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import strawberry

from cdhub.security import audit
from cdhub.security.principal import SCOPE_KEY, Principal, Role
from cdhub.settings import Settings
from cdhub.state import HubState
from resolvers.context import HubContext
from schema.root import build_schema
from tests.schema.seed import Seed, seed_hub

QUERY = """query($id: ID!) {
  customer(id: $id) { name primaryPhone phones { value } identifiers { kind value }
                      addresses { value } lineage { attribute value } }
}"""


@pytest.fixture
def schema(settings: Settings) -> strawberry.Schema:
    return build_schema(settings)


@pytest.fixture
async def seeded(hub: HubState) -> Seed:
    async with hub.sessions() as session, session.begin():
        return await seed_hub(session)


async def run(
    schema: strawberry.Schema, hub: HubState, principal: Principal, query: str, **variables: Any
) -> Any:
    request = SimpleNamespace(scope={SCOPE_KEY: principal}, headers={})
    context = HubContext(hub=hub, request=request)
    return await schema.execute(query, variable_values=variables, context_value=context)


async def test_bi_reads_the_real_customer_masked(
    schema: strawberry.Schema, hub: HubState, seeded: Seed
) -> None:
    result = await run(schema, hub, Principal(role=Role.BI, name="bi"), QUERY, id=str(seeded.lin))
    assert result.errors is None, result.errors
    text = repr(result.data)
    assert "林**" in text
    assert "林嘉欣" not in text
    assert "12345678" not in text


async def test_channel_reads_it_unmasked_and_the_read_is_audited(
    schema: strawberry.Schema, hub: HubState, seeded: Seed
) -> None:
    channel = Principal(role=Role.CHANNEL, name="shop-app", key_id=5)
    result = await run(schema, hub, channel, QUERY, id=str(seeded.lin))
    assert result.errors is None, result.errors
    assert result.data["customer"]["name"] == "林嘉欣"
    await hub.audit.flush()  # reads are audited in batches, off the request path
    async with hub.sessions() as session:
        (row,) = await audit.entries(session)
    assert (row.operation, row.customer_ids, row.key_id) == ("Query.customer", (seeded.lin,), 5)


async def test_roles_are_refused_what_the_table_does_not_give_them(
    schema: strawberry.Schema, hub: HubState, seeded: Seed
) -> None:
    bi = Principal(role=Role.BI, name="bi")
    refused = await run(schema, hub, bi, "{ matchCandidates { totalCount } }")
    assert [e.extensions["code"] for e in refused.errors] == ["FORBIDDEN"]
    steward = Principal(role=Role.STEWARD, name="anna")
    allowed = await run(schema, hub, steward, "{ matchCandidates { totalCount } }")
    assert allowed.errors is None, allowed.errors
