"""`cdhub ingest` killed with SIGKILL at random points, then re-run, ends as one clean run does.

The demo data of 20,000 people (about 100,000 raw records in six files, with
hostile lines mixed in) is ingested twice into fresh PostgreSQL databases by
the real command in child processes: once cleanly, once killed twice at random
points (in the middle of a random file, a random moment after a commit) and
re-run each time until it finishes. Every table must then hold the same rows,
compared by natural keys (`snapshot`): no source record lost or duplicated, no
version, fact, quarantine row or checkpoint more or less. The 100,000-record
run defers matching (matching runs at roughly 800 records/s here); a run of
600 people matches in real time and must also end in the same golden
clusters, on SQLite and PostgreSQL, and so must one that lets `cdhub ingest`
choose (its larger files are stored first and matched in batch at the end).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.demo.generator import DemoFiles, generate_demo
from cdhub.services.loading import DEMO_SOURCES
from cdhub.settings import load_settings
from cdhub.storage.engine import create_engine, create_sessionmaker
from cdhub.storage.models import IngestCheckpoint
from tests.reliability.conftest import cdhub_env, run_cdhub, start_cdhub
from tests.reliability.hostile_corpus import CASES
from tests.reliability.snapshot import Snapshot, clusters, differences, rows_of, snapshot

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Load:
    """One `cdhub ingest` command: a source system and its files, in order."""

    system: str
    paths: tuple[Path, ...]


def demo_loads(out: Path, people: int, seed: int) -> list[Load]:
    """The demo files as ingest commands, with hostile lines of the corpus spread through them."""
    files: DemoFiles = generate_demo(out, people=people, seed=seed)
    rng = random.Random(seed)
    hostile = {
        "shop": [c.line for c in CASES if c.feed in ("shop", "shop_orders") and len(c.line) < 4096],
        "callcenter": [
            c.line for c in CASES if c.feed == "callcenter" and not c.at_end and len(c.line) < 4096
        ],
    }
    for system, lines_to_add in hostile.items():
        path: Path = getattr(files, system)
        lines = path.read_bytes().splitlines()
        first = 1 if path.suffix == ".csv" else 0  # the header stays first
        for line in lines_to_add:
            lines.insert(rng.randrange(first, len(lines) + 1), line)
        path.write_bytes(b"\n".join(lines) + b"\n")
    by_system: dict[str, list[Path]] = {}
    for system, attribute in DEMO_SOURCES:
        by_system.setdefault(system, []).append(getattr(files, attribute))
    return [Load(system, tuple(paths)) for system, paths in by_system.items()]


# How `cdhub ingest` matches: stores only, each record as it comes, or its own choice
# (a load that doubles the hub is stored first and matched in batch at the end).
MODE_FLAGS = {"deferred": ["--defer-matching"], "realtime": ["--realtime"], "auto": []}


def ingest_args(load: Load, mode: str, batch: int) -> list[str]:
    args = ["ingest", load.system, *map(str, load.paths), "--batch-size", str(batch)]
    return [*args, *MODE_FLAGS[mode]]


def run_loads(url: str, loads: list[Load], mode: str, batch: int, cwd: Path) -> None:
    for load in loads:
        run_cdhub(ingest_args(load, mode, batch), cdhub_env(url), cwd)


async def progress(sessions: async_sessionmaker[AsyncSession], path: Path) -> tuple[int, bool]:
    """The checkpoint of one file: bytes committed, and whether the file is done."""
    async with sessions() as session:
        row = (
            await session.execute(
                select(IngestCheckpoint.offset, IngestCheckpoint.done).where(
                    IngestCheckpoint.path == str(path)
                )
            )
        ).first()
    return (0, False) if row is None else (int(row[0]), bool(row[1]))


@dataclass(frozen=True)
class Kill:
    load: int  # which command
    path: Path  # the file it is reading when killed
    fraction: float  # of that file's bytes committed before the kill


def kill_plan(loads: list[Load], count: int, batch: int, rng: random.Random) -> list[Kill]:
    """``count`` kill points in load order: a file (chosen by size among those of at least
    four batches, so a kill can land inside it) and a fraction of its bytes."""
    files = [
        (i, p)
        for i, load in enumerate(loads)
        for p in load.paths
        if p.read_bytes().count(b"\n") >= 4 * batch
    ]
    sizes = [p.stat().st_size for _, p in files]
    chosen = [rng.choices(range(len(files)), weights=sizes)[0] for _ in range(count)]
    return [Kill(*files[c], rng.uniform(0.1, 0.7)) for c in sorted(chosen)]


async def run_with_kills(
    url: str, loads: list[Load], mode: str, batch: int, cwd: Path, kills: list[Kill]
) -> int:
    """Ingest everything, SIGKILL-ing the command at each kill point and running it again.

    Returns how many kills landed while their file was unfinished.
    """
    landed = 0
    done_before = 0  # commands finished for good
    engine = create_engine(load_settings(database_url=url))
    sessions = create_sessionmaker(engine)
    try:
        for kill in kills:
            await asyncio.to_thread(
                run_loads, url, loads[done_before : kill.load], mode, batch, cwd
            )
            child = start_cdhub(ingest_args(loads[kill.load], mode, batch), cdhub_env(url), cwd)
            goal = int(kill.path.stat().st_size * kill.fraction)
            while child.poll() is None and (await progress(sessions, kill.path))[0] < goal:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            # A random moment into the next batch: storing, matching or committing it. Short:
            # at a few hundred records a second a longer wait can outlast the whole file.
            await asyncio.sleep(random.uniform(0.0, 0.1))
            child.send_signal(signal.SIGKILL)
            child.communicate()
            if child.returncode == -signal.SIGKILL and not (await progress(sessions, kill.path))[1]:
                landed += 1
            done_before = kill.load  # the killed command is re-run from its checkpoint
    finally:
        await engine.dispose()
    await asyncio.to_thread(run_loads, url, loads[done_before:], mode, batch, cwd)
    return landed


async def _shift_sequences(url: str, start: int) -> None:
    engine = create_engine(load_settings(database_url=url))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("SELECT setval(c.oid::regclass, :n) FROM pg_class c WHERE c.relkind = 'S'"),
                {"n": start},
            )
    finally:
        await engine.dispose()


async def _snapshot(url: str) -> Snapshot:
    engine = create_engine(load_settings(database_url=url))
    try:
        return await snapshot(create_sessionmaker(engine))
    finally:
        await engine.dispose()


async def _crash_and_compare(
    new_database: Callable[[str], str],
    tmp_path: Path,
    backend: str,
    people: int,
    mode: str,
    kills: int,
    batch: int,
) -> tuple[Snapshot, Snapshot, int]:
    seed = int(os.environ.get("CDHUB_TEST_CRASH_SEED") or random.randrange(1_000_000))
    print(
        f"seed {seed} (CDHUB_TEST_CRASH_SEED={seed} repeats this run)"
    )  # shown on failure: the data and the kill points derive from it
    random.seed(seed)
    loads = demo_loads(tmp_path / "data", people, seed)
    plan = kill_plan(loads, kills, batch, random.Random(seed))
    clean_url, crashed_url = new_database(backend), new_database(backend)
    if backend == "postgres":
        # Every id of the clean run differs from the other's: the comparison must not lean on ids.
        await _shift_sequences(clean_url, 7919)
    # The clean run goes alongside, in its own processes and database.
    clean = asyncio.create_task(
        asyncio.to_thread(run_loads, clean_url, loads, mode, batch, tmp_path)
    )
    landed = await run_with_kills(crashed_url, loads, mode, batch, tmp_path, plan)
    await clean
    return await _snapshot(clean_url), await _snapshot(crashed_url), landed


@pytest.mark.postgres
async def test_killed_bulk_ingest_of_100k_records_resumes_to_the_clean_state(
    new_database: Callable[[str], str], tmp_path: Path
) -> None:
    clean, crashed, landed = await _crash_and_compare(
        new_database, tmp_path, "postgres", people=20_000, mode="deferred", kills=2, batch=2000
    )
    assert landed >= 1, "no kill landed in the middle of a file"
    assert rows_of(clean, "source_records") > 50_000
    assert rows_of(clean, "orders") > 10_000
    assert rows_of(clean, "quarantine") > 20
    diff = differences(clean, crashed)
    assert diff == {}, "\n".join(f"{t}:\n  " + "\n  ".join(rows) for t, rows in diff.items())


@pytest.mark.parametrize(
    ("backend", "mode"),
    [
        ("sqlite", "realtime"),
        pytest.param("postgres", "realtime", marks=pytest.mark.postgres),
        pytest.param("postgres", "auto", marks=pytest.mark.postgres),
    ],
)
async def test_killed_matching_ingest_resumes_to_the_same_golden_clusters(
    new_database: Callable[[str], str], tmp_path: Path, backend: str, mode: str
) -> None:
    clean, crashed, landed = await _crash_and_compare(
        new_database, tmp_path, backend, people=600, mode=mode, kills=1, batch=100
    )
    assert landed == 1
    assert rows_of(clean, "golden_customers") > 300
    assert clusters(clean) == clusters(crashed)
    diff = differences(clean, crashed)
    assert diff == {}, "\n".join(f"{t}:\n  " + "\n  ".join(rows) for t, rows in diff.items())
