"""The HTTP guards on a small app: who gets in, and what is refused before GraphQL runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, MutableMapping
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from cdhub.security import api_keys
from cdhub.security.middleware import install_security
from cdhub.security.partners import create_partner
from cdhub.security.principal import SCOPE_KEY, Principal, Role
from cdhub.security.tokens import issue_token
from cdhub.settings import Settings, SettingsError, load_settings
from cdhub.state import HubState
from tests.security.conftest import NOW

SECRET = "k" * 40


async def whoami(request: Request) -> JSONResponse:
    if request.query_params.get("sleep"):
        await asyncio.sleep(float(request.query_params["sleep"]))
    body = await request.body()
    principal: Principal = request.scope[SCOPE_KEY]
    return JSONResponse(
        {
            "role": principal.role.value,
            "name": principal.name,
            "partner": principal.partner_id,
            "bytes": len(body),
        }
    )


async def ws_whoami(websocket: WebSocket) -> None:
    await websocket.accept()
    principal = websocket.scope.get(SCOPE_KEY)
    await websocket.send_json({"role": principal.role.value if principal else None})
    await websocket.close()


def make_app(settings: Settings, hub: HubState) -> Starlette:
    app = Starlette(
        routes=[
            Route("/graphql", whoami, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", ws_whoami),
            Route("/healthz", lambda r: JSONResponse({"ok": True})),
        ]
    )
    app.state.hub = hub
    install_security(app, settings)
    return app


Client = Callable[..., AsyncIterator[httpx.AsyncClient]]


@pytest.fixture
def client_for(hub: HubState, database_url: str) -> Callable[..., httpx.AsyncClient]:
    def build(**overrides: object) -> httpx.AsyncClient:
        settings = load_settings(database_url=database_url, **overrides)
        transport = httpx.ASGITransport(app=make_app(settings, hub))
        return httpx.AsyncClient(transport=transport, base_url="http://hub")

    return build


async def _key(hub: HubState, role: Role = Role.CHANNEL, **kwargs: object) -> api_keys.NewKey:
    async with hub.sessions() as session, session.begin():
        return await api_keys.create_key(session, role, f"{role.value}-app", NOW, **kwargs)  # type: ignore[arg-type]


async def test_requests_without_credentials_get_401_in_prod_and_dev(
    client_for: Callable[..., httpx.AsyncClient],
) -> None:
    for env in ("prod", "dev"):
        async with client_for(env=env) as http:
            response = await http.post("/graphql", json={})
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_other_paths_stay_open(client_for: Callable[..., httpx.AsyncClient]) -> None:
    async with client_for(env="prod") as http:
        assert (await http.get("/healthz")).status_code == 200


async def test_dev_may_allow_anonymous_admin_but_prod_never() -> None:
    assert load_settings(allow_anonymous_admin=True).allow_anonymous_admin
    with pytest.raises(SettingsError, match="CDHUB_ALLOW_ANONYMOUS_ADMIN"):
        load_settings(env="prod", allow_anonymous_admin=True)


async def test_anonymous_admin_in_dev(client_for: Callable[..., httpx.AsyncClient]) -> None:
    async with client_for(allow_anonymous_admin=True) as http:
        response = await http.post("/graphql", json={})
    assert response.json()["role"] == "admin"


async def test_an_api_key_authenticates_and_a_revoked_one_no_longer(
    hub: HubState, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    created = await _key(hub)
    headers = {"Authorization": f"Bearer {created.key}"}
    async with client_for(env="prod") as http:
        ok = await http.post("/graphql", json={}, headers=headers)
        assert ok.json()["role"] == "channel"
        async with hub.sessions() as session, session.begin():
            await api_keys.revoke_key(session, created.id, NOW)
        refused = await http.post("/graphql", json={}, headers=headers)
        garbage = await http.post("/graphql", json={}, headers={"Authorization": "Basic eA=="})
    assert refused.status_code == 401
    assert garbage.status_code == 401
    async with hub.sessions() as session:
        (info,) = await api_keys.list_keys(session)
    assert info.last_used_at is not None


async def test_a_jwt_authenticates_with_its_partner_resolved(
    hub: HubState, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    async with hub.sessions() as session, session.begin():
        pid = await create_partner(session, "D001", "华东经销", "dealer", NOW)
    good = issue_token(SECRET, subject="portal", role=Role.PARTNER, partner="D001")
    unknown = issue_token(SECRET, subject="portal", role=Role.PARTNER, partner="NOPE")
    async with client_for(env="prod", jwt_key=SECRET) as http:
        response = await http.post("/graphql", headers={"Authorization": f"Bearer {good}"})
        refused = await http.post("/graphql", headers={"Authorization": f"Bearer {unknown}"})
    assert response.json() == {"role": "partner", "name": "portal", "partner": pid, "bytes": 0}
    assert refused.status_code == 401


async def test_bodies_over_the_limit_get_413(client_for: Callable[..., httpx.AsyncClient]) -> None:
    async with client_for(allow_anonymous_admin=True, max_body_bytes=2048) as http:
        small = await http.post("/graphql", content=b"x" * 2000)
        declared = await http.post("/graphql", content=b"x" * 5000)

        async def stream() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(10):
                yield b"x" * 500

        streamed = await http.post("/graphql", content=stream())
        long_get = await http.get("/graphql", params={"query": "x" * 3000})
    assert small.json()["bytes"] == 2000
    for response in (declared, streamed, long_get):
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_each_key_has_its_own_rate_limit(
    hub: HubState, client_for: Callable[..., httpx.AsyncClient]
) -> None:
    first, second = await _key(hub), await _key(hub, Role.BI)
    async with client_for(rate_limit_per_minute=3) as http:
        codes = [
            (await http.post("/graphql", headers={"Authorization": f"Bearer {first.key}"}))
            for _ in range(4)
        ]
        other = await http.post("/graphql", headers={"Authorization": f"Bearer {second.key}"})
    assert [r.status_code for r in codes] == [200, 200, 200, 429]
    assert codes[-1].json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(codes[-1].headers["retry-after"]) > 0
    assert codes[0].headers["x-ratelimit-remaining"] == "2"
    assert other.status_code == 200


async def test_slow_requests_are_stopped_with_503(
    client_for: Callable[..., httpx.AsyncClient],
) -> None:
    async with client_for(allow_anonymous_admin=True, request_time_limit_s=0.05) as http:
        response = await http.post("/graphql", params={"sleep": "1"})
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"


async def _websocket(app: Starlette, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    inbox: list[dict[str, Any]] = [
        {"type": "websocket.connect"},
        {"type": "websocket.disconnect", "code": 1000},
    ]

    async def receive() -> dict[str, Any]:
        if inbox:
            return inbox.pop(0)
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "websocket",
        "path": "/graphql",
        "headers": headers,
        "app": app,
        "query_string": b"",
        "root_path": "",
        "scheme": "ws",
        "server": ("hub", 80),
        "subprotocols": [],
    }
    await app.middleware_stack(scope, receive, send)  # type: ignore[misc]
    return sent


async def test_websockets_with_a_bad_header_are_refused_and_without_one_pass(
    hub: HubState, database_url: str
) -> None:
    app = make_app(load_settings(database_url=database_url, env="prod"), hub)
    app.middleware_stack = app.build_middleware_stack()
    bad = [(b"authorization", b"Bearer cdhk_0123456789_" + b"x" * 40)]
    refused = await _websocket(app, bad)
    assert refused == [{"type": "websocket.close", "code": 4401, "reason": "unauthenticated"}]
    passed = await _websocket(app, [])
    assert passed[0]["type"] == "websocket.accept"
    # No header: the connection_init payload or the schema decides.
    assert b'"role":null' in passed[1]["text"].encode() or '"role": null' in passed[1]["text"]


@pytest.mark.redis
async def test_rate_limits_are_shared_through_redis(hub: HubState, redis_url: str) -> None:
    import redis.asyncio as redis_asyncio

    from cdhub.security.ratelimit import RateLimiter

    client = redis_asyncio.from_url(redis_url)
    try:
        one, two = RateLimiter(2, client), RateLimiter(2, client)  # two hub processes
        decisions = [await one.hit("key:1"), await two.hit("key:1"), await one.hit("key:1")]
    finally:
        await client.aclose()
    assert [d.allowed for d in decisions] == [True, True, False]


async def test_rate_limits_fall_back_to_memory_when_redis_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import redis.asyncio as redis_asyncio

    from cdhub.security.ratelimit import RateLimiter

    client = redis_asyncio.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    limiter = RateLimiter(2, client, clock=lambda: 120.0)
    with caplog.at_level(logging.WARNING, logger="cdhub.security"):
        decisions = [await limiter.hit("key:1") for _ in range(3)]
    await client.aclose()
    assert [d.allowed for d in decisions] == [True, True, False]
    assert sum("counting in-process" in r.message for r in caplog.records) == 1
