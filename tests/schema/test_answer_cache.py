"""Whole answers to customer reads cached in Redis (`resolvers.answers`): served while
every customer they read is unchanged, never after a change, per role, and audited."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from cdhub.app import create_app
from cdhub.cache import CACHE_PREFIX
from cdhub.notify import CustomerChange, customers_changed
from cdhub.security import audit
from cdhub.security.principal import Role
from cdhub.services.loading import ingest_paths
from cdhub.settings import load_settings
from cdhub.state import HubState
from tests.schema.conftest import TEST_JWT_KEY, bearer, data
from tests.schema.people import People, ingest_people, rename_behind_the_hubs_back

CUSTOMER_360 = """
query C360($id: ID!) {
  customer(id: $id) {
    goldenId name primaryPhone
    orders(first: 10) { edges { node { orderNo totalAmount items { sku } } } }
    loyalty { balance }
  }
}
"""


@pytest.fixture
async def http(cached_hub: HubState) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(cached_hub.settings, state=cached_hub)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as c:
        yield c


async def read(
    http: httpx.AsyncClient, golden: int, role: Role = Role.CHANNEL, query: str = CUSTOMER_360
) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": {"id": str(golden)}},
        headers=bearer(role, subject=f"{role.value}-app"),
    )
    return data(response.json())


def answers(hub: HubState) -> Mapping[str, float]:
    """The hub's answer-cache counter, by outcome."""
    counts: dict[str, float] = {}
    for metric in hub.metrics.answers.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                counts[sample.labels["outcome"]] = sample.value
    return counts


async def test_a_repeated_read_is_answered_from_the_cache_and_still_audited(
    http: httpx.AsyncClient, cached_hub: HubState, cached_people: People
) -> None:
    golden = cached_people.golden["M1"]
    first = await read(http, golden)
    await rename_behind_the_hubs_back(cached_hub, golden, "改名")  # no announcement
    second = await read(http, golden)

    assert second == first  # answered without the database
    assert first["customer"]["orders"]["edges"][0]["node"]["items"] == [{"sku": "S"}]
    assert answers(cached_hub) == {"miss": 1.0, "hit": 1.0}
    await cached_hub.audit.flush()
    async with cached_hub.sessions() as session:
        rows = await audit.entries(session, operation="Query.customer")
    assert [r.customer_ids for r in rows] == [(golden,), (golden,)]  # the hit is audited too


async def test_a_change_makes_the_next_read_fresh(
    http: httpx.AsyncClient, cached_hub: HubState, cached_people: People
) -> None:
    golden = cached_people.golden["M1"]
    await read(http, golden)
    await rename_behind_the_hubs_back(cached_hub, golden, "改名")
    await customers_changed(cached_hub.cache, cached_hub.broker, [golden], CustomerChange.SOURCES)

    assert (await read(http, golden))["customer"]["name"] == "改名"
    assert answers(cached_hub).get("hit", 0) == 0


async def test_an_answer_computed_across_a_change_is_never_served(
    http: httpx.AsyncClient, cached_hub: HubState, cached_people: People
) -> None:
    """The change commits and is announced after the answer read the database but
    before it is stored: the stored answer names the old generation, so the next
    read recomputes instead of serving the old name."""
    golden = cached_people.golden["M1"]
    cache = cached_hub.cache
    store = cache.set_many

    async def change_then_store(items: Mapping[str, bytes], ttl_s: int) -> None:
        if any(key.startswith("answer:") for key in items):
            await rename_behind_the_hubs_back(cached_hub, golden, "改名")
            await customers_changed(cache, cached_hub.broker, [golden], CustomerChange.ATTRIBUTES)
        await store(items, ttl_s)

    cache.set_many = change_then_store  # type: ignore[method-assign]
    try:
        assert (await read(http, golden))["customer"]["name"] == "赵敏"  # read before the change
    finally:
        cache.set_many = store  # type: ignore[method-assign]
    assert cached_hub.redis is not None
    assert await cached_hub.redis.keys(CACHE_PREFIX + "answer:*") == []  # dropped once stored
    assert (await read(http, golden))["customer"]["name"] == "改名"


