"""A seeded hub behind the real app, with a key per role, for the access tests that go
through the HTTP endpoint and the websocket (`starlette.testclient`, so subscriptions
run too). Tests using it are synchronous: the app's lifespan owns the hub state."""

from __future__ import annotations

import asyncio
import itertools
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_composite_type,
)

with warnings.catch_warnings():  # starlette would rather have httpx2; httpx works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from cdhub.app import create_app
from cdhub.security import api_keys, partners
from cdhub.security.principal import Role
from cdhub.settings import Settings
from cdhub.state import HubState
from tests.schema.seed import Seed, seed_hub

PROTOCOL = "graphql-transport-ws"
MISSING_ID = "999999"  # names nothing: allowed operations answer NOT_FOUND or the like


@dataclass
class Hub:
    settings: Settings
    seed: Seed
    keys: dict[str, str] = field(default_factory=dict)  # channel, bi, partner_a, ...


async def _prepare(settings: Settings) -> Hub:
    state = HubState.open(settings)
    now = datetime.now(UTC) - timedelta(days=1)
    try:
        async with state.sessions() as session, session.begin():
            seed = await seed_hub(session)
            hub = Hub(settings, seed)
            await partners.create_partner(session, "A001", "华东经销", "dealer", now)
            await partners.create_partner(session, "B001", "华南经销", "dealer", now)
            await partners.assign(session, "A001", [seed.lin], assigned_by="test", now=now)
            await partners.assign(session, "B001", [seed.chen], assigned_by="test", now=now)
            made: list[tuple[str, Role, dict[str, Any]]] = [
                ("channel", Role.CHANNEL, {}),
                ("bi", Role.BI, {}),
                ("partner_a", Role.PARTNER, {"partner_code": "A001"}),
                ("partner_b", Role.PARTNER, {"partner_code": "B001"}),
                ("customer", Role.CUSTOMER, {"golden_id": seed.lin}),
                ("steward", Role.STEWARD, {}),
                ("admin", Role.ADMIN, {}),
            ]
            for name, role, scope in made:
                new = await api_keys.create_key(session, role, name, now, **scope)
                hub.keys[name] = new.key
    finally:
        await state.close()
    return hub


def prepare(settings: Settings) -> Hub:
    return asyncio.run(_prepare(settings))


class Caller:
    """One key's view of the hub: POSTs to /graphql, subscribes over the websocket."""

    def __init__(self, client: TestClient, key: str | None) -> None:
        self.client = client
        self.headers = {} if key is None else {"Authorization": f"Bearer {key}"}

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
        )
        body: dict[str, Any] = response.json()
        body["status"] = response.status_code
        return body

    def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The first message of a subscription (its error, or its first event)."""
        with self.client.websocket_connect(
            "/graphql", subprotocols=[PROTOCOL], headers=self.headers
        ) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables or {}},
                }
            )
            message: dict[str, Any] = ws.receive_json()
            return message


@contextmanager
def serving(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub.settings)) as client:
        yield client


def codes(result: dict[str, Any]) -> list[str]:
    """Error codes of an HTTP result or of a subscription's first message."""
    if result.get("type") == "error":
        errors = result["payload"]
    elif result.get("type") == "next":
        errors = result["payload"].get("errors") or []
    else:
        errors = result.get("errors") or []
    return [str(e.get("extensions", {}).get("code")) for e in errors]


def root_operations(schema: GraphQLSchema) -> list[tuple[str, str, str]]:
    """``(policy name, operation keyword, document)`` for every root field of ``schema``,
    with made-up arguments that pass validation (ids name nothing)."""
    counter = itertools.count()

    def literal(kind: GraphQLInputType) -> str:
        if isinstance(kind, GraphQLNonNull):
            return literal(kind.of_type)
        if isinstance(kind, GraphQLList):
            return f"[{literal(kind.of_type)}]"
        if isinstance(kind, GraphQLEnumType):
            return next(iter(kind.values))
        if isinstance(kind, GraphQLInputObjectType):
            parts = [
                f"{name}: {literal(f.type)}"
                for name, f in kind.fields.items()
                if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
            ]
            return "{" + ", ".join(parts) + "}"
        assert isinstance(kind, GraphQLScalarType)
        return {
            "ID": f'"{MISSING_ID}"',
            "String": f'"k{next(counter)}"',
            "Int": "1",
            "Float": "1.0",
            "Boolean": "false",
            "DateTime": '"2024-01-01T00:00:00+00:00"',
            "Date": '"2024-01-01"',
            "Decimal": '"1"',
        }.get(kind.name, '"x"')

    found = []
    for keyword, root in (
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
        ("subscription", schema.subscription_type),
    ):
        if not isinstance(root, GraphQLObjectType):
            continue
        for name, definition in root.fields.items():
            required = [
                f"{arg}: {literal(a.type)}"
                for arg, a in definition.args.items()
                if isinstance(a.type, GraphQLNonNull)
            ]
            args = f"({', '.join(required)})" if required else ""
            selection = (
                " { __typename }" if is_composite_type(get_named_type(definition.type)) else ""
            )
            found.append(
                (f"{root.name}.{name}", keyword, f"{keyword} {{ {name}{args}{selection} }}")
            )
    return found
