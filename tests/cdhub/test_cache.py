from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from cdhub.cache import (
    CHANNEL_PREFIX,
    MemoryBroker,
    MemoryCache,
    RedisBroker,
    RedisCache,
    connect_redis,
)


async def test_memory_cache_expires_and_evicts() -> None:
    cache = MemoryCache(max_entries=2)
    await cache.set("a", b"1", ttl_s=60)
    await cache.set("b", b"2", ttl_s=60)
    await cache.set("c", b"3", ttl_s=60)
    assert await cache.get("a") is None  # least recently used went first
    assert await cache.get("c") == b"3"
    await cache.set("gone", b"x", ttl_s=0)
    assert await cache.get("gone") is None


async def test_redis_cache_round_trip_and_delete(redis_url: str) -> None:
    client = connect_redis(redis_url)
    cache = RedisCache(client)
    try:
        await cache.set("customer:1", b"view", ttl_s=30)
        assert await cache.get("customer:1") == b"view"
        await cache.delete("customer:1")
        assert await cache.get("customer:1") is None
        assert await cache.ping() is True
    finally:
        await client.aclose()


async def test_unreachable_redis_degrades_to_misses() -> None:
    client = connect_redis("redis://127.0.0.1:1/0")
    cache = RedisCache(client)
    try:
        await cache.set("k", b"v", ttl_s=30)
        assert await cache.get("k") is None
        assert await cache.ping() is False
    finally:
        await client.aclose()


async def _first(subscription: object) -> bytes:
    async for message in subscription:  # type: ignore[attr-defined]
        return bytes(message)
    raise AssertionError("subscription ended")


async def test_memory_broker_delivers_to_subscribers() -> None:
    broker = MemoryBroker()
    task = asyncio.create_task(_first(broker.subscribe("customer:1")))
    await asyncio.sleep(0)
    await broker.publish("customer:1", b"changed")
    assert await asyncio.wait_for(task, 5) == b"changed"


async def test_redis_broker_delivers_across_processes(redis_url: str) -> None:
    publisher_client, subscriber_client = connect_redis(redis_url), connect_redis(redis_url)
    publisher, subscriber = RedisBroker(publisher_client), RedisBroker(subscriber_client)
    try:
        task = asyncio.create_task(_first(subscriber.subscribe("customer:7")))
        # Publish until the subscription is live (pub/sub drops messages sent before it).
        for _ in range(200):
            await publisher.publish("customer:7", b"merged")
            done, _ = await asyncio.wait({task}, timeout=0.05)
            if done:
                break
        assert task.result() == b"merged"
    finally:
        await publisher_client.aclose()
        await subscriber_client.aclose()


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_one_redis_connection_carries_every_subscription(redis_url: str) -> None:
    client, spy = connect_redis(redis_url), connect_redis(redis_url)
    broker = RedisBroker(client)
    channels = [f"customer:{i}" for i in range(20)]
    names = [CHANNEL_PREFIX + c for c in channels]
    # Two subscribers of every channel, in one process.
    streams = [broker.subscribe(c) for c in channels for _ in range(2)]
    pending = [asyncio.create_task(_first(s)) for s in streams]
    try:

        async def all_subscribed() -> bool:
            counts = dict(await spy.pubsub_numsub(*names))
            return all(counts.get(n.encode()) == 1 for n in names)

        await _until(all_subscribed, "the subscriptions")
        clients = await spy.client_list()
        assert sum(1 for c in clients if int(c.get("sub", 0)) > 0) == 1
        for channel in channels:
            await spy.publish(CHANNEL_PREFIX + channel, channel.encode())
        received = await asyncio.wait_for(asyncio.gather(*pending), 10)
        assert received == [c.encode() for c in channels for _ in range(2)]
        for stream in streams:
            await stream.aclose()  # type: ignore[attr-defined]

        async def none_subscribed() -> bool:  # the last subscriber gone: unsubscribed
            counts = dict(await spy.pubsub_numsub(*names))
            return not any(counts.get(n.encode()) for n in names)

        await _until(none_subscribed, "the unsubscriptions")
    finally:
        for task in pending:
            task.cancel()
        await broker.close()
        await client.aclose()
        await spy.aclose()
