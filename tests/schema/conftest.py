"""Fixtures for the graph: an HTTP client on the app and a seeded hub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from cdhub.app import create_app
from cdhub.security.principal import Role
from cdhub.security.tokens import issue_token
from cdhub.settings import Settings, load_settings
from cdhub.state import HubState
from tests.schema.people import People, ingest_people
from tests.schema.seed import Seed, seed_hub

# Tests not about access control call as an admin with a token from the test identity
# provider (`settings` below trusts its key); the token's subject names the actor.
TEST_JWT_KEY = "test-identity-provider-key-0123456789abcdef"
ACTOR = "admin:li"


def bearer(role: Role = Role.ADMIN, subject: str = "li", **claims: Any) -> dict[str, str]:
    """An Authorization header with a token of ``role`` for the test identity provider."""
    token = issue_token(TEST_JWT_KEY, subject=subject, role=role, **claims)
    return {"Authorization": f"Bearer {token}"}


class Graph(Protocol):
    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]: ...


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(database_url=database_url, redis_url=None, jwt_key=TEST_JWT_KEY)


@pytest.fixture
async def client(hub: HubState, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, state=hub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hub", headers=bearer()
    ) as http:
        yield http


@pytest.fixture
async def seeded(hub: HubState) -> Seed:
    async with hub.sessions() as session, session.begin():
        return await seed_hub(session)


@pytest.fixture
async def people(hub: HubState, tmp_path: Path) -> People:
    """Three customers ingested through the real pipeline (see `tests.schema.people`)."""
    return await ingest_people(hub, tmp_path)


@pytest.fixture
def gql(client: httpx.AsyncClient) -> Graph:
    """POST a query to /graphql and return the JSON body (data and errors)."""

    async def run(
        query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"query": query, "variables": variables or {}, **kwargs}
        response = await client.post("/graphql", json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    return run


def data(result: dict[str, Any]) -> dict[str, Any]:
    """The data of a result that must not have errors."""
    assert "errors" not in result, result["errors"]
    payload: dict[str, Any] = result["data"]
    return payload


def codes(result: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]


@pytest.fixture
async def cached_hub(database_url: str, redis_url: str) -> AsyncIterator[HubState]:
    """A hub with the Redis cache (views and answers)."""
    settings = load_settings(database_url=database_url, redis_url=redis_url, jwt_key=TEST_JWT_KEY)
    state = HubState.open(settings)
    yield state
    await state.close()


@pytest.fixture
async def cached_people(cached_hub: HubState, tmp_path: Path) -> People:
    return await ingest_people(cached_hub, tmp_path)
