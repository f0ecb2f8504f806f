"""The Starlette application factory: /graphql, /healthz, /metrics, webhooks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from cdhub.metrics import MetricsMiddleware, metrics_endpoint
from cdhub.security.auth import Authenticator, authenticate_connection_params
from cdhub.security.errors import Unauthenticated
from cdhub.security.middleware import install_security
from cdhub.security.principal import principal_of
from cdhub.settings import Settings
from cdhub.state import HubState, database_unavailable
from cdhub.webhooks import WEBHOOK_SOURCES, receive_events
from resolvers.context import HubContext
from schema.root import build_schema

log = logging.getLogger("cdhub.app")
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
RETRY_AFTER_S = "5"


class HubGraphQL(GraphQL[HubContext, None]):
    """Strawberry's ASGI app with the hub's context."""

    def __init__(self, settings: Settings, state_of: Any, **kwargs: Any) -> None:
        super().__init__(build_schema(settings), **kwargs)
        self._state_of = state_of
        self._authenticator = Authenticator(settings)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> HubContext:
        hub: HubState = self._state_of(request)
        # The security middleware authenticated the request (a websocket: maybe not yet).
        principal = principal_of(request)
        return HubContext(
            hub=hub,
            request=request,
            principal=principal,
            actor=principal.actor if principal else "anonymous",
        )

    async def on_ws_connect(self, context: HubContext) -> UnsetType | dict[str, object] | None:
        """A websocket without an Authorization header authenticates in ``connection_init``
        (``{"Authorization": "Bearer ..."}``); without valid credentials it is closed."""
        if context.principal is not None:
            return UnsetType()
        try:
            principal = await authenticate_connection_params(
                self._authenticator, context.hub.sessions, context.connection_params
            )
        except Unauthenticated as exc:
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from None
        context.authenticated(principal)
        return UnsetType()

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Errors of an unreachable database get their own code: the client should retry."""
        for error in result.errors or ():
            original = error.original_error
            if original is not None and database_unavailable(original):
                error.extensions = {**(error.extensions or {}), "code": DATABASE_UNAVAILABLE}
        return await super().process_result(request, result)

    # orjson: several times faster than json on the large answers of customer reads.
    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> str:
        return orjson.dumps(data).decode()  # text: websocket clients expect text frames

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if _database_was_unavailable(response_data):
            response.status_code = 503
            response.headers["retry-after"] = RETRY_AFTER_S
        return response


def _database_was_unavailable(data: GraphQLHTTPResponse | list[GraphQLHTTPResponse]) -> bool:
    results = data if isinstance(data, list) else [data]
    for result in results:
        for error in result.get("errors") or ():
            extensions = error.get("extensions") if isinstance(error, dict) else None
            if isinstance(extensions, dict) and extensions.get("code") == DATABASE_UNAVAILABLE:
                return True
    return False


class DatabaseOutageMiddleware:
    """Answers any HTTP request that fails because the database is unreachable with
    503 ``DATABASE_UNAVAILABLE`` (and ``Retry-After``) instead of a bare 500; the
    engine replaces the pooled connections the server closed once it is back, so no
    restart is needed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started or not database_unavailable(exc):
                raise
            log.warning("database unavailable for %s: %s", scope.get("path"), exc)
            body = {
                "error": {
                    "code": DATABASE_UNAVAILABLE,
                    "message": "the database cannot be reached; retry shortly",
                }
            }
            headers = {"retry-after": RETRY_AFTER_S}
            await JSONResponse(body, status_code=503, headers=headers)(scope, receive, send)


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
        settings,
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
    # /graphql only: /healthz, /metrics and the HMAC-signed webhooks stay outside.
    install_security(app, settings)
    app.add_middleware(DatabaseOutageMiddleware)
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
    if redis_ok and hub.queue is not None:
        body["queue"] = await _queue_backlog(hub)
    return JSONResponse(body, status_code=200 if db_ok else 503)


async def _queue_backlog(hub: HubState) -> dict[str, Any]:
    """Webhook records waiting in Redis for a worker, and those a worker holds."""
    assert hub.queue is not None
    waiting = pending = 0
    try:
        for source in WEBHOOK_SOURCES:
            backlog = await hub.queue.backlog(source)
            waiting += backlog.length
            pending += backlog.pending
    except (RedisError, OSError):
        return {"ok": False}
    return {"ok": True, "waiting": waiting, "pending": pending}


def app_from_environment() -> Starlette:
    """Factory for `uvicorn --factory` and `cdhub serve`: settings from the environment."""
    from cdhub.settings import load_settings

    return create_app(load_settings())
