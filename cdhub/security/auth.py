"""Authentication: ``Authorization: Bearer <API key or JWT>`` -> `Principal`.

`Authenticator.authenticate` is the one place credentials are checked; the
ASGI `AuthenticationMiddleware` runs it for the protected paths and leaves
the principal in the ASGI scope (``scope["cdhub.principal"]``), where
`principal.principal_of` finds it. A request without valid credentials gets
401, except in ``dev`` with ``CDHUB_ALLOW_ANONYMOUS_ADMIN`` set (the demo),
which the settings refuse in ``prod``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from cdhub.security import api_keys
from cdhub.security.errors import Unauthenticated, error_response
from cdhub.security.principal import ANONYMOUS_ADMIN, SCOPE_KEY, Principal
from cdhub.security.tokens import TokenVerifier
from cdhub.settings import Settings
from cdhub.storage.models import Partner

log = logging.getLogger("cdhub.security")

TOUCH_EVERY_S = 60.0  # last_used_at is written at most once a minute per key


def bearer_of(authorization: str | None) -> str | None:
    """The credential of an ``Authorization: Bearer ...`` value, else None."""
    if not authorization:
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    return credential.strip()


class Authenticator:
    """Checks API keys (in the database) and JWTs (by signature) for one hub."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tokens = TokenVerifier(settings)
        self.anonymous_admin = settings.allow_anonymous_admin and not settings.is_prod
        self._touched: dict[int, float] = {}

    async def authenticate(
        self, sessions: async_sessionmaker[AsyncSession], authorization: str | None
    ) -> Principal:
        """The principal of an Authorization header value; UNAUTHENTICATED otherwise."""
        if not authorization:
            if self.anonymous_admin:
                return ANONYMOUS_ADMIN
            raise Unauthenticated("credentials are required: send Authorization: Bearer <key>")
        credential = bearer_of(authorization)
        if credential is None:
            raise Unauthenticated("use Authorization: Bearer <API key or token>")
        if credential.startswith(api_keys.KEY_MARK):
            return await self._key(sessions, credential)
        if credential.count(".") == 2 and self.tokens.enabled:
            return await self._token(sessions, credential)
        raise Unauthenticated("unknown or revoked credentials")

    async def _key(self, sessions: async_sessionmaker[AsyncSession], key: str) -> Principal:
        async with sessions() as session:
            principal = await api_keys.principal_for_key(session, key)
            if principal is None:
                raise Unauthenticated("unknown or revoked credentials")
            assert principal.key_id is not None
            now = time.monotonic()
            if now - self._touched.get(principal.key_id, -TOUCH_EVERY_S) >= TOUCH_EVERY_S:
                self._touched[principal.key_id] = now
                await api_keys.mark_used(session, principal.key_id, datetime.now(UTC))
                await session.commit()
        return principal

    async def _token(self, sessions: async_sessionmaker[AsyncSession], token: str) -> Principal:
        claims = self.tokens.verify(token)
        partner_id = None
        if claims.partner_code is not None:
            async with sessions() as session:
                partner_id = await session.scalar(
                    select(Partner.id).where(Partner.code == claims.partner_code)
                )
            if partner_id is None:
                raise Unauthenticated(f"invalid token: unknown partner {claims.partner_code!r}")
        return Principal(
            role=claims.role,
            name=claims.subject,
            partner_id=partner_id,
            customer_id=claims.customer_id,
            grants=claims.grants,
        )


def _hub_sessions(scope: Scope) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = scope["app"].state.hub.sessions
    return sessions


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class AuthenticationMiddleware:
    """Authenticates requests to ``paths``; 401 (HTTP) or a refused handshake (WebSocket).

    A WebSocket without an Authorization header passes on unauthenticated, so
    a client may send its credential in the ``connection_init`` payload
    instead (browsers cannot set headers on a WebSocket); the schema's
    permission check refuses every operation of a connection that never
    authenticated.
    """

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        paths: tuple[str, ...] = ("/graphql",),
        sessions_of: Callable[[Scope], async_sessionmaker[AsyncSession]] = _hub_sessions,
    ) -> None:
        self.app = app
        self.paths = paths
        self.sessions_of = sessions_of
        self.authenticator = Authenticator(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        authorization = _header(scope, b"authorization")
        if scope["type"] == "websocket" and authorization is None:
            if self.authenticator.anonymous_admin:
                scope[SCOPE_KEY] = ANONYMOUS_ADMIN
            await self.app(scope, receive, send)
            return
        try:
            principal = await self.authenticator.authenticate(
                self.sessions_of(scope), authorization
            )
        except Unauthenticated as exc:
            await self._refuse(scope, receive, send, exc.message)
            return
        scope[SCOPE_KEY] = principal
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, message: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401, "reason": "unauthenticated"})
            return
        response = error_response(
            Unauthenticated, message, headers={"WWW-Authenticate": 'Bearer realm="cdhub"'}
        )
        await response(scope, receive, send)


async def authenticate_connection_params(
    authenticator: Authenticator,
    sessions: async_sessionmaker[AsyncSession],
    params: dict[str, Any] | None,
) -> Principal:
    """The principal of a graphql-transport-ws ``connection_init`` payload
    (``{"Authorization": "Bearer ..."}``); UNAUTHENTICATED otherwise."""
    value = None
    for key, item in (params or {}).items():
        if key.lower() == "authorization" and isinstance(item, str):
            value = item
    return await authenticator.authenticate(sessions, value)
