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

    ``db`` is the request's one session (closed by the schema's request
    extension), ``views`` the assembled customer views (the cache seam) and
    ``loaders`` every DataLoader, all fresh per request so no request sees
    another's cached rows.
    """

    hub: HubState
    request: Any = None
    actor: str = "anonymous"
    db: RequestSession = field(init=False)
    views: CustomerViews = field(init=False)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.db = RequestSession(self.hub.sessions)
        self.views = CustomerViews(self.db)
        self.loaders = Loaders(self.db, self.views)

    @property
    def settings(self) -> Settings:
        return self.hub.settings


Info = StrawberryInfo[HubContext, None]
