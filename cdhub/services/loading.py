"""Loading files of one source through the pipeline (used by the CLI, demo and benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from cdhub.console import console
from cdhub.services.file_ingest import FileProgress, ingest_file
from cdhub.services.ingest import DeferredMatcher, IngestPipeline, IngestSummary, Matcher
from cdhub.services.setup import load_match_service
from cdhub.settings import Settings
from cdhub.storage.engine import create_engine, create_sessionmaker
from cdhub.storage.migrate import upgrade
from connectors import get_connector

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
) -> IngestSummary:
    """Ingest files of one source system; the same code the CLI and the demo use."""
    connector = get_connector(system, mapping)
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    total = IngestSummary()
    try:
        await upgrade(engine)
        matcher: Matcher = (
            DeferredMatcher()
            if defer_matching
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
                    )
                )
    finally:
        await engine.dispose()
    return total