async def test_roles_do_not_share_answers(http: httpx.AsyncClient, cached_people: People) -> None:
    golden = cached_people.golden["M1"]
    channel = await read(http, golden, Role.CHANNEL)
    bi = await read(http, golden, Role.BI)
    assert channel["customer"]["name"] == "赵敏"
    assert bi["customer"]["name"] != "赵敏"  # masked for BI, not the channel's cached answer
    assert bi["customer"]["primaryPhone"] != channel["customer"]["primaryPhone"]


async def test_an_order_ingested_later_shows_in_the_next_read(
    http: httpx.AsyncClient, cached_hub: HubState, cached_people: People, tmp_path: Path
) -> None:
    golden = cached_people.golden["M1"]
    before = await read(http, golden)
    assert len(before["customer"]["orders"]["edges"]) == 1
    order = {
        "type": "order",
        "tid": "T-M1-2",
        "member_id": "M1",
        "created": "2024-12-01 09:00:00",
        "status": "PAID",
        "payment": "25.00",
        "items": [{"oid": "1", "sku": "NEW", "title": "壶", "num": 1, "price": "25.00"}],
    }
    path = tmp_path / "later.jsonl"
    path.write_text(json.dumps(order, ensure_ascii=False) + "\n", encoding="utf-8")
    await ingest_paths(cached_hub.settings, "shop", [path], show_progress=False)

    after = await read(http, golden)
    numbers = [e["node"]["orderNo"] for e in after["customer"]["orders"]["edges"]]
    assert "T-M1-2" in numbers


async def test_an_absorbed_id_is_answered_from_the_database_every_time(
    http: httpx.AsyncClient, cached_hub: HubState, cached_people: People
) -> None:
    first, second = cached_people.golden["M1"], cached_people.golden["M2"]
    merged = await http.post(
        "/graphql",
        json={
            "query": """mutation($a: ID!, $b: ID!) { mergeCustomers(input: {idempotencyKey: "m",
            firstId: $a, secondId: $b}) { customer { goldenId } } }""",
            "variables": {"a": str(first), "b": str(second)},
        },
        headers=bearer(Role.STEWARD),
    )
    survivor = data(merged.json())["mergeCustomers"]["customer"]["goldenId"]
    absorbed = second if survivor == first else first
    for _ in range(2):
        assert (await read(http, absorbed))["customer"]["goldenId"] == survivor
    assert answers(cached_hub) == {"uncacheable": 2.0}


async def test_without_redis_nothing_is_cached(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(database_url=database_url, redis_url=None, jwt_key=TEST_JWT_KEY)
    hub = HubState.open(settings)
    try:
        people = await ingest_people(hub, tmp_path)
        app = create_app(settings, state=hub)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub"
        ) as client:
            golden = people.golden["M1"]
            await read(client, golden)
            await rename_behind_the_hubs_back(hub, golden, "改名")
            assert (await read(client, golden))["customer"]["name"] == "改名"
        assert answers(hub) == {}
    finally:
        await hub.close()


async def test_a_change_drops_the_answers_of_the_customer_from_redis(
    http: httpx.AsyncClient, cached_hub: HubState, cached_people: People
) -> None:
    """After an erasure no cached answer may still hold the customer's data."""
    golden = cached_people.golden["M1"]
    await read(http, golden)
    assert cached_hub.redis is not None
    assert await cached_hub.redis.keys(CACHE_PREFIX + "answer:*")
    await customers_changed(cached_hub.cache, cached_hub.broker, [golden], CustomerChange.ERASED)
    assert await cached_hub.redis.keys(CACHE_PREFIX + "answer:*") == []
