"""JWT bearer tokens from an identity provider (HS256 or RS256).

A token must be signed with the configured algorithm and key (no other
algorithm is accepted, so an RS256 public key can never be used as an HS256
secret), carry ``exp`` and ``sub``, and match the configured issuer and
audience. Its claims say what the caller may do:

``role``      one of the hub's roles (required)
``partner``   the partner code, for ``partner`` tokens
``customer``  the golden customer id, for ``customer`` tokens
``scope``     space-separated grants, e.g. ``"pii"``
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cachetools import LRUCache

from cdhub.security.errors import Unauthenticated
from cdhub.security.principal import GRANTS, Role
from cdhub.settings import Settings

MIN_HS256_SECRET = 32
LEEWAY_S = 30
VERIFIED_TOKENS = 4096  # valid tokens remembered until they expire


class TokenConfigError(ValueError):
    """The JWT settings cannot work (a short secret, an unreadable key file)."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: str
    role: Role
    partner_code: str | None
    customer_id: int | None
    grants: frozenset[str]


def _key(settings: Settings) -> str | None:
    if settings.jwt_key_file is not None:
        try:
            return settings.jwt_key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise TokenConfigError(f"CDHUB_JWT_KEY_FILE: {exc}") from None
    return settings.jwt_key.get_secret_value() if settings.jwt_key is not None else None


class TokenVerifier:
    """Checks bearer JWTs against the settings; `enabled` is False without a key."""

    def __init__(self, settings: Settings) -> None:
        self.algorithm = settings.jwt_algorithm
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self._key = _key(settings)
        self._verified: LRUCache[str, tuple[TokenClaims, float]] = LRUCache(VERIFIED_TOKENS)
        if self._key is not None and self.algorithm == "HS256":
            if len(self._key.encode()) < MIN_HS256_SECRET:
                raise TokenConfigError(
                    f"CDHUB_JWT_KEY: an HS256 secret needs at least {MIN_HS256_SECRET} bytes"
                )
        if self._key is not None and self.algorithm == "RS256":
            if "PRIVATE KEY" in self._key:
                raise TokenConfigError("CDHUB_JWT_KEY: give the RS256 public key, not the private")

    @property
    def enabled(self) -> bool:
        return self._key is not None

    def verify(self, token: str) -> TokenClaims:
        """The claims of a valid token; UNAUTHENTICATED for anything else.

        A token found valid is remembered until it expires (LRU-bounded): an app
        sends the same one with every request, and checking its signature costs
        more than answering a cached read."""
        remembered = self._verified.get(token)
        if remembered is not None:
            claims, expires = remembered
            if time.time() <= expires + LEEWAY_S:
                return claims
            del self._verified[token]
        claims, expires = self._verify(token)
        self._verified[token] = (claims, expires)
        return claims

    def _verify(self, token: str) -> tuple[TokenClaims, float]:
        if self._key is None:
            raise Unauthenticated("bearer tokens are not accepted by this hub")
        required = ["exp", "sub", "role"] + (["iss"] if self.issuer else [])
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                audience=self.audience,
                leeway=LEEWAY_S,
                options={"require": required, "verify_aud": self.audience is not None},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None
        return _claims(claims), float(claims["exp"])


def _claims(claims: dict[str, Any]) -> TokenClaims:
    try:
        role = Role(str(claims["role"]))
    except ValueError:
        raise Unauthenticated(f"invalid token: unknown role {claims['role']!r}") from None
    partner = claims.get("partner")
    customer = claims.get("customer")
    try:
        customer_id = None if customer is None else int(customer)
    except (TypeError, ValueError):
        raise Unauthenticated("invalid token: customer must be a golden id") from None
    grants = frozenset(str(claims.get("scope") or "").split()) & GRANTS
    if role is Role.PARTNER and not partner:
        raise Unauthenticated("invalid token: a partner token needs a partner claim")
    if role is Role.CUSTOMER and customer_id is None:
        raise Unauthenticated("invalid token: a customer token needs a customer claim")
    return TokenClaims(
        subject=str(claims["sub"]),
        role=role,
        partner_code=str(partner) if role is Role.PARTNER else None,
        customer_id=customer_id if role is Role.CUSTOMER else None,
        grants=grants if role is Role.PARTNER else frozenset(),
    )


def issue_token(
    key: str,
    *,
    subject: str,
    role: Role,
    algorithm: str = "HS256",
    issuer: str | None = None,
    audience: str | None = None,
    partner: str | None = None,
    customer: int | None = None,
    scope: str | None = None,
    lifetime: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> str:
    """Sign a token as an identity provider would (tests, scripts); ``key`` is the HS256
    secret or the RS256 private key."""
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "role": role.value,
        "iat": issued,
        "exp": issued + lifetime,
    }
    optional = {"iss": issuer, "aud": audience, "partner": partner, "customer": customer}
    claims.update({k: v for k, v in optional.items() if v is not None})
    if scope:
        claims["scope"] = scope
    return jwt.encode(claims, key, algorithm=algorithm)
