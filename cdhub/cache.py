"""Cache and pub/sub: Redis when configured, in-process otherwise.

Redis is optional at run time. When it is configured but unreachable, every
operation degrades (cache miss, local-only publish) with one logged warning per
outage, and the first successful call after an outage drops what may have gone
stale meanwhile (the whole cache namespace) before serving from Redis again.
During an outage Redis is tried again only every ``RETRY_S`` seconds, so a
server that does not answer at all costs requests no connect timeout each.
A subscription survives an outage: it hears this process's own publishes until
Redis is back, then listens there again (messages of other processes sent
meanwhile are lost, as pub/sub messages of a restart always are).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, defaultdict
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import Protocol

import redis.asyncio as redis_asyncio
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

log = logging.getLogger("cdhub.cache")

CACHE_PREFIX = "cdhub:cache:"
CHANNEL_PREFIX = "cdhub:events:"
RETRY_S = 2.0  # while Redis is down, how often to try it again


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_s: int) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def ping(self) -> bool: ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Each key's value (None when absent), in one round trip."""
        ...

    async def set_many(self, items: Mapping[str, bytes], ttl_s: int) -> None:
        """Store every item with the same expiry, in one round trip."""
        ...

    async def tag(self, tags: Sequence[str], key: str, ttl_s: int) -> None:
        """Remember ``key`` under each of ``tags`` (for ``ttl_s``), so they can drop it."""
        ...

    async def delete_tagged(self, tags: Sequence[str]) -> None:
        """Delete every key remembered under ``tags``, and the tags."""
        ...


class Broker(Protocol):
    async def publish(self, channel: str, message: bytes) -> None: ...
    def subscribe(self, channel: str) -> AsyncIterator[bytes]: ...
    async def close(self) -> None: ...


class MemoryCache:
    """A bounded LRU with expiry for a single process."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_entries
        self._tags: defaultdict[str, set[str]] = defaultdict(set)

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires < time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        self._entries[key] = (time.monotonic() + ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [await self.get(key) for key in keys]

    async def set_many(self, items: Mapping[str, bytes], ttl_s: int) -> None:
        for key, value in items.items():
            await self.set(key, value, ttl_s)

    async def tag(self, tags: Sequence[str], key: str, ttl_s: int) -> None:
        for name in tags:
            self._tags[name].add(key)

    async def delete_tagged(self, tags: Sequence[str]) -> None:
        for name in tags:
            await self.delete(*self._tags.pop(name, ()))

    async def ping(self) -> bool:
        return True


class MemoryBroker:
    """Pub/sub inside one process: every subscriber gets its own queue."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[bytes]]] = defaultdict(set)

    async def publish(self, channel: str, message: bytes) -> None:
        for queue in list(self._queues.get(channel, ())):
            queue.put_nowait(message)

    async def close(self) -> None:
        return None

    async def subscribe(self, channel: str) -> AsyncGenerator[bytes, None]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._queues[channel].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues[channel].discard(queue)


class _Outage:
    """Tracks whether Redis is down, so we warn once, retry sparingly and flush on recovery."""

    def __init__(self) -> None:
        self.down = False
        self._retry_at = 0.0

    def failed(self, what: str, exc: Exception) -> None:
        if not self.down:
            log.warning("redis unavailable (%s): %s; degrading", what, exc)
        self.down = True
        self._retry_at = time.monotonic() + RETRY_S

    def bypass(self) -> bool:
        """True while Redis is known down and it is not yet time to try it again."""
        return self.down and time.monotonic() < self._retry_at


class RedisCache:
    def __init__(self, client: redis_asyncio.Redis) -> None:
        self._client = client
        self._outage = _Outage()

    async def _recovered(self) -> None:
        if self._outage.down:
            self._outage.down = False
            log.warning("redis is back; dropping cached views that may be stale")
            await self.clear()

    async def get(self, key: str) -> bytes | None:
        if self._outage.bypass():
            return None
        try:
            await self._recovered()
            value = await self._client.get(CACHE_PREFIX + key)
            return value.encode() if isinstance(value, str) else value
        except (RedisError, OSError) as exc:
            self._outage.failed("get", exc)
            return None

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        if self._outage.bypass():
            return
        try:
            await self._recovered()
            await self._client.set(CACHE_PREFIX + key, value, ex=max(ttl_s, 1))
        except (RedisError, OSError) as exc:
            self._outage.failed("set", exc)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys or self._outage.bypass():
            return [None] * len(keys)
        try:
            await self._recovered()
            values = await self._client.mget([CACHE_PREFIX + key for key in keys])
        except (RedisError, OSError) as exc:
            self._outage.failed("get", exc)
            return [None] * len(keys)
        return [v.encode() if isinstance(v, str) else v for v in values]

    async def set_many(self, items: Mapping[str, bytes], ttl_s: int) -> None:
        if not items or self._outage.bypass():
            return
        try:
            await self._recovered()
            async with self._client.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(CACHE_PREFIX + key, value, ex=max(ttl_s, 1))
                await pipe.execute()
        except (RedisError, OSError) as exc:
            # A generation that was not written may leave a stale answer: flush on recovery.
            self._outage.failed("set", exc)

    async def tag(self, tags: Sequence[str], key: str, ttl_s: int) -> None:
        if not tags or self._outage.bypass():
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for name in tags:
                    pipe.sadd(CACHE_PREFIX + name, CACHE_PREFIX + key)
                    pipe.expire(CACHE_PREFIX + name, max(ttl_s, 1))
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._outage.failed("tag", exc)

    async def delete_tagged(self, tags: Sequence[str]) -> None:
        if not tags or self._outage.bypass():
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for name in tags:
                    pipe.smembers(CACHE_PREFIX + name)
                members = await pipe.execute()
            keys = {m for found in members for m in found} | {CACHE_PREFIX + t for t in tags}
            await self._client.delete(*keys)
        except (RedisError, OSError) as exc:
            # Undeleted entries are flushed with the whole namespace on recovery.
            self._outage.failed("delete", exc)

    async def delete(self, *keys: str) -> None:
        if not keys or self._outage.bypass():
            return  # while down, skipped deletes are covered by the flush on recovery
        try:
            await self._client.delete(*(CACHE_PREFIX + key for key in keys))
        except (RedisError, OSError) as exc:
            # A delete that did not happen may leave a stale entry: flush on recovery.
            self._outage.failed("delete", exc)

    async def clear(self) -> None:
        cursor = 0
        while True:
            cursor, keys = await self._client.scan(cursor, match=CACHE_PREFIX + "*", count=500)
            if keys:
                await self._client.delete(*keys)
            if cursor == 0:
                break

    async def ping(self) -> bool:
        try:
            return bool(await self._client.ping())
        except (RedisError, OSError):
            return False


