"""The hub's run-time resources, created once per app or CLI run and passed on."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import redis.asyncio as redis_asyncio
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cdhub.cache import (
    Broker,
    Cache,
    MemoryBroker,
    MemoryCache,
    RedisBroker,
    RedisCache,
    connect_redis,
)
from cdhub.metrics import HubMetrics
from cdhub.queue import IngestQueue
from cdhub.security.audit import AuditWriter
from cdhub.settings import Settings
from cdhub.storage.engine import StatementCounter, create_engine, create_sessionmaker


@dataclass
class HubState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    audit: AuditWriter  # the audit rows of reads, written in batches
    cache: Cache
    broker: Broker
    redis: redis_asyncio.Redis | None
    statements: StatementCounter
    metrics: HubMetrics

    @classmethod
    def open(cls, settings: Settings) -> HubState:
        statements = StatementCounter()
        engine = create_engine(settings, counter=statements)
        sessions = create_sessionmaker(engine)
        client = connect_redis(settings.redis_url) if settings.redis_url else None
        cache: Cache = RedisCache(client) if client else MemoryCache()
        broker: Broker = RedisBroker(client) if client else MemoryBroker()
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            audit=AuditWriter(sessions),
            cache=cache,
            broker=broker,
            redis=client,
            statements=statements,
            metrics=HubMetrics(statements),
        )

    async def close(self) -> None:
        await self.broker.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.audit.close()
        await self.engine.dispose()

    async def database_ok(self) -> tuple[bool, str | None]:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "down" for health
            return False, type(exc).__name__
        return True, None

    async def redis_ok(self) -> bool | None:
        """True/False for a configured Redis, None when the hub runs without one."""
        if self.redis is None:
            return None
        return await self.cache.ping()

    @functools.cached_property
    def queue(self) -> IngestQueue | None:
        """The webhook ingest streams, when Redis is configured (else webhooks work inline)."""
        return IngestQueue(self.redis) if self.redis is not None else None


# SQLSTATEs of a server that is away: connection exceptions (class 08), shutting down or
# starting up (57P01-57P03), out of connection slots (53300).
_AWAY_STATES = ("08", "57P01", "57P02", "57P03", "53300")


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` means the database cannot be reached now, not that a statement is bad.

    The hub answers those with 503 ``DATABASE_UNAVAILABLE`` and workers back off;
    the engine replaces pooled connections the server closed (checked when one is
    taken from the pool) once the server is back.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.TimeoutError):  # no pooled connection came free
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OSError | TimeoutError):  # refused, reset, unreachable
            return True
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_AWAY_STATES):
            return True
        if type(current).__name__ in _AWAY_ERRORS:
            return True
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
        )
    return False


# asyncpg errors raised without a SQLSTATE when the connection itself is gone.
_AWAY_ERRORS = frozenset({"ConnectionDoesNotExistError", "CannotConnectNowError"})
