"""Change messages: what `cdhub.notify` publishes and how `Listener` merges channels."""

from __future__ import annotations

import asyncio

from cdhub.cache import MemoryBroker, MemoryCache
from cdhub.notify import (
    CustomerChange,
    TicketChange,
    customer_view_key,
    customers_changed,
    tickets_changed,
)
from resolvers.changes import Listener


async def _next(listener: Listener) -> dict[str, object]:
    return await asyncio.wait_for(anext(aiter(listener)), 2)


async def test_customers_changed_drops_views_then_publishes_to_each_id() -> None:
    cache, broker = MemoryCache(), MemoryBroker()
    for golden in (1, 2, 3):
        await cache.set(customer_view_key(golden), b"{}", 60)
    async with Listener(broker) as listener:
        listener.add("customer:1")
        listener.add("customer:2")
        await asyncio.sleep(0)  # let both subscriptions start
        await customers_changed(cache, broker, [2, 1, 2], CustomerChange.MERGED, survivor_id=1)
        messages = [await _next(listener), await _next(listener)]
    assert sorted((m["id"], m["kind"], m["survivorId"]) for m in messages) == [
        (1, "merged", 1),
        (2, "merged", 1),
    ]
    assert await cache.get(customer_view_key(1)) is None
    assert await cache.get(customer_view_key(2)) is None
    assert await cache.get(customer_view_key(3)) == b"{}"


async def test_ticket_messages_carry_the_status() -> None:
    broker = MemoryBroker()
    async with Listener(broker) as listener:
        listener.add("ticket:7")
        await asyncio.sleep(0)
        await tickets_changed(broker, [7], TicketChange.STATUS, status="closed")
        message = await _next(listener)
    assert (message["id"], message["kind"], message["status"]) == (7, "status", "closed")


async def test_malformed_messages_are_skipped() -> None:
    broker = MemoryBroker()
    async with Listener(broker) as listener:
        listener.add("customer:5")
        listener.add("customer:5")  # once only
        await asyncio.sleep(0)
        await broker.publish("customer:5", b"not json at all")
        await broker.publish("customer:5", b'{"id": "x", "kind": "merged"}')
        await customers_changed(MemoryCache(), broker, [5], CustomerChange.POINTS)
        message = await _next(listener)
    assert (message["id"], message["kind"]) == (5, "points")


async def test_leaving_the_listener_ends_its_subscriptions() -> None:
    broker = MemoryBroker()
    async with Listener(broker) as listener:
        listener.add("customer:9")
        await asyncio.sleep(0)
        assert broker._queues["customer:9"]
    assert not broker._queues["customer:9"]
