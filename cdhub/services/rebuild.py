"""Batch operations over every record: train the model, re-match everything.

``rebuild`` clusters all party records with the same blocking keys and rules
as the real-time path, then maps the clusters onto the existing golden ids so
they stay stable: each cluster keeps the id most of its records already had
(older first on ties); a golden id no cluster keeps is folded into the
cluster that took most of its records and stays as a redirect.
"""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.services import golden_views
from cdhub.services.ingest import MatchSummary
from cdhub.services.matching import MatchConfig
from cdhub.storage.models import CannotLink
from cdhub.storage.queries import references as references_repo
from cdhub.storage.repo import blocking as blocking_repo
from cdhub.storage.repo import decisions as decisions_repo
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo import source_records as records_repo
from cdhub.storage.repo.decisions import CandidateWrite, EventWrite
from cdhub.storage.repo.golden import XrefWrite
from mdm.batch import BatchResult, cluster_records
from mdm.clustering import CannotLinks
from mdm.model import Model, model_to_dict
from mdm.prepared import PreparedRecords
from mdm.records import PartyRecord, with_references
from mdm.serialization import party_from_dict
from mdm.settings import MatchSettings
from mdm.training import train_model


@dataclass(frozen=True, slots=True)
class RebuildReport:
    records: int
    clusters: int
    goldens_created: int
    goldens_folded: int
    records_moved: int
    review: int
    candidate_pairs: int
    # golden customers that gained or lost records: their cached views are stale
    changed: frozenset[int] = frozenset()

    def as_match_summary(self) -> MatchSummary:
        """The rebuild's outcome in the terms of an ingest summary."""
        return MatchSummary(
            golden_created=self.goldens_created,
            golden_merged=self.goldens_folded,
            sent_to_review=self.review,
            records_matched=self.records,
        )


@dataclass
class LoadedParties:
    """Every party record (with the references of the orders it placed) and its id."""

    ids: list[int]
    parties: list[PartyRecord]
    _prepared: PreparedRecords | None = None

    def prepared(self, settings: MatchSettings) -> PreparedRecords:
        """The records' features, keys and compared pairs, shared by training and rebuild."""
        if self._prepared is None or self._prepared.settings is not settings:
            self._prepared = PreparedRecords(self.parties, settings)
        return self._prepared


async def load_parties(session: AsyncSession) -> LoadedParties:
    """Every party record, with the references of the orders it placed."""
    rows = await records_repo.all_parties(session)
    placed = await references_repo.placed_orders(session)
    parties = [with_references(party_from_dict(r[3]), placed.get((r[1], r[2]), ())) for r in rows]
    return LoadedParties([r[0] for r in rows], parties)


async def train(
    session: AsyncSession,
    config: MatchConfig,
    seed: int = 0,
    loaded: LoadedParties | None = None,
) -> Model:
    """Estimate the model from the hub's own records and make it the active one.

    ``loaded``: the records, when the caller read them in this transaction
    already (learning trains and rebuilds on one read: the same objects also
    reuse their cached features).
    """
    loaded = loaded or await load_parties(session)
    parties = loaded.parties
    if len(parties) < 2:
        raise ValueError("training needs at least two stored party records")
    model = train_model(
        parties, config.settings, seed=seed, prepared=loaded.prepared(config.settings)
    )
    await decisions_repo.save_model(session, model.version, model_to_dict(model), len(parties))
    return model


async def rebuild(
    session: AsyncSession,
    config: MatchConfig,
    now: datetime | None = None,
    loaded: LoadedParties | None = None,
) -> RebuildReport:
    # Every record, its features and decisions stay alive to the end: the cyclic
    # collector would rescan that growing heap again and again (a third of the
    # run at 20,000 people). They are acyclic; reference counting frees them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return await _rebuild(
            session, config, now or datetime.now(UTC), loaded or await load_parties(session)
        )
    finally:
        if collecting:
            gc.enable()