class RedisBroker:
    """Pub/sub through Redis so every hub process delivers every event.

    A process holds ONE Redis pub/sub connection however many subscriptions it
    serves: a listener task subscribes the channels its local subscribers want
    (and unsubscribes those nobody wants any more) and hands each message to
    their queues. Publishing also reaches local subscribers directly while
    Redis is down, so a single process keeps working through an outage; the
    listener reconnects every ``RETRY_S`` and subscribes again.
    """

    def __init__(self, client: redis_asyncio.Redis) -> None:
        self._client = client
        self._outage = _Outage()
        self._queues: dict[str, set[asyncio.Queue[bytes]]] = defaultdict(set)
        self._pubsub: PubSub | None = None
        self._listener: asyncio.Task[None] | None = None

    async def publish(self, channel: str, message: bytes) -> None:
        if self._outage.bypass():
            self._deliver(channel, message)
            return
        try:
            await self._client.publish(CHANNEL_PREFIX + channel, message)
            if self._outage.down:
                log.warning("redis is back; publishing through it again")
            self._outage.down = False
        except (RedisError, OSError) as exc:
            self._outage.failed("publish", exc)
            self._deliver(channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        first = not self._queues.get(channel)
        self._queues[channel].add(queue)
        try:
            pubsub = self._pubsub
            if first and pubsub is not None:
                # On failure (Redis away, the connection closing) the listener subscribes
                # every wanted channel when it connects again.
                with contextlib.suppress(RedisError, OSError, AttributeError, RuntimeError):
                    await pubsub.subscribe(CHANNEL_PREFIX + channel)
            if self._listener is None or self._listener.done():
                self._listener = asyncio.get_running_loop().create_task(self._listen())
            while True:
                yield await queue.get()
        finally:
            waiting = self._queues.get(channel)
            if waiting is not None:
                waiting.discard(queue)
                if not waiting:
                    del self._queues[channel]
                    pubsub = self._pubsub
                    # With no channel left the listener closes the connection instead.
                    if pubsub is not None and self._queues:
                        with contextlib.suppress(RedisError, OSError, AttributeError, RuntimeError):
                            await pubsub.unsubscribe(CHANNEL_PREFIX + channel)

    def _deliver(self, channel: str, message: bytes) -> None:
        for queue in list(self._queues.get(channel, ())):
            queue.put_nowait(message)

    async def _listen(self) -> None:
        """Until nobody subscribes: hold the connection, hand messages out, reconnect."""
        while self._queues:
            pubsub = self._client.pubsub()
            failed = False
            try:
                wanted = set(self._queues)
                await pubsub.subscribe(*(CHANNEL_PREFIX + c for c in wanted))
                self._pubsub = pubsub  # from now on new subscribers subscribe themselves
                if missed := set(self._queues) - wanted:  # came while connecting
                    await pubsub.subscribe(*(CHANNEL_PREFIX + c for c in missed))
                while self._queues:
                    item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if item is not None and item.get("type") == "message":
                        name = item["channel"]
                        name = name.decode() if isinstance(name, bytes) else str(name)
                        data = item["data"]
                        self._deliver(
                            name.removeprefix(CHANNEL_PREFIX),
                            data if isinstance(data, bytes) else str(data).encode(),
                        )
            except Exception as exc:  # any failure: keep serving subscribers, reconnect
                self._outage.failed("subscribe", exc)
                failed = True
            finally:
                self._pubsub = None
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]  # typed from redis 8
            if failed and self._queues:
                # Redis is away: publishes of this process reach its subscribers meanwhile.
                await asyncio.sleep(RETRY_S)

    async def close(self) -> None:
        if self._listener is not None and not self._listener.done():
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener


def connect_redis(url: str) -> redis_asyncio.Redis:
    return redis_asyncio.from_url(
        url, socket_connect_timeout=1.0, socket_timeout=2.0, health_check_interval=10
    )
