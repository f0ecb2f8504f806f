"""Subscriptions over graphql-transport-ws on real servers: one hub process, and two
processes' worth of apps (each with its own engine, Redis client and broker) sharing Redis."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from cdhub.app import create_app
from cdhub.cache import CHANNEL_PREFIX, MemoryBroker
from cdhub.settings import Settings, load_settings
from cdhub.state import HubState
from resolvers.pagination import global_id
from tests.schema.people import People, ingest_people
from tests.schema.seed import seed_hub

PROTOCOL = "graphql-transport-ws"
CUSTOMER_CHANGED = """
subscription($id: ID!) { customerChanged(id: $id) { id goldenId kind survivorId at } }
"""
TICKET_UPDATED = "subscription($id: ID!) { ticketUpdated(id: $id) { id kind status } }"
MERGE = """mutation($a: ID!, $b: ID!) {
  mergeCustomers(input: {idempotencyKey: "merge", firstId: $a, secondId: $b}) {
    customer { goldenId } } }"""
WAIT_S = 10


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """``app`` served by uvicorn on a free local port, lifespan included; its host:port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        listener.close()


@asynccontextmanager
async def subscription(
    address: str, query: str, variables: dict[str, Any]
) -> AsyncIterator[ClientConnection]:
    async with connect(f"ws://{address}/graphql", subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv()) == {"type": "connection_ack"}
        payload = {"query": query, "variables": variables}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield ws


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
    return message


async def event(ws: ClientConnection, field: str) -> dict[str, Any]:
    message = await receive(ws)
    assert message["type"] == "next", message
    found: dict[str, Any] = message["payload"]["data"][field]
    return found


async def wait_until(ready: Callable[[], Awaitable[bool]], what: str) -> None:
    """Subscribing happens after the subscribe message is answered: wait for the listener."""
    for _ in range(WAIT_S * 50):
        if await ready():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def local_listener(app: Starlette, channel: str) -> Callable[[], Awaitable[bool]]:
    async def ready() -> bool:
        broker = app.state.hub.broker
        assert isinstance(broker, MemoryBroker)
        return bool(broker._queues.get(channel))

    return ready


async def post(address: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


async def _people(settings: Settings, workdir: Path) -> People:
    state = HubState.open(settings)
    try:
        return await ingest_people(state, workdir)
    finally:
        await state.close()


async def test_subscribers_of_both_ids_hear_of_a_merge_and_follow_the_survivor(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(database_url=database_url, redis_url=None, allow_anonymous_admin=True)
    people = await _people(settings, tmp_path)
    survivor, absorbed = sorted((people.golden["M1"], people.golden["M2"]))
    app = create_app(settings)
    async with (
        serving(app) as address,
        subscription(
            address, CUSTOMER_CHANGED, {"id": global_id("Customer", survivor)}
        ) as on_survivor,
        subscription(address, CUSTOMER_CHANGED, {"id": str(absorbed)}) as on_absorbed,
    ):
        for golden in (survivor, absorbed):
            await wait_until(local_listener(app, f"customer:{golden}"), "the subscriptions")
        await post(address, MERGE, {"a": str(absorbed), "b": str(survivor)})
        for ws, golden in ((on_survivor, survivor), (on_absorbed, absorbed)):
            change = await event(ws, "customerChanged")
            assert (change["goldenId"], change["kind"]) == (golden, "MERGED")
            assert change["survivorId"] == global_id("Customer", survivor)

        earn = """mutation($id: ID!) { earnPoints(input: {idempotencyKey: "e", customerId: $id,
            points: 5}) { balance } }"""
        await post(address, earn, {"id": str(absorbed)})
        change = await event(on_absorbed, "customerChanged")
        assert (change["goldenId"], change["kind"]) == (survivor, "POINTS")


async def test_ticket_subscribers_hear_status_changes(database_url: str) -> None:
    settings = load_settings(database_url=database_url, redis_url=None, allow_anonymous_admin=True)
    state = HubState.open(settings)
    try:
        async with state.sessions() as session, session.begin():
            seed = await seed_hub(session)
    finally:
        await state.close()
    ticket = seed.tickets["T-1"]
    app = create_app(settings)
    async with (
        serving(app) as address,
        subscription(address, TICKET_UPDATED, {"id": global_id("Ticket", ticket)}) as ws,
    ):
        await wait_until(local_listener(app, f"ticket:{ticket}"), "the subscription")
        change_status = """mutation($id: ID!) { changeTicketStatus(input: {idempotencyKey: "s",
            ticketId: $id, status: RESOLVED}) { ticket { status } } }"""
        await post(address, change_status, {"id": str(ticket)})
        assert await event(ws, "ticketUpdated") == {
            "id": global_id("Ticket", ticket),
            "kind": "STATUS",
            "status": "resolved",
        }


async def test_subscribing_to_an_unknown_customer_is_not_found(database_url: str) -> None:
    app = create_app(
        load_settings(database_url=database_url, redis_url=None, allow_anonymous_admin=True)
    )
    async with (
        serving(app) as address,
        subscription(address, CUSTOMER_CHANGED, {"id": "999999"}) as ws,
    ):
        message = await receive(ws)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["NOT_FOUND"]


@pytest.mark.redis
async def test_a_merge_made_on_one_hub_reaches_subscribers_on_another(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        database_url=database_url, redis_url=redis_url, allow_anonymous_admin=True
    )
    people = await _people(settings, tmp_path)
    survivor, absorbed = sorted((people.golden["M1"], people.golden["M3"]))
    hub_a, hub_b = create_app(settings), create_app(settings)

    async def subscribed() -> bool:
        channel = f"{CHANNEL_PREFIX}customer:{absorbed}"
        counts = dict(await hub_b.state.hub.redis.pubsub_numsub(channel))
        return bool(counts.get(channel.encode()))

    async with (
        serving(hub_a) as address_a,
        serving(hub_b) as address_b,
        subscription(address_a, CUSTOMER_CHANGED, {"id": global_id("Customer", absorbed)}) as ws,
    ):
        await wait_until(subscribed, "the Redis subscription")
        await post(address_b, MERGE, {"a": str(survivor), "b": str(absorbed)})
        change = await event(ws, "customerChanged")
        assert (change["goldenId"], change["kind"]) == (absorbed, "MERGED")
        assert change["survivorId"] == global_id("Customer", survivor)
