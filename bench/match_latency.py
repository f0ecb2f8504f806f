"""Latency of matching one new record in real time against a large hub (PostgreSQL).

Builds a hub for real from demo data (bulk load with deferred matching, train,
one batch rebuild), then grows it to each wanted size by cloning it inside
PostgreSQL (`bench.cloned_hub`: the same stored shape, other people). At each
size it sends held-out shop members one at a time through the real pipeline,
each in its own transaction as a webhook would, and reports p50/p99. Held-out
members of people the hub knows through other channels join a golden record;
the others are new people.

The baseline measured in the same run is the floor of any write: one transaction
that reads a source record by key and inserts a quarantine row.

    python -m bench.match_latency                          # 100,000 and 1,000,000 goldens
    python -m bench.match_latency --goldens 100000 --people 5000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

from bench.cloned_hub import clone_universes
from bench.common import scratch_database
from cdhub.demo.generator import generate_demo
from cdhub.services.ingest import IngestPipeline
from cdhub.services.loading import DEMO_SOURCES, ingest_paths
from cdhub.services.rebuild import rebuild, train
from cdhub.services.setup import load_match_config, load_match_service
from cdhub.settings import load_settings
from cdhub.state import HubState
from cdhub.storage.models import GoldenCustomer
from connectors import get_connector
from connectors.files import RawRecord, read_records

HELD_OUT = 400


def split_members(
    shop: Path, keep: Path, held: Path, count: int, seed: int
) -> list[dict[str, object]]:
    """Hold out ``count`` shop members: they are matched one by one later."""
    members, rest = [], []
    for record in read_records(shop):
        if record.payload and record.payload.get("type") == "member":
            members.append(record.payload)
        elif record.payload:
            rest.append(record.payload)
    rng = random.Random(seed)
    rng.shuffle(members)
    out, stay = members[:count], members[count:]
    keep.write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in stay + rest), encoding="utf-8"
    )
    return out


async def load(url: str, files: object, shop: Path) -> int:
    settings = load_settings(database_url=url)
    for system, attribute in DEMO_SOURCES:
        path = shop if attribute == "shop" else getattr(files, attribute)
        await ingest_paths(
            settings,
            system,
            [path],
            resume=False,
            show_progress=False,
            defer_matching=True,
            batch_size=5000,
        )
    hub = HubState.open(settings)
    try:
        config = await load_match_config(hub.sessions, settings)
        async with hub.sessions() as session, session.begin():
            await train(session, config)
        config = await load_match_config(hub.sessions, settings)
        async with hub.sessions() as session, session.begin():
            await rebuild(session, config)
        async with hub.sessions() as session:
            return int(
                await session.scalar(select(func.count()).where(GoldenCustomer.status == "active"))
                or 0
            )
    finally:
        await hub.close()


async def measure(
    url: str, held: list[dict[str, object]], tag: int
) -> tuple[list[float], list[float], list[int]]:
    settings = load_settings(database_url=url)
    hub = HubState.open(settings)
    try:
        pipeline = IngestPipeline(
            get_connector("shop"), await load_match_service(hub.sessions, settings)
        )
        floor: list[float] = []
        latencies: list[float] = []
        statements: list[int] = []
        for index, payload in enumerate(held):
            started = time.perf_counter()
            async with hub.sessions() as session, session.begin():
                await session.execute(
                    text(
                        "SELECT id FROM source_records"
                        " WHERE source_system = 'shop' AND source_key = :k"
                    ),
                    {"k": str(payload.get("member_id"))},
                )
                await session.execute(
                    text(
                        "INSERT INTO quarantine (source_system, origin, raw, raw_hash, reason,"
                        " status, received_at)"
                        " VALUES ('bench', :o, '', :h, 'baseline', 'discarded', now())"
                    ),
                    {"o": f"floor:{tag}:{index}", "h": f"{index:064d}"},
                )
            floor.append(time.perf_counter() - started)
            raw = RawRecord("bench", index, 0, dict(payload), "", None)
            counted = hub.statements.total
            started = time.perf_counter()
            async with hub.sessions() as session, session.begin():
                await pipeline.process_batch(session, [raw], datetime.now(UTC))
            latencies.append(time.perf_counter() - started)
            statements.append(hub.statements.total - counted)
        return floor, latencies, statements
    finally:
        await hub.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000, help="people in the real hub")
    parser.add_argument("--goldens", default="100000,1000000", help="hub sizes to measure at")
    parser.add_argument("--held-out", type=int, default=HELD_OUT, help="records per size")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(size) for size in args.goldens.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = generate_demo(workdir / "data", people=args.people, seed=args.seed)
        shop = workdir / "shop-kept.jsonl"
        held = split_members(
            files.shop, shop, workdir / "held.jsonl", args.held_out * len(sizes), args.seed
        )
        with scratch_database("postgres", workdir) as url:
            started = time.perf_counter()
            real = asyncio.run(load(url, files, shop))
            print(
                f"real hub: {real} golden records in {time.perf_counter() - started:.0f} s "
                f"({args.people} people)"
            )
            universes = 0
            for index, size in enumerate(sizes):
                wanted = max(0, -(-size // real) - 1)
                started = time.perf_counter()
                goldens = real
                if wanted > universes:
                    goldens = asyncio.run(clone_universes(url, universes + 1, wanted))
                    universes = wanted
                spent = time.perf_counter() - started
                print(f"cloned to {goldens} golden records in {spent:.0f} s")
                part = held[index * args.held_out : (index + 1) * args.held_out]
                floor, latencies, statements = asyncio.run(measure(url, part, index))
                report(goldens, floor, latencies, statements)


def report(goldens: int, floor: list[float], latencies: list[float], statements: list[int]) -> None:
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    f50, f99 = percentile(floor, 0.5) * 1000, percentile(floor, 0.99) * 1000
    print(
        f"match one record ({len(latencies)} records, PostgreSQL, {goldens} goldens): "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, mean {statistics.mean(latencies) * 1000:.1f} ms"
    )
    print(
        f"SQL statements per record: mean {statistics.mean(statements):.2f}, "
        f"min {min(statements)}, max {max(statements)} (the baseline sends 2); "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"baseline (read by key + insert, one transaction): p50 {f50:.1f} ms, p99 {f99:.1f} ms; "
        f"ratio p50 {p50 / f50:.1f}x, p99 {p99 / f99:.1f}x"
    )


if __name__ == "__main__":
    main()
