"""Customer 360 over GraphQL on PostgreSQL: latency and throughput, cold and cached.

Writes N synthetic customers with their facts straight into a scratch
PostgreSQL database (`bench.crowd`, COPY: much faster than ingest, train and
rebuild, and the read path needs only the stored shape), serves the real ASGI
app with uvicorn in a subprocess (one worker) and sends the customer-360 query
(customer, identities, last 10 orders with items, open tickets with calls,
loyalty balance and last 10 ledger entries) with aiohttp at concurrency 1 and 32
(the client runs in this process, not in the server's):
once without a cache and once with the Redis view cache (warmed first). Ids
are drawn from a hot set of ``--hot`` customers, the same for every run.

The floor, measured in the same run, fetches the same data for the same ids
with hand-written asyncpg queries (one pooled connection per request, no HTTP,
no GraphQL).

    python -m bench.graphql_360 --people 3000          # a quick run
    python -m bench.graphql_360                         # 100,000 customers
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
import redis.asyncio as redis_asyncio

from bench.common import scratch_database
from bench.crowd import load
from cdhub.cache import CACHE_PREFIX
from cdhub.security.principal import Role
from cdhub.security.tokens import issue_token
from cdhub.settings import load_settings
from cdhub.storage.engine import create_engine
from cdhub.storage.migrate import upgrade

REDIS_URL = os.environ.get("CDHUB_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
BENCH_JWT_KEY = secrets.token_hex(32)
QUERY = """
query Customer360($id: ID!) {
  customer(id: $id) {
    id goldenId name pinyin tier province city primaryPhone primaryEmail
    phones { value isPrimary } emails { value isPrimary }
    identifiers { kind value isPrimary }
    orders(first: 10) {
      edges { node {
        orderNo channel status totalAmount orderedAt
        items { sku title quantity amount batchNo }
      } }
    }
    tickets(first: 10, openOnly: true) {
      edges { node {
        ticketNo status category openedAt
        calls { callId startedAt agentId summary status }
      } }
    }
    loyalty {
      balance
      ledger(first: 10) { edges { node { kind points orderNo occurredAt note } } }
    }
  }
}
"""
CLOSED = ["resolved", "closed", "cancelled", "canceled", "rejected"]


@dataclass(frozen=True)
class Run:
    name: str
    concurrency: int
    latencies: list[float]
    seconds: float
    cpu_seconds: float  # of the process doing the work (the hub server, or this one)
    client_cpu_seconds: float  # of this process (the load generator), for the hub runs

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds / len(self.latencies) * 1000

    def line(self) -> str:
        return (
            f"{self.name:<18} c={self.concurrency:<3} {self.throughput:8.1f} req/s  "
            f"p50 {self.percentile(0.5):7.2f} ms  p99 {self.percentile(0.99):7.2f} ms  "
            f"cpu {self.cpu_ms:5.2f} ms/req  client cpu "
            f"{self.client_cpu_seconds / len(self.latencies) * 1000:5.2f} ms/req"
        )


def process_cpu(pid: int | None = None) -> float:
    """CPU seconds (user + system) used so far by ``pid`` (default: this process)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    name: str,
    concurrency: int,
    ids: list[int],
    call: Callable[[int], Awaitable[None]],
    pid: int | None = None,
) -> Run:
    latencies: list[float] = []
    queue = list(ids)

    async def worker() -> None:
        while queue:
            ident = queue.pop()
            started = time.perf_counter()
            await call(ident)
            latencies.append(time.perf_counter() - started)

    started, cpu, own = time.perf_counter(), process_cpu(pid), process_cpu()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return Run(name, concurrency, latencies, elapsed, process_cpu(pid) - cpu, process_cpu() - own)


# --- the floor: the same data with asyncpg, no HTTP, no GraphQL ---------------

