"""The Redis read-through cache of customer views: used, and never stale after a change."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pytest
import redis.asyncio as redis_asyncio

from cdhub.app import create_app
from cdhub.cache import CACHE_PREFIX
from cdhub.notify import CustomerChange, customers_changed
from cdhub.state import HubState
from tests.schema.conftest import Graph, bearer, data
from tests.schema.people import People, rename_behind_the_hubs_back

READ = "query($id: ID!) { customer(id: $id) { goldenId name primaryPhone } }"


@pytest.fixture
async def cached_gql(cached_hub: HubState) -> AsyncIterator[Graph]:
    app = create_app(cached_hub.settings, state=cached_hub)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub", headers=bearer()
    ) as http:

        async def run(
            query: str, variables: dict[str, Any] | None = None, **_: Any
        ) -> dict[str, Any]:
            response = await http.post("/graphql", json={"query": query, "variables": variables})
            return dict(response.json())

        yield run


async def _cached_keys(hub: HubState) -> set[str]:
    assert hub.redis is not None
    keys = await hub.redis.keys(CACHE_PREFIX + "customer:*")
    return {k.decode().removeprefix(CACHE_PREFIX) for k in keys}


async def test_views_are_read_through_the_cache_until_a_change_drops_them(
    cached_gql: Graph, cached_people: People, cached_hub: HubState
) -> None:
    golden = cached_people.golden["M1"]
    assert data(await cached_gql(READ, {"id": str(golden)}))["customer"]["name"] == "赵敏"
    assert f"customer:{golden}" in await _cached_keys(cached_hub)

    await rename_behind_the_hubs_back(cached_hub, golden, "改名")
    assert (
        data(await cached_gql(READ, {"id": str(golden)}))["customer"]["name"] == "赵敏"
    )  # from the cache

    await customers_changed(cached_hub.cache, cached_hub.broker, [golden], CustomerChange.SOURCES)
    assert data(await cached_gql(READ, {"id": str(golden)}))["customer"]["name"] == "改名"


async def test_a_read_after_update_contact_shows_the_new_phone(
    cached_gql: Graph, cached_people: People
) -> None:
    golden = cached_people.golden["M1"]
    before = data(await cached_gql(READ, {"id": str(golden)}))["customer"]
    assert before["primaryPhone"] == "+8613611112222"
    await cached_gql(
        """mutation($id: ID!) { updateContact(input: {idempotencyKey: "k", customerId: $id,
        phone: "13912345678", confirmedByCustomer: true}) { version } }""",
        {"id": str(golden)},
    )
    after = data(await cached_gql(READ, {"id": str(golden)}))["customer"]
    assert after["primaryPhone"] == "+8613912345678"


async def test_a_merge_drops_the_views_of_both_ids(
    cached_gql: Graph, cached_people: People, cached_hub: HubState
) -> None:
    first, second = cached_people.golden["M1"], cached_people.golden["M2"]
    for golden in (first, second):
        await cached_gql(READ, {"id": str(golden)})
    assert {f"customer:{first}", f"customer:{second}"} <= await _cached_keys(cached_hub)
    merged = await cached_gql(
        """mutation($a: ID!, $b: ID!) { mergeCustomers(input: {idempotencyKey: "m", firstId: $a,
        secondId: $b}) { customer { goldenId } } }""",
        {"a": str(first), "b": str(second)},
    )
    survivor = data(merged)["mergeCustomers"]["customer"]["goldenId"]
    absorbed = second if survivor == first else first
    assert f"customer:{absorbed}" not in await _cached_keys(cached_hub)
    assert data(await cached_gql(READ, {"id": str(absorbed)}))["customer"]["goldenId"] == survivor
    # The absorbed id is not cached as a view of its own: it always resolves in the database.
    assert f"customer:{absorbed}" not in await _cached_keys(cached_hub)


async def test_without_redis_views_are_not_cached(
    gql: Graph, people: People, hub: HubState
) -> None:
    golden = people.golden["M1"]
    await gql(READ, {"id": str(golden)})
    await rename_behind_the_hubs_back(hub, golden, "改名")
    assert data(await gql(READ, {"id": str(golden)}))["customer"]["name"] == "改名"


async def test_an_unreadable_cache_entry_is_read_again(
    cached_gql: Graph, cached_people: People, redis_url: str
) -> None:
    golden = cached_people.golden["M1"]
    client = redis_asyncio.from_url(redis_url)
    try:
        await client.set(f"{CACHE_PREFIX}customer:{golden}", b'{"old": "shape"}')
        assert data(await cached_gql(READ, {"id": str(golden)}))["customer"]["name"] == "赵敏"
    finally:
        await client.aclose()


BY_SOURCE = '{ customerBySource(system: "shop", key: "M1") { goldenId name } }'


async def test_a_view_read_across_a_change_is_never_served(
    cached_gql: Graph, cached_people: People, cached_hub: HubState
) -> None:
    """The change commits and is announced after the view was read from the database
    but before it was stored: it is stored with the old generation and not served."""
    golden = cached_people.golden["M1"]
    cache = cached_hub.cache
    store = cache.set_many

    async def change_then_store(items: Mapping[str, bytes], ttl_s: int) -> None:
        if f"customer:{golden}" in items:
            await rename_behind_the_hubs_back(cached_hub, golden, "改名")
            await customers_changed(cache, cached_hub.broker, [golden], CustomerChange.ATTRIBUTES)
        await store(items, ttl_s)

    cache.set_many = change_then_store  # type: ignore[method-assign]
    try:
        assert data(await cached_gql(BY_SOURCE))["customerBySource"]["name"] == "赵敏"
    finally:
        cache.set_many = store  # type: ignore[method-assign]
    assert f"customer:{golden}" in await _cached_keys(cached_hub)  # stored, but stale
    assert data(await cached_gql(BY_SOURCE))["customerBySource"]["name"] == "改名"
