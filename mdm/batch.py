"""Batch matching: block, score, decide and cluster a whole set of records.

Uses the same blocking keys as the real-time path, grouped set-wise with the
same block-size caps; comparison vectors are computed once per candidate
pair and weighted with numpy; only pairs that reach POSSIBLE_MATCH (or that a
match rule may force) get a full :class:`mdm.decision.Decision`. Clustering
is :func:`mdm.clustering.cluster` with the contradiction veto.

Example:
    >>> result = cluster_records(records, load_default_model(), default_settings())
    >>> result.clusters[0]  # doctest: +SKIP
    (('callcenter', 'C-88121'), ('shop', 'M100234'))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mdm.blocking import BlockingKey, candidate_pairs, max_block_size
from mdm.clustering import (
    CannotLinks,
    Edge,
    SourceRef,
    ambiguous_edges,
    attach_exclusive,
    cluster,
)
from mdm.decision import Decision, decide_features
from mdm.features import RecordFeatures
from mdm.model import (
    Model,
    TermFrequencySource,
    frequencies_from_keys,
    scoring_table,
    tf_weight,
    usable,
)
from mdm.prepared import PreparedRecords, prepare
from mdm.records import PartyRecord
from mdm.rules import hard_cannot_link
from mdm.settings import LevelCondition, MatchSettings, Outcome, settings_hash
from mdm.training import condition_mask


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Clusters of source records and the pairs left for review.

    Attributes:
        clusters: Each cluster's (source_system, source_key) refs, sorted;
            clusters sorted by their first ref. Singletons included.
        review: POSSIBLE_MATCH pairs across clusters and MATCH pairs whose
            union the contradiction veto refused, strongest first.
        candidate_pairs: Number of blocked pairs scored.
        match_edges: Number of MATCH pairs.
    """

    clusters: tuple[tuple[SourceRef, ...], ...]
    review: tuple[Decision, ...]
    candidate_pairs: int
    match_edges: int
    settings_version: str
    settings_hash: str
    model_version: str


def pair_weights(
    features: Sequence[RecordFeatures],
    pairs: npt.NDArray[np.int64],
    gamma: npt.NDArray[np.int8],
    model: Model,
    settings: MatchSettings,
    tf: TermFrequencySource | None,
) -> npt.NDArray[np.float64]:
    """Match weight of every pair from its comparison vector (tf-adjusted)."""
    table = scoring_table(model, settings)
    tf = usable(tf)
    prior = model.prior_weight_for(tf.total) if tf is not None else table.prior_weight
    weights = np.full(len(pairs), prior)
    for c, comp in enumerate(table.compiled):
        w = np.asarray(table.weights[c])
        weights += w[gamma[:, c]]
        tf_levels = [lv for lv, key in enumerate(comp.tf_keys) if key is not None]
        if tf is None or not tf_levels:
            continue
        for row in np.flatnonzero(np.isin(gamma[:, c], tf_levels)).tolist():
            i, j = int(pairs[row, 0]), int(pairs[row, 1])
            level = int(gamma[row, c])
            tw = tf_weight(table, c, level, comp.tf_value(features[i], features[j], level), tf)
            if tw is not None:
                weights[row] += tw - w[level]
    return weights


CONTACT_KEY_TYPES = frozenset({"mobile", "phone", "email"})


def _rule_mask(gamma: npt.NDArray[np.int8], settings: MatchSettings) -> npt.NDArray[np.bool_]:
    """Pairs a match rule (or a shared valid identifier) may force to MATCH."""
    conditions = [cond for r in settings.match_rules for cond in r.all_of]
    conditions.append(LevelCondition("identifier", ("exact_valid",)))
    return condition_mask(gamma, settings, conditions)


def _mutual_best(
    pairs: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
    limit: float,
    settings: MatchSettings,
) -> list[list[int]]:
    """Pairs each of whose records has the other as its one clear best candidate.

    A weak link (at or above ``limit``) between two records that nothing else
    in the batch resembles: the best candidate of each is the other, and every
    other candidate of either scores at least ``ambiguity_margin`` lower. Such
    a pair is linked by :func:`mdm.clustering.attach_exclusive` under the same
    checks as an exclusive contact (no contradiction, no veto).
    """
    if not len(pairs):
        return []
    n = int(pairs.max()) + 1
    ends = np.concatenate([pairs[:, 0], pairs[:, 1]])
    w = np.concatenate([weights, weights])
    order = np.lexsort((-w, ends))
    ends, w = ends[order], w[order]
    first = np.ones(len(ends), dtype=bool)
    first[1:] = ends[1:] != ends[:-1]
    best = np.full(n, -np.inf)
    best[ends[first]] = w[first]
    second = np.full(n, -np.inf)
    nxt = np.flatnonzero(first) + 1
    ok = nxt < len(ends)
    nxt = nxt[ok]
    same = ends[nxt] == ends[nxt - 1]
    second[ends[nxt[same]]] = w[nxt[same]]
    margin = settings.thresholds.ambiguity_margin
    clear = np.isneginf(second) | (best - np.where(np.isneginf(second), 0.0, second) >= margin)
    i, j = pairs[:, 0], pairs[:, 1]
    hit = (
        (weights >= limit)
        & (weights < settings.thresholds.match_weight)
        & (weights == best[i])
        & (weights == best[j])
        & clear[i]
        & clear[j]
    )
    return [[int(x), int(y)] for x, y in pairs[hit].tolist()]


