"""Loading files of one source through the pipeline (used by the CLI, demo and benchmarks)."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from contextlib import nullcontext
from pathlib import Path

import redis.asyncio as redis_asyncio
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.cache import RedisBroker, RedisCache, connect_redis
from cdhub.console import console
from cdhub.services import learning
from cdhub.services.announce import announce_changes, announce_customers
from cdhub.services.file_ingest import FileProgress, ingest_file
from cdhub.services.ingest import DeferredMatcher, IngestPipeline, IngestSummary, Matcher
from cdhub.services.setup import load_match_service
from cdhub.settings import Settings
from cdhub.storage.engine import create_engine, create_sessionmaker
from cdhub.storage.migrate import upgrade
from cdhub.storage.repo import source_records as records_repo
from connectors import get_connector
from connectors.files import count_lines

DEMO_SOURCES: tuple[tuple[str, str], ...] = (
    ("erp", "erp_customers"),
    ("shop", "shop"),
    ("wechat", "wechat"),
    ("callcenter", "callcenter"),
    ("erp", "erp_orders"),
    ("erp", "erp_deliveries"),
)


async def ingest_paths(
    settings: Settings,
    system: str,
    paths: Sequence[Path],
    *,
    mapping: Path | None = None,
    encoding: str | None = None,
    batch_size: int = 500,
    resume: bool = True,
    show_progress: bool = True,
    defer_matching: bool = False,
    realtime: bool = False,
) -> IngestSummary:
    """Ingest files of one source system; the same code the CLI and the demo use.

    Records are matched in real time, batch by batch, unless the load is a bulk
    load (`is_bulk_load`): then they are stored first and every record is matched
    once in batch at the end, learning the model first when it is due.
    ``realtime`` forbids the bulk way; ``defer_matching`` stores without matching
    (for `cdhub match --rebuild` later). A bulk load cut short (a crash) is
    finished by running the same command again: it resumes and matches.
    """
    connector = get_connector(system, mapping)
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    total = IngestSummary()
    announce = ChangeAnnouncer.open(settings, sessions)
    try:
        await upgrade(engine)
        bulk = not (defer_matching or realtime) and await is_bulk_load(sessions, settings, paths)
        matcher: Matcher = (
            DeferredMatcher()
            if defer_matching or bulk
            else await load_match_service(sessions, settings, "ingest")
        )
        pipeline = IngestPipeline(connector, matcher)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not show_progress,
        ) as progress:
            for path in paths:
                task = progress.add_task(f"{system} {path.name}", total=None)

                def advance(state: FileProgress, task_id: TaskID = task) -> None:
                    progress.update(task_id, completed=state.records)

                total.add(
                    await ingest_file(
                        sessions,
                        pipeline,
                        path,
                        encoding=encoding,
                        batch_size=batch_size,
                        on_progress=advance,
                        resume=resume,
                        on_commit=announce,
                    )
                )
        if bulk and await _unmatched(sessions, total):
            total.add(await _match_bulk_load(sessions, settings, announce, show_progress))
    finally:
        await announce.close()
        await engine.dispose()
    return total


async def is_bulk_load(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, paths: Sequence[Path]
) -> bool:
    """Whether these files are better stored first and matched once in batch.

    They are when they hold at least `bulk_min_records` lines and at least as
    many as the hub holds party records: such a load at least doubles the hub,
    so learning (`learning_due`) would re-match everything after it anyway, and
    one batch match costs less than matching each record as it comes.
    """
    lines = sum(count_lines(path) for path in paths)
    if lines < settings.bulk_min_records:
        return False
    async with sessions() as session:
        return lines >= await records_repo.party_count(session)


async def _unmatched(sessions: async_sessionmaker[AsyncSession], summary: IngestSummary) -> bool:
    """Whether a bulk load left records to match: it stored new versions, or an earlier
    run of it stopped before matching (a re-run of a finished load changes nothing)."""
    if summary.created or summary.updated:
        return True
    async with sessions() as session:
        return await records_repo.any_unmatched(session)


async def _match_bulk_load(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    announce: ChangeAnnouncer,
    show_progress: bool,
) -> IngestSummary:
    started = time.perf_counter()
    with console.status("matching in batch", spinner="dots") if show_progress else nullcontext():
        report = await learning.match_everything(sessions, settings, "ingest")
    await announce.customers(report.rebuild.changed)
    if show_progress:
        console.print(report.describe())
    summary = IngestSummary(matching=report.rebuild.as_match_summary())
    summary.seconds["match"] = time.perf_counter() - started
    return summary


class ChangeAnnouncer:
    """After each committed batch: tell the customers whose records or facts changed
    (`cdhub.services.announce`), so their cached views and answers go stale.

    Only with Redis configured: that is where other hub processes cache views and
    listen; without it there is nothing outside this process to tell.
    """

    def __init__(
        self, redis: redis_asyncio.Redis | None, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        self._redis = redis
        self._sessions = sessions
        self._cache = RedisCache(redis) if redis is not None else None
        self._broker = RedisBroker(redis) if redis is not None else None

    @classmethod
    def open(
        cls, settings: Settings, sessions: async_sessionmaker[AsyncSession]
    ) -> ChangeAnnouncer:
        return cls(connect_redis(settings.redis_url) if settings.redis_url else None, sessions)

    async def __call__(self, summary: IngestSummary) -> None:
        await announce_changes(self._sessions, self._cache, self._broker, (), summary)

    async def customers(self, golden_ids: Collection[int]) -> None:
        """Tell these customers they changed (after a rebuild moved their records)."""
        await announce_customers(self._cache, self._broker, golden_ids)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
