"""Outages of real servers under traffic: Redis stopped and started, PostgreSQL restarted.

Both run on throw-away servers of their own (`servers.py`), never the shared
ones. Redis keeps an append-only file, so the cached view it held before the
outage comes back with it: the test checks that the stale entry really is back
and that the hub does not serve it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import redis.asyncio as redis_asyncio
from sqlalchemy import func, select

from cdhub.app import create_app
from cdhub.cache import CACHE_PREFIX
from cdhub.security.principal import Role
from cdhub.security.tokens import issue_token
from cdhub.settings import Settings, load_settings
from cdhub.state import HubState
from cdhub.storage.engine import create_engine
from cdhub.storage.migrate import upgrade
from cdhub.storage.models import SourceRecord
from cdhub.webhooks import hmac_signature
from cdhub.worker import Worker
from tests.reliability.servers import ThrowawayPostgres, ThrowawayRedis

JWT_KEY = "outage-test-identity-provider-key-0123456789"
SECRET = "outage"
CUSTOMER = 'query($key: String!) { customerBySource(system: "shop", key: $key) { nickname } }'


def _settings(database_url: str, redis_url: str | None) -> Settings:
    return load_settings(
        database_url=database_url,
        redis_url=redis_url,
        jwt_key=JWT_KEY,
        webhook_secrets={"shop": SECRET},
        cache_ttl_s=600,
    )


@asynccontextmanager
async def _client(hub: HubState) -> AsyncIterator[httpx.AsyncClient]:
    token = issue_token(JWT_KEY, subject="ops", role=Role.ADMIN)
    app = create_app(hub.settings, state=hub)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://hub",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ) as http:
        yield http


async def _write(http: httpx.AsyncClient, key: str, nickname: str) -> httpx.Response:
    body = json.dumps(
        {"type": "member", "member_id": key, "name": "林嘉欣", "nickname": nickname},
        ensure_ascii=False,
    ).encode()
    return await http.post(
        "/connectors/shop/events",
        content=body,
        headers={
            "x-cdhub-signature": hmac_signature(SECRET, body),
            "content-type": "application/json",
        },
    )


async def _read(http: httpx.AsyncClient, key: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": CUSTOMER, "variables": {"key": key}})


def _nickname(response: httpx.Response) -> str | None:
    customer = (response.json().get("data") or {}).get("customerBySource")
    return None if customer is None else str(customer["nickname"])


async def _until(
    check: Callable[[], Awaitable[bool]],
    what: str,
    seconds: float = 60,
    alive: asyncio.Task[None] | None = None,
) -> None:
    """Wait for a condition the system reaches by itself (fails the test after ``seconds``,
    or at once when the ``alive`` task died)."""
    deadline = time.monotonic() + seconds
    while not await check():
        if alive is not None and alive.done():
            alive.result()  # raises what killed it
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_reads_and_writes_survive_a_redis_restart_and_nothing_stale_is_served(
    database_url: str, throwaway_redis: ThrowawayRedis
) -> None:
    hub = HubState.open(_settings(database_url, throwaway_redis.url))
    assert hub.queue is not None
    stop = asyncio.Event()
    worker = Worker(
        hub.sessions, hub.settings, hub.queue, sources=["shop"], consumer="w", block_ms=100,
        cache=hub.cache, broker=hub.broker,
    )  # fmt: skip
    working = asyncio.create_task(worker.run(stop))
    spy = redis_asyncio.from_url(throwaway_redis.url)
    statuses: list[int] = []
    try:
        async with _client(hub) as http:

            async def read(key: str) -> str | None:
                response = await _read(http, key)
                statuses.append(response.status_code)
                return _nickname(response)

            # Redis up: the webhook is queued, the worker applies it, the read caches the view.
            queued = await _write(http, "R1", "before")
            assert queued.status_code == 202

            async def views() -> list[bytes]:
                return [k async for k in spy.scan_iter(f"{CACHE_PREFIX}customer:*")]

            async def read_and_cached() -> bool:
                # The worker announces after its commit: a view read before the
                # announcement is dropped by it, so read until one stays cached.
                return await read("R1") == "before" and bool(await views())

            await _until(read_and_cached, "the queued write, read and cached")
            cached = await views()

            throwaway_redis.stop()
            assert await read("R1") == "before"  # cache bypassed, read from the database
            inline = await _write(http, "R1", "during")  # queue unreachable: processed inline
            statuses.append(inline.status_code)
            assert inline.status_code == 200
            assert inline.json()["results"][0]["status"] == "updated"
            assert await read("R1") == "during"
            health = (await http.get("/healthz")).json()
            assert health["redis"]["ok"] is False
            assert health["database"]["ok"] is True

            throwaway_redis.start()
            await spy.aclose()
            spy = redis_asyncio.from_url(throwaway_redis.url)  # its connections died with Redis
            stale = await spy.get(cached[0])
            assert stale is not None  # the view cached before the outage is back in Redis
            assert b"before" in stale
            for _ in range(5):  # before and after the hub notices Redis is back
                assert await read("R1") == "during"
                await asyncio.sleep(0.5)
            again = await _write(http, "R2", "after")
            statuses.append(again.status_code)
            assert again.status_code == 202  # queued again
            await _until(lambda: _is(read("R2"), "after"), "the worker to recover")
            assert (await http.get("/healthz")).json()["redis"]["ok"] is True
    finally:
        stop.set()
        await working
        await spy.aclose()
        await hub.close()
    assert set(statuses) <= {200, 202}


async def _is(value: Awaitable[str | None], expected: str) -> bool:
    return await value == expected


@dataclass
class _Traffic:
    """Requests sent while the database goes away and comes back, with their outcomes."""

    outcomes: list[tuple[str, str, int, str | None, float]] = field(default_factory=list)
    phase: str = "up"
    written: int = 0

    def record(self, kind: str, response: httpx.Response, seconds: float) -> None:
        self.outcomes.append((self.phase, kind, response.status_code, _code(response), seconds))


def _code(response: httpx.Response) -> str | None:
    body = response.json()
    if isinstance(body.get("error"), dict):
        return str(body["error"]["code"])
    for error in body.get("errors") or ():
        return str((error.get("extensions") or {}).get("code"))
    return None


async def test_a_postgres_restart_fails_requests_fast_with_a_code_and_the_hub_recovers(
    throwaway_postgres: ThrowawayPostgres,
) -> None:
    engine = create_engine(load_settings(database_url=throwaway_postgres.url))
    await upgrade(engine)
    await engine.dispose()
    hub = HubState.open(_settings(throwaway_postgres.url, None))
    traffic = _Traffic()
    running = True
    try:
        async with _client(hub) as http:
            assert (await _write(http, "P0", "first")).status_code == 200

            async def send() -> None:
                while running:
                    started = time.monotonic()
                    response = await _read(http, "P0")
                    traffic.record("read", response, time.monotonic() - started)
                    started = time.monotonic()
                    response = await _write(http, f"P{len(traffic.outcomes)}", "x")
                    traffic.record("write", response, time.monotonic() - started)
                    if response.status_code == 200:
                        traffic.written += 1
                    started = time.monotonic()
                    response = await http.get("/healthz")
                    traffic.record("health", response, time.monotonic() - started)
                    await asyncio.sleep(0.02)

            sending = asyncio.create_task(send())
            await _until(_seen(traffic, "up", 6), "traffic before the outage", alive=sending)
            traffic.phase = "stopping"
            await asyncio.to_thread(throwaway_postgres.stop, "fast")
            traffic.phase = "down"
            await _until(_seen(traffic, "down", 9), "traffic during the outage", alive=sending)
            traffic.phase = "starting"
            await asyncio.to_thread(throwaway_postgres.start)
            traffic.phase = "back"
            await _until(_seen(traffic, "back", 9, ok=True), "the hub to recover", alive=sending)
            running = False
            await sending
            stored = await _source_records(hub)
    finally:
        await hub.close()
    down = [o for o in traffic.outcomes if o[0] == "down"]
    assert {(kind, status, code) for _, kind, status, code, _ in down} == {
        ("read", 503, "DATABASE_UNAVAILABLE"),
        ("write", 503, "DATABASE_UNAVAILABLE"),
        ("health", 503, None),
    }
    # Fast: refused connections fail at once; even a dropped server is bounded by the
    # 5 s connect timeout, far below the 15 s statement timeout a hang would take.
    assert max(seconds for *_, seconds in down) < 10
    assert all(status in (200, 503) for _, _, status, _, _ in traffic.outcomes)
    back = [o for o in traffic.outcomes if o[0] == "back"]
    first_ok = next(i for i, o in enumerate(back) if o[2] == 200)
    assert all(o[2] == 200 for o in back[first_ok + 3 :])  # recovered without a restart
    # Every acknowledged write is stored; beyond those only a write whose commit was in
    # flight when the server went down (its outcome unknown to the client) may be.
    in_doubt = sum(1 for o in traffic.outcomes if o[:2] == ("stopping", "write") and o[2] != 200)
    assert traffic.written + 1 <= stored <= traffic.written + 1 + in_doubt


def _seen(
    traffic: _Traffic, phase: str, count: int, ok: bool = False
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        found = [o for o in traffic.outcomes if o[0] == phase and (o[2] == 200 or not ok)]
        return len(found) >= count

    return check


async def _source_records(hub: HubState) -> int:
    async with hub.sessions() as session:
        return int(await session.scalar(select(func.count(SourceRecord.id))) or 0)


async def test_a_worker_rides_out_a_postgres_restart_without_losing_an_entry(
    throwaway_postgres: ThrowawayPostgres, redis_url: str
) -> None:
    engine = create_engine(load_settings(database_url=throwaway_postgres.url))
    await upgrade(engine)
    await engine.dispose()
    hub = HubState.open(_settings(throwaway_postgres.url, redis_url))
    assert hub.queue is not None
    stop = asyncio.Event()
    try:
        async with _client(hub) as http:
            await asyncio.to_thread(throwaway_postgres.stop, "fast")
            for i in range(30):  # accepted while the database is down: they only need Redis
                assert (await _write(http, f"Q{i}", "queued")).status_code == 202
            worker = Worker(
                hub.sessions, hub.settings, hub.queue, sources=["shop"], consumer="patient",
                block_ms=50,
            )  # fmt: skip
            working = asyncio.create_task(worker.run(stop))

            async def held() -> bool:
                return (await hub.queue.backlog("shop")).pending > 0  # type: ignore[union-attr]

            await _until(held, "the worker to take entries while the database is down")
            assert worker.report.entries == 0  # nothing acknowledged without a commit
            await asyncio.to_thread(throwaway_postgres.start)

            async def drained() -> bool:
                return (await hub.queue.backlog("shop")).length == 0  # type: ignore[union-attr]

            await _until(drained, "the worker to recover", alive=working)
            stop.set()
            await working
            assert worker.report.entries == 30
            assert await _source_records(hub) == 30
    finally:
        stop.set()
        await hub.close()
