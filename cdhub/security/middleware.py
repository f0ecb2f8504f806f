"""HTTP guards in front of /graphql: body size (413), authentication (401), rate limit
(429) and a per-request time limit (503). `install_security` adds them in order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import redis.asyncio as redis_asyncio
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cdhub.security.auth import AuthenticationMiddleware
from cdhub.security.errors import PayloadTooLarge, RateLimited, RequestTimeout, error_response
from cdhub.security.principal import SCOPE_KEY, Principal
from cdhub.security.ratelimit import RateLimiter
from cdhub.settings import Settings

GRAPHQL_PATHS = ("/graphql",)


def _applies(scope: Scope, paths: tuple[str, ...]) -> bool:
    return scope["type"] == "http" and scope["path"] in paths


class BodySizeLimitMiddleware:
    """Refuses bodies (and GET query strings) over ``max_bytes`` with 413, before any
    parsing: the declared length is checked first, then the bytes actually sent."""

    def __init__(self, app: ASGIApp, max_bytes: int, paths: tuple[str, ...] = GRAPHQL_PATHS):
        self.app = app
        self.max_bytes = max_bytes
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _applies(scope, self.paths):
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k.lower() == b"content-length"), None)
        if len(scope.get("query_string") or b"") > self.max_bytes or (
            declared is not None and declared.isdigit() and int(declared) > self.max_bytes
        ):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body is larger than {self.max_bytes} bytes"
        await error_response(PayloadTooLarge, message)(scope, receive, send)


class RateLimitMiddleware:
    """Counts each authenticated principal's requests; 429 with ``Retry-After`` past the
    limit. Runs after authentication, so it counts per key, not per address."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        client_of: Callable[[Scope], redis_asyncio.Redis | None],
        paths: tuple[str, ...] = GRAPHQL_PATHS,
    ):
        self.app = app
        self.limit = limit
        self.client_of = client_of
        self.paths = paths
        self.limiter: RateLimiter | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get(SCOPE_KEY)
        if not _applies(scope, self.paths) or not isinstance(principal, Principal):
            await self.app(scope, receive, send)
            return
        if self.limiter is None:  # the Redis client exists once the lifespan has run
            self.limiter = RateLimiter(self.limit, self.client_of(scope))
        decision = await self.limiter.hit(principal.rate_key)
        headers = {
            "X-RateLimit-Limit": str(decision.limit),
            "X-RateLimit-Remaining": str(decision.remaining),
        }
        if not decision.allowed:
            headers["Retry-After"] = str(decision.reset_s)
            message = f"more than {decision.limit} requests a minute; retry later"
            await error_response(RateLimited, message, headers)(scope, receive, send)
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


class TimeLimitMiddleware:
    """Stops a request that runs longer than ``seconds``: 503 when nothing was sent yet."""

    def __init__(self, app: ASGIApp, seconds: float, paths: tuple[str, ...] = GRAPHQL_PATHS):
        self.app = app
        self.seconds = seconds
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _applies(scope, self.paths):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            async with asyncio.timeout(self.seconds):
                await self.app(scope, receive, tracked)
        except TimeoutError:
            if not started:
                message = f"the request took longer than {self.seconds:g} s and was stopped"
                await error_response(RequestTimeout, message)(scope, receive, send)


def _hub_redis(scope: Scope) -> redis_asyncio.Redis | None:
    hub: Any = scope["app"].state.hub
    client: redis_asyncio.Redis | None = hub.redis
    return client


def install_security(app: Starlette, settings: Settings) -> None:
    """Add the HTTP guards to ``app``; outermost first: time limit, body size,
    authentication, rate limit."""
    app.add_middleware(
        RateLimitMiddleware, limit=settings.rate_limit_per_minute, client_of=_hub_redis
    )
    app.add_middleware(AuthenticationMiddleware, settings=settings)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(TimeLimitMiddleware, seconds=settings.request_time_limit_s)
