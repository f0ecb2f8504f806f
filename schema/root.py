"""Root types. Later modules add customer, order, ticket and loyalty fields."""

from __future__ import annotations

import strawberry

from cdhub import __version__
from resolvers.context import Info


@strawberry.type(description="Facts about this hub instance.")
class HubInfo:
    version: str
    database: str
    cache: str


@strawberry.type
class Query:
    @strawberry.field(description="Version and back-ends of this hub.")
    def hub(self, info: Info) -> HubInfo:
        settings = info.context.hub.settings
        return HubInfo(
            version=__version__,
            database="sqlite" if settings.is_sqlite else "postgresql",
            cache="redis" if settings.redis_url else "in-process",
        )


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(query=Query)