FLOOR_SQL = {
    "customer": "SELECT id, display_name, name_pinyin, tier, province, city, primary_phone, "
    "primary_email, view FROM golden_customers WHERE id = $1 AND status = 'active'",
    "orders": "SELECT o.id, o.order_no, o.channel, o.status, o.total_amount, o.ordered_at "
    "FROM orders o JOIN source_records s ON s.source_system = o.party_system "
    "AND s.source_key = o.party_key JOIN xrefs x ON x.source_record_id = s.id "
    "WHERE x.golden_id = $1 ORDER BY o.ordered_at DESC NULLS LAST, o.id DESC LIMIT 10",
    "items": "SELECT order_id, sku, title, quantity, amount, batch_no FROM order_items "
    "WHERE order_id = ANY($1::bigint[]) ORDER BY order_id, id",
    "tickets": "SELECT * FROM (SELECT t.id, t.ticket_no, t.status, t.category, t.opened_at "
    "FROM tickets t JOIN source_records s ON s.source_system = t.party_system "
    "AND s.source_key = t.party_key JOIN xrefs x ON x.source_record_id = s.id "
    "WHERE x.golden_id = $1 AND t.golden_id IS NULL AND lower(t.status) <> ALL($2::text[]) "
    "UNION ALL SELECT t.id, t.ticket_no, t.status, t.category, t.opened_at FROM tickets t "
    "WHERE t.golden_id = $1 AND lower(t.status) <> ALL($2::text[])) owned "
    "ORDER BY opened_at DESC NULLS LAST, id DESC LIMIT 10",
    "calls": "SELECT ticket_no, call_id, started_at, agent_id, summary, ticket_status FROM calls "
    "WHERE source_system = 'callcenter' AND ticket_no = ANY($1::text[]) ORDER BY started_at, id",
    "ledger": "SELECT * FROM (SELECT l.id, l.kind, l.points, l.order_no, l.occurred_at, l.note "
    "FROM loyalty_ledger l JOIN source_records s ON s.source_system = l.party_system "
    "AND s.source_key = l.party_key JOIN xrefs x ON x.source_record_id = s.id "
    "WHERE x.golden_id = $1 AND l.golden_id IS NULL UNION ALL SELECT l.id, l.kind, l.points, "
    "l.order_no, l.occurred_at, l.note FROM loyalty_ledger l WHERE l.golden_id = $1) owned "
    "ORDER BY occurred_at DESC NULLS LAST, id DESC",
}


async def floor_360(connection: asyncpg.Connection, golden_id: int) -> dict[str, Any]:
    customer = await connection.fetchrow(FLOOR_SQL["customer"], golden_id)
    view = json.loads(customer["view"])
    orders = await connection.fetch(FLOOR_SQL["orders"], golden_id)
    items = await connection.fetch(FLOOR_SQL["items"], [o["id"] for o in orders])
    tickets = await connection.fetch(FLOOR_SQL["tickets"], golden_id, CLOSED)
    calls = await connection.fetch(FLOOR_SQL["calls"], [t["ticket_no"] for t in tickets])
    ledger = await connection.fetch(FLOOR_SQL["ledger"], golden_id)
    return {
        "customer": dict(customer),
        "identities": view["phones"] + view["emails"] + view["identifiers"],
        "orders": [dict(o) for o in orders],
        "items": [dict(i) for i in items],
        "tickets": [dict(t) for t in tickets],
        "calls": [dict(c) for c in calls],
        "balance": sum(e["points"] for e in ledger),
        "ledger": [dict(e) for e in ledger[:10]],
    }


async def run_floor(dsn: str, ids: list[int], concurrency: int) -> Run:
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:

        async def call(ident: int) -> None:
            async with pool.acquire() as connection:
                await floor_360(connection, ident)

        await measure("warm-up", concurrency, ids[:200], call)
        return await measure("floor (asyncpg)", concurrency, ids, call)
    finally:
        await pool.close()


