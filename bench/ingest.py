"""End-to-end ingest throughput on SQLite and PostgreSQL, per stage.

Generates demo data in the four source shapes (about 5 raw records per person),
ingests every file through the real pipeline into a fresh database per back-end
and prints records/s and the seconds spent per stage: read (file reading and
decoding), normalise (connector parsing and normalisation), store (source
records), match (blocking, scoring, golden records and their views) and facts.
Read and normalise run in a worker thread beside store and facts (the next
batch is parsed while this one is stored), so the stages add up to more than
the elapsed time. The baseline measured in the same run is reading and
decoding the same files without ingesting them, so the ratio says how much the
hub's work costs on top of I/O.

    python bench/ingest.py --people 20000            # about 100,000 raw records
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from bench.common import scratch_database
from cdhub.demo.generator import generate_demo
from cdhub.services.ingest import IngestSummary
from cdhub.services.learning import match_everything
from cdhub.services.loading import DEMO_SOURCES, ingest_paths
from cdhub.settings import load_settings
from cdhub.state import HubState
from connectors.files import read_records

BATCH = 2000


def read_only(paths: list[Path]) -> tuple[int, float]:
    started = time.perf_counter()
    count = sum(1 for path in paths for _ in read_records(path))
    return count, time.perf_counter() - started


MODES = {
    "realtime": "real-time matching (--realtime)",
    "auto": "cdhub ingest default, file by file (a load that doubles the hub: store, then batch)",
    "bulk": "all files stored (--defer-matching), then one learn + batch match",
}


async def ingest_all(url: str, files: object, *, mode: str) -> tuple[IngestSummary, float]:
    """Ingest the demo files in the formats file's order the way ``mode`` says."""
    settings = load_settings(database_url=url, redis_url=None)
    total = IngestSummary()
    started = time.perf_counter()
    for system, attribute in DEMO_SOURCES:
        path: Path = getattr(files, attribute)
        total.add(
            await ingest_paths(
                settings,
                system,
                [path],
                resume=False,
                show_progress=False,
                batch_size=BATCH,
                defer_matching=mode == "bulk",
                realtime=mode == "realtime",
            )
        )
    if mode == "bulk":
        matched = time.perf_counter()
        hub = HubState.open(settings)
        try:
            learned = await match_everything(hub.sessions, settings, "bench")
            total.matching.add(learned.rebuild.as_match_summary())
        finally:
            await hub.close()
        total.seconds["match"] += time.perf_counter() - matched
    return total, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--modes", default=",".join(MODES), help=", ".join(MODES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = generate_demo(workdir / "data", people=args.people, seed=11)
        paths = [getattr(files, attribute) for _, attribute in DEMO_SOURCES]
        count, baseline = read_only(paths)
        print(f"records: {count} raw records from {args.people} people")
        print(f"baseline (read+decode only): {count / baseline:,.0f} records/s ({baseline:.1f} s)")
        for backend in args.backends.split(","):
            for mode in args.modes.split(","):
                with scratch_database(backend, workdir) as url:
                    summary, elapsed = asyncio.run(ingest_all(url, files, mode=mode))
                report(backend, MODES[mode], summary, elapsed, baseline)


def report(
    backend: str, mode: str, summary: IngestSummary, elapsed: float, baseline: float
) -> None:
    rate = summary.read / elapsed
    stages = ", ".join(
        f"{stage} {summary.seconds.get(stage, 0.0):.1f}s"
        for stage in ("read", "normalise", "store", "match", "facts")
    )
    print(
        f"{backend}, {mode}: {rate:,.0f} records/s end to end ({elapsed:.1f} s; "
        f"{baseline / elapsed:.3f}x the read-only baseline's speed); stages: {stages}; "
        f"created={summary.created} golden={summary.matching.golden_created} "
        f"rejected={summary.rejected}; load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