def cluster_records(
    records: Sequence[PartyRecord],
    model: Model,
    settings: MatchSettings,
    cannot_links: CannotLinks | None = None,
    tf: TermFrequencySource | None = None,
    prepared: PreparedRecords | None = None,
) -> BatchResult:
    """Match and cluster a batch of records.

    Args:
        records: The party records; (source_system, source_key) must be unique.
        model: The Fellegi-Sunter model.
        settings: Comparisons, blocking caps, thresholds and rules.
        cannot_links: Explicit cannot-links between source records.
        tf: Term frequencies; default: computed from ``records``.
        prepared: ``records`` prepared already (by training just before).

    Returns:
        Clusters and review pairs, with the settings and model versions used.
    """
    links = cannot_links or CannotLinks()
    prepared = prepare(records, settings, prepared)
    features = prepared.features
    refs = [f.ref for f in features]
    if len(set(refs)) != len(refs):
        raise ValueError("cluster_records: (source_system, source_key) must be unique")
    keys = prepared.keys
    tf = tf if tf is not None else frequencies_from_keys(keys, settings)
    pairs = candidate_pairs(keys, settings)
    gamma = prepared.comparison_matrix(pairs)
    weights = pair_weights(features, pairs, gamma, model, settings, tf)
    interesting = (weights >= settings.thresholds.possible_weight) | _rule_mask(gamma, settings)

    decisions: dict[tuple[int, int], Decision] = {}
    rows = np.flatnonzero(interesting)
    for (i, j), levels in zip(pairs[rows].tolist(), gamma[rows].tolist(), strict=True):
        decisions[(i, j)] = decide_features(features[i], features[j], model, settings, tf, levels)

    def decision(x: int, y: int) -> Decision:
        key = (x, y) if x < y else (y, x)
        d = decisions.get(key)
        if d is None:
            d = decide_features(features[key[0]], features[key[1]], model, settings, tf)
            decisions[key] = d
        return d

    def veto(x: int, y: int) -> bool:
        fx, fy = features[x], features[y]
        if links.forbids(fx.ref, fy.ref) or hard_cannot_link(fx, fy) is not None:
            return True
        return decision(x, y).contradiction

    edges = [
        Edge(i, j, d.score.match_weight)
        for (i, j), d in decisions.items()
        if d.outcome is Outcome.MATCH and not links.forbids(refs[i], refs[j])
    ]
    ambiguous = ambiguous_edges(
        edges,
        veto,
        settings.thresholds.ambiguity_margin,
        certain=lambda e: decision(e.i, e.j).rules.match_rule is not None,
    )
    result = cluster(len(features), [e for e in edges if e not in ambiguous], veto)
    clustered = result.clusters

    def link_ok(limit: float) -> Callable[[int, int], bool]:
        def ok(x: int, y: int) -> bool:
            if links.forbids(refs[x], refs[y]):
                return False
            d = decision(x, y)
            return d.score.match_weight >= limit and not d.contradiction

        return ok

    limit = settings.thresholds.exclusive_weight
    if limit is not None:
        holders: dict[BlockingKey, list[int]] = {}
        for i, ks in enumerate(keys):
            for k in ks:
                if k.key_type in CONTACT_KEY_TYPES:
                    holders.setdefault(k, []).append(i)
        cap = {t: max_block_size(t, settings) for t in CONTACT_KEY_TYPES}
        groups = [m for k, m in holders.items() if len(m) <= (cap[k.key_type] or len(m))]
        clustered = attach_exclusive(clustered, groups, link_ok(limit), veto)
    mutual = settings.thresholds.mutual_weight
    if mutual is not None:
        best = _mutual_best(pairs, weights, mutual, settings)
        clustered = attach_exclusive(clustered, best, link_ok(mutual), veto)
    cluster_of = {i: k for k, members in enumerate(clustered) for i in members}
    review = [
        d
        for (i, j), d in decisions.items()
        if d.outcome is Outcome.POSSIBLE_MATCH and cluster_of[i] != cluster_of[j]
    ]
    left_out = (*result.refused, *sorted(ambiguous, key=lambda e: (e.i, e.j)))
    review.extend(decision(e.i, e.j) for e in left_out if cluster_of[e.i] != cluster_of[e.j])
    review.sort(key=lambda d: (-d.score.match_weight, d.left, d.right))
    clusters = sorted(tuple(sorted(refs[i] for i in members)) for members in clustered)
    return BatchResult(
        clusters=tuple(clusters),
        review=tuple(review),
        candidate_pairs=len(pairs),
        match_edges=len(edges),
        settings_version=settings.version,
        settings_hash=settings_hash(settings),
        model_version=model.version,
    )
