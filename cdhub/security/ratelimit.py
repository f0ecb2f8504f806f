"""Per-key rate limits: a fixed one-minute window counted in Redis (INCR + EXPIRE).

Every hub process shares the Redis counters. Without Redis, or while it is
down, each process counts in memory instead (one warning per outage): the
limit then holds per process, which is weaker but never fails open entirely.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as redis_asyncio
from redis.exceptions import RedisError

log = logging.getLogger("cdhub.security")

WINDOW_S = 60
RATE_PREFIX = "cdhub:rate:"


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until the window ends


class MemoryCounter:
    """Window counters of one process; old windows are dropped as time moves on."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._window = -1

    def incr(self, key: str, window: int) -> int:
        if window != self._window:
            self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            self._window = window
        count = self._counts.get((key, window), 0) + 1
        self._counts[(key, window)] = count
        return count


class RateLimiter:
    """Counts requests per key and minute; ``limit`` 0 allows everything."""

    def __init__(
        self,
        limit: int,
        client: redis_asyncio.Redis | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.limit = limit
        self._client = client
        self._clock = clock
        self._memory = MemoryCounter()
        self._redis_down = False

    async def hit(self, key: str) -> RateDecision:
        if self.limit <= 0:
            return RateDecision(True, 0, 0, 0)
        now = self._clock()
        window = int(now // WINDOW_S)
        reset = WINDOW_S - int(now % WINDOW_S)
        count = await self._count(key, window)
        return RateDecision(count <= self.limit, self.limit, max(self.limit - count, 0), reset)

    async def _count(self, key: str, window: int) -> int:
        if self._client is not None:
            name = f"{RATE_PREFIX}{key}:{window}"
            try:
                async with self._client.pipeline(transaction=True) as pipe:
                    pipe.incr(name)
                    pipe.expire(name, WINDOW_S + 5)
                    count, _ = await pipe.execute()
            except (RedisError, OSError) as exc:
                if not self._redis_down:
                    log.warning("redis unavailable for rate limits (%s); counting in-process", exc)
                self._redis_down = True
            else:
                if self._redis_down:
                    log.warning("redis is back; rate limits are shared again")
                self._redis_down = False
                return int(count)
        return self._memory.incr(key, window)
