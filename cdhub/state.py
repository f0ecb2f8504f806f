"""The hub's run-time resources, created once per app or CLI run and passed on."""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as redis_asyncio
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
from cdhub.settings import Settings
from cdhub.storage.engine import StatementCounter, create_engine, create_sessionmaker


@dataclass
class HubState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cache: Cache
    broker: Broker
    redis: redis_asyncio.Redis | None
    statements: StatementCounter
    metrics: HubMetrics

    @classmethod
    def open(cls, settings: Settings) -> HubState:
        statements = StatementCounter()
        engine = create_engine(settings, counter=statements)
        client = connect_redis(settings.redis_url) if settings.redis_url else None
        cache: Cache = RedisCache(client) if client else MemoryCache()
        broker: Broker = RedisBroker(client) if client else MemoryBroker()
        return cls(
            settings=settings,
            engine=engine,
            sessions=create_sessionmaker(engine),
            cache=cache,
            broker=broker,
            redis=client,
            statements=statements,
            metrics=HubMetrics(statements),
        )

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
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
