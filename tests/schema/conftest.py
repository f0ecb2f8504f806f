"""Fixtures for the graph: an HTTP client on the app and a seeded hub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

import httpx
import pytest

from cdhub.app import create_app
from cdhub.settings import Settings
from cdhub.state import HubState
from tests.schema.seed import Seed, seed_hub


class Graph(Protocol):
    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]: ...


@pytest.fixture
async def client(hub: HubState, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, state=hub)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
        yield http


@pytest.fixture
async def seeded(hub: HubState) -> Seed:
    async with hub.sessions() as session, session.begin():
        return await seed_hub(session)


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
