from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from cdhub.app import create_app
from cdhub.settings import Settings, load_settings
from cdhub.state import HubState


@pytest.fixture
async def client(hub: HubState, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    # Not about access control: the dev-only anonymous admin.
    app = create_app(settings.model_copy(update={"allow_anonymous_admin": True}), state=hub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
        yield http


async def test_graphql_answers_typename(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_hub_info_names_the_database_backend(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    response = await client.post("/graphql", json={"query": "{ hub { database cache } }"})
    expected = "sqlite" if settings.is_sqlite else "postgresql"
    assert response.json()["data"]["hub"] == {"database": expected, "cache": "in-process"}


async def test_healthz_reports_database_and_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["redis"] == {"ok": None, "configured": False}


async def test_metrics_count_requests_and_time_them(client: httpx.AsyncClient) -> None:
    await client.post("/graphql", json={"query": "{ __typename }"})
    text = (await client.get("/metrics")).text
    assert 'cdhub_http_requests_total{method="POST",route="/graphql",status="200"} 1.0' in text
    assert "cdhub_http_request_duration_seconds_bucket" in text
    assert "cdhub_db_statements_total" in text


async def test_graphiql_is_served_in_dev_only(hub: HubState, database_url: str) -> None:
    for env, expect_ide in (("dev", True), ("prod", False)):
        # The dev demo's GraphiQL works without credentials (anonymous admin, dev only).
        settings = load_settings(
            database_url=database_url, env=env, allow_anonymous_admin=env == "dev"
        )
        app = create_app(settings, state=hub)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub"
        ) as http:
            response = await http.get("/graphql", headers={"accept": "text/html"})
        assert ("graphiql" in response.text.lower()) is expect_ide


async def test_healthz_says_when_the_database_is_down(tmp_path: object) -> None:
    settings = load_settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    state = HubState.open(settings)
    try:
        app = create_app(settings, state=state)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub"
        ) as http:
            response = await http.get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"]["ok"] is False
    finally:
        await state.close()
