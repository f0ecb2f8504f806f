"""The per-request GraphQL context: hub state, the caller and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from cdhub.settings import Settings
from cdhub.state import HubState
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

    ``actor`` names the caller in lineage, merge events and ledger entries; it
    is a plain string until authentication arrives.
    """

    hub: HubState
    request: Any = None
    actor: str = "anonymous"
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
        self.views = CustomerViews(self.db, cache, self.hub.settings.cache_ttl_s)
        self.loaders = Loaders(self.db, self.views)

    async def renew(self) -> None:
        """Forget everything read so far: end the read session and drop loader caches."""
        await self.db.close()
        self._fresh_loaders()

    @property
    def settings(self) -> Settings:
        return self.hub.settings


Info = StrawberryInfo[HubContext, None]
