"""Schemathesis in GraphQL mode: generated queries and mutations never cause a server error.

The schema is whatever `schema.root.build_schema()` gives today (it is still
growing). Every operation gets a few generated documents, sent through the
HTTP endpoint as an admin against a seeded hub; an answer may refuse the input
(``BAD_USER_INPUT``, ``NOT_FOUND``, ...) but must never be a 5xx or an error
coded ``INTERNAL_SERVER_ERROR``. Needs `schemathesis` (dev extra).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

import httpx  # noqa: E402
from graphql import introspection_from_schema  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from cdhub.app import create_app  # noqa: E402
from cdhub.security.principal import Role  # noqa: E402
from cdhub.security.tokens import issue_token  # noqa: E402
from cdhub.settings import load_settings  # noqa: E402
from cdhub.state import HubState  # noqa: E402
from schema.root import build_schema  # noqa: E402
from tests.schema.seed import seed_hub  # noqa: E402

JWT_KEY = "fuzz-identity-provider-key-0123456789abcdef"
EXAMPLES = 10  # per operation: a smoke budget, not a soak

schema = schemathesis.graphql.from_dict(
    introspection_from_schema(build_schema(load_settings(jwt_key=JWT_KEY))._schema)
)


Send = Callable[[str], tuple[int, dict[str, Any]]]


@pytest.fixture(scope="module")
def graph(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Send]:
    """POST a document to /graphql of one seeded hub, all on one event loop of the module."""
    path = tmp_path_factory.mktemp("fuzz") / "hub.db"
    shutil.copyfile(sqlite_template, path)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{path}", redis_url=None, jwt_key=JWT_KEY
    )
    token = issue_token(JWT_KEY, subject="fuzz", role=Role.ADMIN)
    loop = asyncio.new_event_loop()
    hub = HubState.open(settings)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, state=hub)),
        base_url="http://hub",
        headers={"Authorization": f"Bearer {token}"},
    )

    async def seed() -> None:
        async with hub.sessions() as session, session.begin():
            await seed_hub(session)

    async def post(query: str) -> tuple[int, dict[str, Any]]:
        response = await client.post("/graphql", json={"query": query})
        return response.status_code, response.json()

    loop.run_until_complete(seed())
    try:
        yield lambda query: loop.run_until_complete(post(query))
    finally:
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(hub.close())
        loop.close()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_graphql_document_causes_a_server_error(case: Any, graph: Send) -> None:
    status, body = graph(case.body)
    assert status < 500, (case.body, body)
    errors = body.get("errors") or []
    internal = [
        e for e in errors if (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
    ]
    assert internal == [], (case.body, internal)
