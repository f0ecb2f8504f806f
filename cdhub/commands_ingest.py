"""`cdhub ingest`, `cdhub demo` and `cdhub quarantine`: files in, rejects kept."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.cli import app, run_async
from cdhub.console import console
from cdhub.services import learning
from cdhub.services.ingest import IngestPipeline, IngestSummary
from cdhub.services.loading import DEMO_SOURCES, ChangeAnnouncer, ingest_paths
from cdhub.services.setup import load_match_service
from cdhub.settings import Settings
from cdhub.storage.engine import create_engine, create_sessionmaker
from cdhub.storage.migrate import upgrade
from cdhub.storage.models import SourceRecord
from cdhub.storage.repo import quarantine as quarantine_repo
from connectors import KNOWN_SYSTEMS, get_connector
from connectors.files import RawRecord

quarantine_app = typer.Typer(help="Rejected input, kept with its reason.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")


def print_summary(summary: IngestSummary) -> None:
    data = summary.as_dict()
    data.pop("top_reasons")
    console.print(" ".join(f"{key}={value}" for key, value in data.items()))
    reasons = summary.reasons.most_common(10)
    if reasons:
        console.print("rejected, top reasons: " + ", ".join(f"{k} ({v})" for k, v in reasons))


@app.command()
def ingest(
    source: Annotated[str, typer.Argument(help=f"Source system: {', '.join(KNOWN_SYSTEMS)}.")],
    paths: Annotated[list[Path], typer.Argument(help="JSONL or CSV files, optionally .gz.")],
    mapping: Annotated[
        Path | None, typer.Option(help="Mapping file (YAML/TOML) for the generic source.")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Force an encoding (utf-8, gbk); default: detect.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
    resume: Annotated[
        bool, typer.Option(help="Continue from the checkpoint of an interrupted run.")
    ] = True,
    defer_matching: Annotated[
        bool,
        typer.Option(
            "--defer-matching",
            help="Bulk load: store without matching; run `cdhub match --rebuild` afterwards.",
        ),
    ] = False,
    realtime: Annotated[
        bool,
        typer.Option(
            "--realtime",
            help="Match each record as it is stored, even in a load that at least doubles "
            "the hub (by default such a load is stored first and matched once in batch).",
        ),
    ] = False,
) -> None:
    """Ingest files: parse, validate, normalise, store, match, link facts."""
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        console.print(f"[red]no such file: {', '.join(missing)}")
        raise typer.Exit(2)
    try:
        get_connector(source, mapping)
    except ValueError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None

    async def _run(settings: Settings) -> IngestSummary:
        summary = await ingest_paths(
            settings,
            source,
            paths,
            mapping=mapping,
            encoding=encoding,
            batch_size=batch_size,
            resume=resume,
            defer_matching=defer_matching,
            realtime=realtime,
        )
        if not defer_matching:  # a deferred load asked to be matched later, by hand
            await learn_if_due_and_tell(settings)
        return summary

    summary = run_async(_run)
    print_summary(summary)
    typer.echo(json.dumps(summary.as_dict(), ensure_ascii=False))
    if summary.read > 0 and summary.read == summary.rejected and not summary.facts:
        raise typer.Exit(1)  # nothing could be read at all


@app.command()
def demo(
    people: Annotated[int, typer.Option(min=10, help="How many people to synthesise.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 7,
    out: Annotated[Path, typer.Option(help="Where to write the files.")] = Path("demo-data"),
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing when the database holds records.")
    ] = False,
    learn: Annotated[
        bool,
        typer.Option(
            "--train/--no-train",
            help="After loading, learn the model from the data and re-match in batch.",
        ),
    ] = True,
) -> None:
    """Generate demo data in the four source shapes (with a truth file) and ingest it."""
    from cdhub.demo.generator import generate_demo

    async def _count(settings: Settings) -> int:
        engine = create_engine(settings)
        try:
            await upgrade(engine)
            async with create_sessionmaker(engine)() as session:
                return int(await session.scalar(select(func.count(SourceRecord.id))) or 0)
        finally:
            await engine.dispose()

    if if_empty and run_async(_count) > 0:
        typer.echo("database already holds records; demo not loaded")
        return
    files = generate_demo(out, people=people, seed=seed)
    console.print(f"demo data written to {files.directory} (truth: {files.truth})")

    async def _run(settings: Settings) -> IngestSummary:
        total = IngestSummary()
        for system, attribute in DEMO_SOURCES:
            path: Path = getattr(files, attribute)
            # Learning re-matches everything in batch: no need to match as they come.
            total.add(
                await ingest_paths(settings, system, [path], resume=False, defer_matching=learn)
            )
        if learn:
            report = await train_and_rebuild(settings)
            total.matching.add(report.rebuild.as_match_summary())
        return total

    print_summary(run_async(_run))
    console.print(f"evaluate with: cdhub eval --truth {files.truth}")


async def train_and_rebuild(settings: Settings) -> learning.LearnReport:
    """Learn m/u from the loaded data, then re-match everything with the learned model."""
    report = await _learning(
        settings, lambda sessions: learning.train_and_rebuild(sessions, settings, "demo")
    )
    assert report is not None
    return report


async def learn_if_due_and_tell(settings: Settings) -> None:
    """Learn when due (`cdhub.services.learning`); tell the customers it moved."""
    await _learning(settings, lambda sessions: learning.learn_if_due(sessions, settings, "ingest"))


async def _learning(
    settings: Settings,
    learn: Callable[[async_sessionmaker[AsyncSession]], Awaitable[learning.LearnReport | None]],
) -> learning.LearnReport | None:
    """Run ``learn``; tell the customers whose records it moved, and say what it did."""
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    announcer = ChangeAnnouncer.open(settings, sessions)
    try:
        report = await learn(sessions)
        if report is not None:
            await announcer.customers(report.rebuild.changed)
            console.print(report.describe())
    finally:
        await announcer.close()
        await engine.dispose()
    return report


@quarantine_app.command("list")
def quarantine_list(
    source: Annotated[str | None, typer.Option(help="Only this source system.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """Show open quarantined records: id, source, origin, reason."""

    async def _run(settings: Settings) -> list[tuple[int, str, str, str, str]]:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session:
                rows = await quarantine_repo.open_records(session, source, limit)
                return [(r.id, r.source_system, r.origin, r.reason, r.raw[:80]) for r in rows]
        finally:
            await engine.dispose()

    for row in run_async(_run):
        typer.echo("\t".join(str(part) for part in row))


@quarantine_app.command("replay")
def quarantine_replay(
    source: Annotated[str, typer.Option(help="Source system whose records to replay.")],
    mapping: Annotated[Path | None, typer.Option(help="Mapping file for generic.")] = None,
) -> None:
    """Run open quarantined records through the pipeline again (after a fix).

    Records that now pass are marked replayed; those still rejected get a new
    quarantine row with the current reason and the old one is marked replayed.
    """

    async def _run(settings: Settings) -> IngestSummary:
        engine = create_engine(settings)
        sessions = create_sessionmaker(engine)
        total = IngestSummary()
        try:
            pipeline = IngestPipeline(
                get_connector(source, mapping), await load_match_service(sessions, settings)
            )
            after = 0
            while True:
                async with sessions() as session, session.begin():
                    rows = await quarantine_repo.open_records(session, source, 500, after)
                    if not rows:
                        break
                    after = rows[-1].id
                    raws = [_raw_from_quarantine(r.origin, r.raw) for r in rows]
                    now = datetime.now(UTC)
                    summary, results = await pipeline.process_batch(session, raws, now)
                    passed = [
                        row.id
                        for row, result in zip(rows, results, strict=True)
                        if result.status != "rejected"
                    ]
                    await quarantine_repo.mark_replayed(session, passed, now)
                    total.add(summary)
        finally:
            await engine.dispose()
        return total

    print_summary(run_async(_run))


def _raw_from_quarantine(origin: str, raw: str) -> RawRecord:
    from connectors.files import parse_body

    parsed = parse_body(raw.encode("utf-8"), "application/json")
    if len(parsed) == 1 and parsed[0].payload is not None:
        item = parsed[0]
        return RawRecord(origin, item.line_no, 0, item.payload, raw, None)
    return RawRecord(origin, 0, 0, None, raw, "invalid_json: still unparseable")
