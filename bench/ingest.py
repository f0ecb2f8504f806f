"""End-to-end ingest throughput on SQLite and PostgreSQL, per stage.

Generates demo data in the four source shapes (about 5 raw records per person),
ingests every file through the real pipeline into a fresh database per back-end
and prints records/s and the seconds spent per stage. The baseline measured in
the same run is reading and decoding the same files without ingesting them, so
the ratio says how much the hub's work costs on top of I/O.

    python bench/ingest.py --people 20000            # about 100,000 raw records
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.common import scratch_database
from cdhub.demo.generator import generate_demo
from cdhub.services.ingest import IngestSummary
from cdhub.services.loading import DEMO_SOURCES, ingest_paths
from cdhub.settings import load_settings
from connectors.files import read_records

BATCH = 2000


def read_only(paths: list[Path]) -> tuple[int, float]:
    started = time.perf_counter()
    count = sum(1 for path in paths for _ in read_records(path))
    return count, time.perf_counter() - started


async def ingest_all(url: str, files: object) -> tuple[IngestSummary, float]:
    settings = load_settings(database_url=url, redis_url=None)
    total = IngestSummary()
    started = time.perf_counter()
    for system, attribute in DEMO_SOURCES:
        path: Path = getattr(files, attribute)
        total.add(
            await ingest_paths(
                settings, system, [path], resume=False, show_progress=False, batch_size=BATCH
            )
        )
    return total, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = generate_demo(workdir / "data", people=args.people, seed=11)
        paths = [getattr(files, attribute) for _, attribute in DEMO_SOURCES]
        count, baseline = read_only(paths)
        print(f"records: {count} raw records from {args.people} people")
        print(f"baseline (read+decode only): {count / baseline:,.0f} records/s ({baseline:.1f} s)")
        for backend in args.backends.split(","):
            with scratch_database(backend, workdir) as url:
                summary, elapsed = asyncio.run(ingest_all(url, files))
            rate = summary.read / elapsed
            stages = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(summary.seconds.items()))
            print(
                f"{backend}: {rate:,.0f} records/s end to end ({elapsed:.1f} s; "
                f"{baseline / elapsed:.3f}x the read-only baseline's speed); stages: {stages}; "
                f"created={summary.created} golden_created={summary.matching.golden_created} "
                f"rejected={summary.rejected}"
            )


if __name__ == "__main__":
    main()
