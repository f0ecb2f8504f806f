"""The authenticated caller of a request, and the roles a caller can hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    CHANNEL = "channel"  # shop, WeChat, call-center apps: read customers, write contacts, tickets
    BI = "bi"  # read-only aggregates and exports, personal data masked
    PARTNER = "partner"  # dealer/distributor portal: assigned customers only, masked
    CUSTOMER = "customer"  # self-service: the caller's own golden customer only
    STEWARD = "steward"  # review queue, merge, unmerge, pin
    ADMIN = "admin"


# A partner key with this grant sees its assigned customers unmasked.
PII_GRANT = "pii"
GRANTS = frozenset({PII_GRANT})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a role plus the scope its key or token carries.

    ``partner_id`` is set for partner principals, ``customer_id`` (a golden id)
    for self-service ones; ``key_id`` names the API key (None for a JWT or the
    dev-only anonymous admin).
    """

    role: Role
    name: str
    key_id: int | None = None
    partner_id: int | None = None
    customer_id: int | None = None
    grants: frozenset[str] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """What the hub writes into ``actor`` / ``*_by`` columns for this caller."""
        key = f"#key{self.key_id}" if self.key_id is not None else ""
        return f"{self.role.value}:{self.name}{key}"[:120]

    @property
    def rate_key(self) -> str:
        """The bucket rate limits count in: one per API key, one per token subject."""
        return f"key:{self.key_id}" if self.key_id is not None else f"sub:{self.name}"

    def has(self, grant: str) -> bool:
        return grant in self.grants


ANONYMOUS_ADMIN = Principal(role=Role.ADMIN, name="anonymous-dev")

# Where the HTTP middleware leaves the principal in the ASGI scope.
SCOPE_KEY = "cdhub.principal"


def principal_of(context: Any) -> Principal | None:
    """The principal of a GraphQL context or ASGI connection, wherever it was put.

    Looks at ``context.principal`` first (a context that carries one), then at
    the ASGI scope of the context's request (or of a Starlette request or
    WebSocket given directly), where `auth.AuthenticationMiddleware` leaves it.
    """
    found = getattr(context, "principal", None)
    if isinstance(found, Principal):
        return found
    request = getattr(context, "request", None)
    if request is None and isinstance(context, dict):
        request = context.get("request")
    for holder in (request, context):  # a context's request, or a request itself
        scope = getattr(holder, "scope", None)
        if isinstance(scope, dict) and isinstance(scope.get(SCOPE_KEY), Principal):
            value: Principal = scope[SCOPE_KEY]
            return value
    return None
