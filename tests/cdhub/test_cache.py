from __future__ import annotations

import asyncio

from cdhub.cache import MemoryBroker, MemoryCache, RedisBroker, RedisCache, connect_redis


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