async def _rebuild(
    session: AsyncSession, config: MatchConfig, now: datetime, loaded: LoadedParties
) -> RebuildReport:
    ids, parties = loaded.ids, loaded.parties
    by_ref = {(p.source_system, p.source_key): rid for rid, p in zip(ids, parties, strict=True)}
    ref_of = {rid: ref for ref, rid in by_ref.items()}
    links = await _all_cannot_links(session, ref_of)
    prepared = loaded.prepared(config.settings)
    keys = dict(zip(ids, prepared.keys, strict=True))
    # Matching is pure CPU work and the keys are written by the database: a worker
    # thread clusters while the database stores the keys (the two share no data).
    clustering = asyncio.ensure_future(
        asyncio.to_thread(
            cluster_records,
            parties,
            config.model,
            config.settings,
            links,
            prepared=prepared,
        )
    )
    try:
        await blocking_repo.sync_keys(session, keys)
    finally:
        result = await clustering
    linked = await golden_repo.all_xrefs(session)
    current = {rid: linked[rid] for rid in ids if rid in linked}
    clusters = [[by_ref[ref] for ref in cluster] for cluster in result.clusters]
    kinds = {rid: p.kind.value for rid, p in zip(ids, parties, strict=True)}
    assignment, folded, created = await _stable_ids(session, clusters, current, kinds, now)
    await golden_repo.absorb_many(session, folded, now)
    moved = [
        XrefWrite(rid, golden, "rebuild", None, {}, config.model.version, config.actor)
        for rid, golden in sorted(assignment.items())
        if current.get(rid) != golden
    ]
    await golden_repo.add_xrefs(
        session, [w for w in moved if w.source_record_id not in linked], now
    )
    await golden_repo.set_xrefs(session, [w for w in moved if w.source_record_id in linked], now)
    await decisions_repo.add_events(
        session,
        [
            EventWrite(
                "merge",
                survivor,
                absorbed,
                None,
                config.actor,
                "rebuild",
                {},
                {},
                config.model.version,
            )
            for absorbed, survivor in folded
        ],
        now,
    )
    review = _review(result, by_ref, assignment, config.model.version)
    await decisions_repo.supersede_candidates(session, ids)
    await decisions_repo.add_candidates(session, review, now)
    touched = {assignment[rid] for rid in ids} | set(current.values())
    known = dict(zip(ids, parties, strict=True))
    folded_ids = {a for a, _ in folded}
    await golden_views.refresh(
        session,
        touched - folded_ids,
        config.policy,
        now,
        known,
        members_of=await golden_repo.all_members(session, parsed=known),
        fresh=created,
    )
    return RebuildReport(
        records=len(ids),
        clusters=len(clusters),
        goldens_created=len(created),
        goldens_folded=len(folded),
        records_moved=len(moved),
        review=len(review),
        candidate_pairs=result.candidate_pairs,
        changed=frozenset(_left_or_joined(moved, current)),
    )


def _left_or_joined(moved: Sequence[XrefWrite], current: Mapping[int, int]) -> set[int]:
    """The customers a re-linked record left or joined: both views change."""
    joined = {w.golden_id for w in moved}
    return joined | {current[w.source_record_id] for w in moved if w.source_record_id in current}


async def _stable_ids(
    session: AsyncSession,
    clusters: list[list[int]],
    current: dict[int, int],
    kinds: dict[int, str],
    now: datetime,
) -> tuple[dict[int, int], list[tuple[int, int]], set[int]]:
    used: set[int] = set()
    chosen: list[int | None] = [None] * len(clusters)
    order = sorted(range(len(clusters)), key=lambda i: (-len(clusters[i]), min(clusters[i])))
    for index in order:
        votes = Counter(current[rid] for rid in clusters[index] if rid in current)
        for golden, _ in sorted(votes.items(), key=lambda item: (-item[1], item[0])):
            if golden not in used:
                chosen[index] = golden
                used.add(golden)
                break
    missing = [i for i, g in enumerate(chosen) if g is None]
    fresh = await golden_repo.create(session, [kinds[clusters[i][0]] for i in missing], now)
    for index, golden in zip(missing, fresh, strict=True):
        chosen[index] = golden
    assignment = {rid: int(chosen[i] or 0) for i, cluster in enumerate(clusters) for rid in cluster}
    received: dict[int, Counter[int]] = {}
    for rid, old in current.items():
        if rid in assignment:
            received.setdefault(old, Counter())[assignment[rid]] += 1
    folded = [
        (old, min(targets.items(), key=lambda item: (-item[1], item[0]))[0])
        for old, targets in sorted(received.items())
        if old not in used
    ]
    return assignment, folded, set(fresh)


async def _all_cannot_links(
    session: AsyncSession, ref_of: dict[int, tuple[str, str]]
) -> CannotLinks:
    rows = await session.execute(
        select(CannotLink.left_source_record_id, CannotLink.right_source_record_id)
    )
    return CannotLinks.of(
        pairs=[(ref_of[a], ref_of[b]) for a, b in rows if a in ref_of and b in ref_of]
    )


def _review(
    result: BatchResult,
    by_ref: dict[tuple[str, str], int],
    assignment: dict[int, int],
    version: str,
) -> list[CandidateWrite]:
    out: list[CandidateWrite] = []
    for decision in result.review:
        left, right = by_ref.get(decision.left), by_ref.get(decision.right)
        if left is None or right is None or assignment[left] == assignment[right]:
            continue
        out.append(
            CandidateWrite(
                left,
                assignment[right],
                right,
                decision.score.match_weight,
                decision.score.probability,
                decision.to_dict(),
                version,
            )
        )
    return out
