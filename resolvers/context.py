"""The per-request GraphQL context: hub state, the caller and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from strawberry.types import Info as StrawberryInfo

from cdhub.security.audit import ReadLog
from cdhub.security.principal import Principal
from cdhub.security.scoping import UNSCOPED, visible_golden_ids_clause
from cdhub.settings import Settings
from cdhub.state import HubState
from cdhub.storage.queries.keyset import Scope
from resolvers.loaders import Loaders
from resolvers.session import RequestSession
from resolvers.views import CustomerViews


@dataclass
class HubContext:
    """Built once per request (`HubGraphQL.get_context`); nothing in it outlives the request.

    ``db`` is the request's one session for reads (closed by the schema's
    request extension), ``views`` the assembled customer views (read through
    the Redis cache when one is configured) and ``loaders`` every DataLoader,
    all fresh per request so no request sees another's cached rows. Mutations
    write in a unit of work of their own and call `renew` after committing, so
    what they return is read fresh.

    ``principal`` is the authenticated caller (None before a websocket has
    authenticated its connection params); ``actor`` names it in lineage, merge
    events and ledger entries. ``scope`` narrows every read to the customers
    the principal may see (`cdhub.security.scoping`): None for unscoped roles.
    ``reads`` collects what the operation read for its audit row.
    """

    hub: HubState
    request: Any = None
    actor: str = "anonymous"
    principal: Principal | None = None
    connection_params: dict[str, Any] | None = None
    reads: ReadLog = field(default_factory=ReadLog)
    db: RequestSession = field(init=False)
    views: CustomerViews = field(init=False)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.db = RequestSession(self.hub.sessions)
        self._fresh_loaders()

    def _fresh_loaders(self) -> None:
        # Without Redis the cache is per process: a CLI ingest in another process
        # could not invalidate it, so views are cached only when Redis is shared.
        cache = self.hub.cache if self.hub.redis is not None else None
        scope = self.scope
        # A scoped caller's reads always go to the database, where the scope applies.
        self.views = CustomerViews(
            self.db, None if scope is not None else cache, self.hub.settings.cache_ttl_s, scope
        )
        self.loaders = Loaders(self.db, self.views, scope)

    @property
    def scope(self) -> Scope | None:
        """The row condition for this caller, applied to a customer id column; None: all."""
        principal = self.principal
        if principal is None or principal.role in UNSCOPED:
            return None
        return partial(visible_golden_ids_clause, principal)

    def authenticated(self, principal: Principal) -> None:
        """Adopt ``principal`` (a websocket that authenticated after connecting)."""
        self.principal = principal
        self.actor = principal.actor
        self._fresh_loaders()

    async def renew(self) -> None:
        """Forget everything read so far: end the read session and drop loader caches."""
        await self.db.close()
        self._fresh_loaders()

    @property
    def settings(self) -> Settings:
        return self.hub.settings


Info = StrawberryInfo[HubContext, None]
