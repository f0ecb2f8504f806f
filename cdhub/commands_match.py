"""`cdhub match` (train, rebuild) and `cdhub eval` (quality against a ground truth)."""

from __future__ import annotations

import csv
import dataclasses
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from cdhub.cli import app, run_async
from cdhub.services.loading import ChangeAnnouncer
from cdhub.services.rebuild import rebuild, train
from cdhub.services.setup import load_match_config
from cdhub.settings import Settings
from cdhub.storage.engine import create_engine, create_sessionmaker
from cdhub.storage.migrate import upgrade
from cdhub.storage.models import SourceRecord, Xref
from mdm.decision import decide
from mdm.evaluation import Evaluation, Ref, evaluate
from mdm.serialization import party_from_dict


@app.command()
def match(
    train_model: Annotated[
        bool, typer.Option("--train", help="Estimate m/u/λ from the stored records (EM).")
    ] = False,
    rebuild_all: Annotated[
        bool, typer.Option("--rebuild", help="Re-match every record in batch mode.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the random pairs for u.")] = 0,
) -> None:
    """Train the matching model and/or re-match everything in batch mode."""
    if not (train_model or rebuild_all):
        typer.echo("nothing to do: give --train and/or --rebuild", err=True)
        raise typer.Exit(2)

    async def _run(settings: Settings) -> dict[str, Any]:
        engine = create_engine(settings)
        sessions = create_sessionmaker(engine)
        announcer = ChangeAnnouncer.open(settings, sessions)
        report: dict[str, Any] = {}
        try:
            await upgrade(engine)
            if train_model:
                started = time.perf_counter()
                config = await load_match_config(sessions, settings, "match")
                async with sessions() as session, session.begin():
                    model = await train(session, config, seed)
                report["model"] = model.version
                report["train_seconds"] = round(time.perf_counter() - started, 2)
            if rebuild_all:
                started = time.perf_counter()
                config = await load_match_config(sessions, settings, "rebuild")
                async with sessions() as session, session.begin():
                    result = await rebuild(session, config)
                report.update(dataclasses.asdict(result))
                report["rebuild_seconds"] = round(time.perf_counter() - started, 2)
                report["customers_changed"] = len(report.pop("changed"))
                await announcer.customers(result.changed)
        finally:
            await announcer.close()
            await engine.dispose()
        return report

    typer.echo(json.dumps(run_async(_run)))


def read_truth(path: Path) -> dict[Ref, str]:
    """A ground-truth CSV: source_system,source_key,entity_id (header row)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        needed = {"source_system", "source_key", "entity_id"}
        if not reader.fieldnames or not needed <= set(reader.fieldnames):
            raise typer.BadParameter(f"{path}: header must name {', '.join(sorted(needed))}")
        return {(row["source_system"], row["source_key"]): row["entity_id"] for row in reader}


async def current_clusters(settings: Settings) -> dict[Ref, str]:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(SourceRecord.source_system, SourceRecord.source_key, Xref.golden_id).join(
                    Xref, Xref.source_record_id == SourceRecord.id
                )
            )
            return {(s, k): str(g) for s, k, g in rows}
    finally:
        await engine.dispose()


def evaluation_report(result: Evaluation) -> dict[str, Any]:
    def scores(s: Any) -> dict[str, Any]:
        return {
            "precision": round(s.precision, 5),
            "recall": round(s.recall, 5),
            "f1": round(s.f1, 5),
        }

    return {
        "records": result.records,
        "pairwise": scores(result.pairwise),
        "cluster": scores(result.cluster),
        "bcubed": scores(result.bcubed),
    }


@app.command("eval")
def eval_command(
    truth: Annotated[Path, typer.Option(help="CSV: source_system,source_key,entity_id.")],
    examples: Annotated[int, typer.Option(help="How many false/missed merges to explain.")] = 5,
) -> None:
    """Pairwise, cluster and B-cubed precision/recall/F1 of the golden records."""
    if not truth.is_file():
        typer.echo(f"no such file: {truth}", err=True)
        raise typer.Exit(2)
    expected = read_truth(truth)

    async def _run(settings: Settings) -> dict[str, Any]:
        predicted = await current_clusters(settings)
        result = evaluate(predicted, expected, examples)
        report = evaluation_report(result)
        report["false_merges"] = await _explain(settings, result.false_merges)
        report["missed_merges"] = await _explain(settings, result.missed_merges)
        return report

    typer.echo(json.dumps(run_async(_run), ensure_ascii=False, indent=2))


async def _explain(settings: Settings, pairs: tuple[tuple[Ref, Ref], ...]) -> list[dict[str, Any]]:
    """Each pair with the current model's decision on it (what drove the merge or the miss)."""
    if not pairs:
        return []
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    try:
        config = await load_match_config(sessions, settings)
        async with sessions() as session:
            wanted = {ref for pair in pairs for ref in pair}
            rows = await session.execute(
                select(SourceRecord.source_system, SourceRecord.source_key, SourceRecord.attributes)
            )
            parties = {(s, k): party_from_dict(a) for s, k, a in rows if (s, k) in wanted}
        out = []
        for left, right in pairs:
            if left in parties and right in parties:
                decision = decide(parties[left], parties[right], config.model, config.settings)
                out.append(decision.to_dict())
        return out
    finally:
        await engine.dispose()
