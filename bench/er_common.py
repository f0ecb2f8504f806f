"""Shared parts of the entity-resolution quality benchmarks.

``run_cdhub`` takes files through the real pipeline (deferred ingest, ``train``,
``rebuild``) into a scratch database and returns the golden customer of every
source record; ``run_splink`` is the baseline: Splink with the DuckDB backend,
trained the way its tutorials train (random-sampling u, EM sessions over
blocking rules), predicted, and clustered at a fixed match probability.
Both return clusters as ``{record key: cluster label}`` with their timings,
so the two can be scored by the same :func:`mdm.evaluation.evaluate`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bench.common import scratch_database
from cdhub.commands_match import current_clusters
from cdhub.services.learning import train_and_rebuild
from cdhub.services.loading import ingest_paths
from cdhub.services.rebuild import load_parties, rebuild
from cdhub.services.setup import load_match_config
from cdhub.settings import Settings, load_settings
from cdhub.storage.engine import create_engine, create_sessionmaker
from mdm.evaluation import Evaluation, Ref, evaluate
from mdm.records import PartyRecord

# (source system, paths, mapping file or None), ingested in this order
Load = tuple[str, Sequence[Path], Path | None]


@dataclass
class CdhubRun:
    clusters: dict[Ref, str]
    seconds: dict[str, float] = field(default_factory=dict)
    parties: list[PartyRecord] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


async def _pipeline(settings: Settings, loads: Sequence[Load], keep_parties: bool) -> CdhubRun:
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    for system, paths, mapping in loads:
        await ingest_paths(
            settings,
            system,
            list(paths),
            mapping=mapping,
            resume=False,
            show_progress=False,
            defer_matching=True,
            batch_size=2000,
        )
    seconds["ingest"] = time.perf_counter() - started
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    parties: list[PartyRecord] = []
    report: dict[str, Any] = {}
    try:
        # As a first load runs it (cdhub.services.learning): one read of the records,
        # prepared once for training and the rebuild. Splink's time also trains.
        started = time.perf_counter()
        learned = await train_and_rebuild(sessions, settings, "bench")
        seconds["learn"] = time.perf_counter() - started
        report["model"] = learned.model
        report["candidate_pairs"] = learned.rebuild.candidate_pairs
        report["review"] = learned.rebuild.review
        # `cdhub match --rebuild` on the matched hub: read, block, score, cluster, write.
        config = await load_match_config(sessions, settings, "bench")
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            await rebuild(session, config)
        seconds["rebuild"] = time.perf_counter() - started
        if keep_parties:
            async with sessions() as session:
                parties = (await load_parties(session)).parties
    finally:
        await engine.dispose()
    clusters = await current_clusters(settings)
    return CdhubRun(clusters, seconds, parties, report)


def run_cdhub(
    loads: Sequence[Load], workdir: Path, backend: str = "sqlite", keep_parties: bool = False
) -> CdhubRun:
    """Ingest (deferred), train and rebuild in a fresh database; the golden of every record."""
    with scratch_database(backend, workdir) as url:
        settings = load_settings(database_url=url, redis_url=None)
        return asyncio.run(_pipeline(settings, loads, keep_parties))


@dataclass
class SplinkRun:
    clusters: dict[Hashable, str]
    seconds: float
    pairs: int


def run_splink(
    frames: Sequence[pd.DataFrame],
    settings: dict[str, Any],
    deterministic_rules: Sequence[Any],
    em_rules: Sequence[Any],
    threshold: float = 0.9,
    recall: float = 0.7,
) -> SplinkRun:
    """Train, predict and cluster with Splink on DuckDB; clusters by ``unique_id``.

    ``frames``: one frame to dedupe, two to link (each with a ``unique_id``
    column; link jobs also need ``source_dataset``).
    """
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    db = DuckDBAPI()
    tables = [db.register(f) for f in frames]
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        list(deterministic_rules), recall=recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in em_rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except ValueError as exc:  # a degenerate session (a level never seen): keep the rest
            print(f"   (splink EM session skipped: {str(exc)[:80]})")
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    frame = clustered.as_pandas_dataframe()
    seconds = time.perf_counter() - started
    pairs = len(predictions.as_pandas_dataframe())
    column = "unique_id"
    labels = {row[column]: str(row["cluster_id"]) for row in frame.to_dict("records")}
    return SplinkRun(labels, seconds, pairs)


def score(predicted: Mapping[Any, Hashable], truth: Mapping[Any, Hashable]) -> Evaluation:
    """:func:`mdm.evaluation.evaluate` with keys of any shape."""
    pred = {_ref(k): v for k, v in predicted.items()}
    true = {_ref(k): v for k, v in truth.items()}
    return evaluate(pred, true, examples=0)


def _ref(key: Any) -> Ref:
    return key if isinstance(key, tuple) else ("", str(key))


def line(name: str, result: Evaluation, seconds: float) -> str:
    p, c = result.pairwise, result.cluster
    return (
        f"{name:<22} pairwise P={p.precision:.4f} R={p.recall:.4f} F1={p.f1:.4f}  "
        f"cluster P={c.precision:.4f} R={c.recall:.4f} F1={c.f1:.4f}  ({seconds:.1f} s)"
    )
