"""The Starlette application factory: /graphql, /healthz, /metrics, webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from cdhub.metrics import MetricsMiddleware, metrics_endpoint
from cdhub.settings import Settings
from cdhub.state import HubState
from cdhub.webhooks import receive_events
from resolvers.context import HubContext
from schema.root import build_schema

ACTOR_HEADER = "x-cdhub-actor"


class HubGraphQL(GraphQL[HubContext, None]):
    """Strawberry's ASGI app with the hub's context."""

    def __init__(self, state_of: Any, **kwargs: Any) -> None:
        super().__init__(build_schema(), **kwargs)
        self._state_of = state_of

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> HubContext:
        hub: HubState = self._state_of(request)
        # Until authentication arrives a dev caller may name itself (recorded only).
        named = "" if hub.settings.is_prod else request.headers.get(ACTOR_HEADER, "").strip()
        return HubContext(hub=hub, request=request, actor=named[:120] or "anonymous")


def create_app(settings: Settings, state: HubState | None = None) -> Starlette:
    """Build the app. With ``state`` given (tests), the caller owns its lifetime."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if state is not None:
            app.state.hub = state
            yield
            return
        owned = HubState.open(settings)
        app.state.hub = owned
        try:
            yield
        finally:
            await owned.close()

    graphql = HubGraphQL(
        lambda conn: conn.app.state.hub,
        graphql_ide="graphiql" if not settings.is_prod else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/metrics", metrics_endpoint),
            Route("/connectors/{source}/events", receive_events, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    if state is not None:
        app.state.hub = state
    app.add_middleware(MetricsMiddleware)
    return app


async def healthz(request: Request) -> JSONResponse:
    """Database and Redis reachability; 503 when a configured back-end is down."""
    hub: HubState = request.app.state.hub
    db_ok, db_error = await hub.database_ok()
    redis_ok = await hub.redis_ok()
    body: dict[str, Any] = {
        "status": "ok" if db_ok and redis_ok is not False else "degraded",
        "database": {"ok": db_ok, "backend": "sqlite" if hub.settings.is_sqlite else "postgresql"},
        "redis": {"ok": redis_ok, "configured": hub.redis is not None},
    }
    if db_error:
        body["database"]["error"] = db_error
    return JSONResponse(body, status_code=200 if db_ok else 503)


def app_from_environment() -> Starlette:
    """Factory for `uvicorn --factory` and `cdhub serve`: settings from the environment."""
    from cdhub.settings import load_settings

    return create_app(load_settings())