# --- the hub over HTTP ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`cdhub.app:app_from_environment` under uvicorn, one worker, in a subprocess."""

    def __init__(self, database_url: str, redis_url: str | None) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "CDHUB_DATABASE_URL": database_url,
            "CDHUB_ENV": "prod",
            "CDHUB_DB_POOL_SIZE": "20",
            "CDHUB_LOG_LEVEL": "WARNING",
            # The bench calls as a channel app with a token of its own signing key; one
            # caller sends every request, so the per-key rate limit is lifted.
            "CDHUB_JWT_KEY": BENCH_JWT_KEY,
            "CDHUB_RATE_LIMIT_PER_MINUTE": "100000000",
        }
        env.pop("CDHUB_REDIS_URL", None)
        if redis_url:
            env["CDHUB_REDIS_URL"] = redis_url
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "cdhub.app:app_from_environment", "--factory",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
            env=env,
        )  # fmt: skip

    async def ready(self) -> str:
        url = f"http://127.0.0.1:{self.port}"
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                try:
                    if (await client.get(f"{url}/healthz")).status_code == 200:
                        return url
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("the hub did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def run_hub(
    url: str, pid: int, ids: list[int], concurrencies: list[int], label: str, warm: list[int]
) -> list[Run]:
    # aiohttp, not httpx: at concurrency 32 an httpx client spends more CPU per request
    # than a cached answer costs the hub, and the client shares this machine's 2 cores.
    token = issue_token(
        BENCH_JWT_KEY, subject="bench", role=Role.CHANNEL, lifetime=timedelta(hours=12)
    )
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=max(concurrencies))
    async with aiohttp.ClientSession(
        base_url=url, connector=connector, headers=headers, timeout=aiohttp.ClientTimeout(60)
    ) as client:

        async def call(ident: int) -> None:
            body = {"query": QUERY, "variables": {"id": str(ident)}}
            async with client.post("/graphql", json=body) as response:
                answer = await response.json()
            if "errors" in answer or answer["data"]["customer"] is None:
                raise RuntimeError(f"customer {ident}: {answer}")

        await measure("warm-up", 4, warm, call, pid)
        runs = [await measure(label, c, ids, call, pid) for c in concurrencies]
        async with client.get("/metrics") as response:
            metrics = await response.text()
        outcomes = [
            line.split("{", 1)[1]
            for line in metrics.splitlines()
            if line.startswith("cdhub_cached_answers_total{")
        ]
        print(f"{label}: answer cache {', '.join(outcomes) or 'not used'}")
        return runs


async def clear_cache(redis_url: str) -> None:
    client = redis_asyncio.from_url(redis_url)
    try:
        async for key in client.scan_iter(match=CACHE_PREFIX + "*", count=1000):
            await client.delete(key)
    finally:
        await client.aclose()


async def prepare(url: str, people: int, orders: int) -> None:
    engine = create_engine(load_settings(database_url=url))
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    started = time.perf_counter()
    rows = await load(url.replace("postgresql+asyncpg://", "postgresql://", 1), people, orders)
    print(f"loaded {people:,} customers, {rows:,} rows in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=12, help="orders per customer")
    parser.add_argument("--hot", type=int, default=2000, help="customers the requests go to")
    parser.add_argument("--requests", type=int, default=2000, help="requests per run")
    args = parser.parse_args()
    rng = random.Random(5)
    hot = rng.sample(range(1, args.people + 1), min(args.hot, args.people))
    ids = [rng.choice(hot) for _ in range(args.requests)]
    concurrencies = [1, 32]
    with tempfile.TemporaryDirectory() as tmp, scratch_database("postgres", Path(tmp)) as url:
        asyncio.run(prepare(url, args.people, args.orders))
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        floors = [asyncio.run(run_floor(dsn, ids, c)) for c in concurrencies]
        runs: dict[str, list[Run]] = {}
        for label, redis_url in (("hub, no cache", None), ("hub, Redis cache", REDIS_URL)):
            if redis_url:
                asyncio.run(clear_cache(redis_url))
            server = Server(url, redis_url)
            try:
                address = asyncio.run(server.ready())
                # The warm-up fills the view cache for the cached run (and the pools for both).
                runs[label] = asyncio.run(
                    run_hub(address, server.process.pid, ids, concurrencies, label, hot)
                )
            finally:
                server.stop()
    print(f"\ncustomer 360, {args.people:,} customers, {len(ids)} requests per run over "
          f"{len(hot)} hot customers")  # fmt: skip
    for run in floors + runs["hub, no cache"] + runs["hub, Redis cache"]:
        print(run.line())
    cold, cached = runs["hub, no cache"], runs["hub, Redis cache"]
    ratio = cold[0].percentile(0.5) / floors[0].percentile(0.5)
    print(f"\nuncached p50 / floor p50 at c=1: {ratio:.2f}x (goal <= 2x)")
    for index, concurrency in enumerate(concurrencies):
        print(
            f"cached / uncached throughput at c={concurrency}: "
            f"{cached[index].throughput / cold[index].throughput:.2f}x (goal >= 5x)"
        )
        print(
            f"uncached throughput / floor throughput at c={concurrency}: "
            f"{cold[index].throughput / floors[index].throughput:.2f}x"
        )
        print(
            f"hub server cpu per request, uncached / cached at c={concurrency}: "
            f"{cold[index].cpu_ms / cached[index].cpu_ms:.2f}x (the throughput ratio a hub "
            "with a core of its own approaches)"
        )
    print(
        "cpu: the hub server process per request (client excluded); the floor's own process. "
        "Figures vary with other load on the machine; cpu ms/req varies least."
    )


if __name__ == "__main__":
    main()
