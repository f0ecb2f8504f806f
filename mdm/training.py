"""Estimating a model from the hub's own records, the way Splink does.

* u: the share of each level among random record pairs (at least
  ``settings.training.u_sample_pairs`` sampled pairs, or all pairs when
  there are fewer);
* m and λ: expectation maximisation on the blocked candidate pairs, with u
  held fixed, vectorised over integer-coded comparison vectors (identical
  vectors are collapsed and weighted by their count).

Training is deterministic for a given seed.

Example:
    >>> model = train_model(records, default_settings(), seed=7)  # doctest: +SKIP
    >>> model.parameters("phone").m
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from mdm.blocking import candidate_pairs
from mdm.comparison_matrix import comparison_matrix
from mdm.comparisons import CompiledComparison, compile_settings
from mdm.features import RecordFeatures
from mdm.model import ComparisonParameters, Model, load_default_model
from mdm.prepared import PreparedRecords, prepare
from mdm.records import PartyRecord
from mdm.settings import LevelCondition, MatchSettings, settings_hash

__all__ = ["comparison_matrix", "train_model"]

IntArray = npt.NDArray[np.int64]
# The smallest tf scale: even a value seen only on one party's records keeps
# some chance of agreeing by accident.
TF_SCALE_FLOOR = 0.01
FloatArray = npt.NDArray[np.float64]


def sample_pairs(n: int, count: int, rng: np.random.Generator) -> IntArray:
    """``count`` random pairs (i != j) of ``n`` records, or all pairs when fewer exist."""
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    total = n * (n - 1) // 2
    if total <= count:
        left, right = np.triu_indices(n, k=1)
        return np.stack([left, right], axis=1).astype(np.int64)
    i = rng.integers(0, n, size=count, dtype=np.int64)
    j = rng.integers(0, n - 1, size=count, dtype=np.int64)
    j = j + (j >= i)
    return np.stack([np.minimum(i, j), np.maximum(i, j)], axis=1)


def level_shares(
    gamma: npt.NDArray[np.integer[Any]],
    n_levels: Sequence[int],
    null_levels: Sequence[int | None],
    weights: FloatArray | None = None,
    prior: Sequence[FloatArray] | None = None,
    prior_strength: float = 1.0,
) -> list[FloatArray]:
    """Share of each non-null level per comparison.

    With ``prior``, ``prior_strength`` pseudo-pairs distributed as the prior
    are added: a level never observed keeps a small prior share instead of
    zero, and a comparison without any non-null pair keeps the prior.
    """
    shares = []
    for c, n_lv in enumerate(n_levels):
        raw = np.bincount(gamma[:, c].astype(np.int64), weights=weights, minlength=n_lv)
        counts = raw.astype(np.float64)
        null = null_levels[c]
        if prior is not None:
            p = np.asarray(prior[c], dtype=np.float64).copy()
            if null is not None:
                p[null] = 0.0
            counts = counts + prior_strength * p / max(p.sum(), 1e-300)
        if null is not None:
            counts[null] = 0.0
        total = counts.sum()
        share = counts / total if total > 0 else np.full(n_lv, 1.0 / n_lv)
        if null is not None:
            share[null] = 1.0
        shares.append(share)
    return shares


def condition_mask(
    gamma: npt.NDArray[np.int8], settings: MatchSettings, conditions: Sequence[LevelCondition]
) -> npt.NDArray[np.bool_]:
    """Pairs whose comparison vector meets any one of ``conditions``."""
    names = [c.name for c in settings.comparisons]
    mask = np.zeros(len(gamma), dtype=bool)
    for cond in conditions:
        if cond.comparison not in names:
            continue
        c = names.index(cond.comparison)
        labels = settings.comparisons[c].labels
        levels = [labels.index(lb) for lb in cond.labels if lb in labels]
        mask |= np.isin(gamma[:, c], levels)
    return mask


def known_non_matches(
    features: Sequence[RecordFeatures],
    pairs: IntArray,
    gamma: npt.NDArray[np.int8],
    settings: MatchSettings,
) -> npt.NDArray[np.bool_]:
    """Pairs the rules forbid or cap: a person and an organisation, different
    valid identifiers, or all conditions of a cap rule (a name conflict)."""
    kinds = np.asarray([f.kind == features[0].kind for f in features], dtype=bool)
    mask = kinds[pairs[:, 0]] != kinds[pairs[:, 1]] if len(pairs) else np.zeros(0, dtype=bool)
    mask = mask | condition_mask(
        gamma, settings, [LevelCondition("identifier", ("different_valid",))]
    )
    for rule in settings.cap_rules:
        hit = np.ones(len(gamma), dtype=bool)
        for cond in rule.all_of:
            hit &= condition_mask(gamma, settings, [cond])
        if rule.unless:
            spared = np.ones(len(gamma), dtype=bool)
            for cond in rule.unless:
                spared &= condition_mask(gamma, settings, [cond])
            hit &= ~spared
        mask |= hit
    return mask


def known_matches(gamma: npt.NDArray[np.int8], settings: MatchSettings) -> npt.NDArray[np.bool_]:
    """Pairs a match rule forces (the same unionid, the same valid identifier)."""
    mask = condition_mask(gamma, settings, [LevelCondition("identifier", ("exact_valid",))])
    for rule in settings.match_rules:
        hit = np.ones(len(gamma), dtype=bool)
        for cond in rule.all_of:
            hit &= condition_mask(gamma, settings, [cond])
        mask |= hit
    return mask


# Splink-style EM sessions: pairs blocked on some keys say nothing about the
# comparisons of those keys (blocked on a mobile, every pair shares a phone),
# so each session learns m only for the comparisons its blocking is blind to.
# Every comparison is seen by at least one session that does not block on it,
# and every session keeps several informative comparisons (EM on a single
# one cannot tell matches from agreement on it).
_CONTACT_KEYS = frozenset(
    {"mobile", "phone", "email", "unionid", "resident_id", "credit_code", "passport"}
    | {"member_id", "erp_customer", "openid", "other_id"}
)
_CONTACTS = frozenset({"phones", "emails", "unionids", "identifiers", "accounts"})
EM_SESSIONS: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (_CONTACT_KEYS, _CONTACTS),
    (
        frozenset({"name_initials", "name_pinyin", "name_sorted", "org_token"}),
        frozenset({"names", "org_name"}),
    ),
    (frozenset({"birth_date", "birth_surname", "birth_given"}), frozenset({"names", "birth_date"})),
    (
        frozenset({"address", "name_district", "name_postcode", "given_postcode"}),
        frozenset({"names", "addresses"}),
    ),
)


def match_share(
    gamma: npt.NDArray[np.int8],
    m: Sequence[FloatArray],
    u: Sequence[FloatArray],
    null_levels: Sequence[int | None],
    non_match: npt.NDArray[np.bool_],
    lambda_start: float = 0.1,
    iterations: int = 10,
) -> float:
    """Share of matches among pairs, by EM on λ alone (m and u fixed)."""
    log_bf = np.zeros(len(gamma))
    for c in range(gamma.shape[1]):
        lbf = np.log(np.maximum(m[c], 1e-300)) - np.log(np.maximum(u[c], 1e-300))
        if null_levels[c] is not None:
            lbf[null_levels[c]] = 0.0
        log_bf += lbf[gamma[:, c]]
    lam = lambda_start
    for _ in range(iterations):
        logit = np.log(lam) - np.log1p(-lam) + log_bf
        post = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        post[non_match] = 0.0
        lam = float(min(max(post.mean(), 1e-9), 1 - 1e-9))
    return lam


def unique_rows(
    rows: npt.NDArray[np.int16],
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.intp]]:
    """``np.unique(rows, axis=0, return_counts=True)``, same order, several times faster.

    Each row of small non-negative levels becomes one mixed-radix integer (the
    first column most significant, so sorting the codes sorts the rows), and
    the 1-D unique sorts integers instead of byte strings.
    """
    if not rows.size or rows.min() < 0:
        unique, counts = np.unique(rows, axis=0, return_counts=True)
        return unique, counts
    radices = rows.max(axis=0).astype(np.int64) + 1
    if float(np.prod(radices.astype(np.float64))) >= 2.0**62:
        unique, counts = np.unique(rows, axis=0, return_counts=True)
        return unique, counts
    codes = np.zeros(len(rows), dtype=np.int64)
    for column, radix in zip(rows.T, radices, strict=True):
        codes = codes * radix + column
    _, first, counts = np.unique(codes, return_index=True, return_counts=True)
    return rows[first], counts


@dataclass(frozen=True, slots=True)
class EMResult:
    m: list[FloatArray]
    lambda_: float
    iterations: int
    converged: bool


def expectation_maximisation(
    gamma: npt.NDArray[np.int8],
    u: Sequence[FloatArray],
    m_start: Sequence[FloatArray],
    lambda_start: float,
    null_levels: Sequence[int | None],
    max_iterations: int = 25,
    tolerance: float = 1e-4,
    floor: float = 1e-6,
    non_match: npt.NDArray[np.bool_] | None = None,
    prior_strength: float = 0.0,
) -> EMResult:
    """Fit m and λ on comparison vectors with u fixed.

    Args:
        gamma: ``(n_pairs, n_comp)`` level indices.
        u: Per comparison, u of each level (fixed).
        m_start: Per comparison, starting m of each level.
        lambda_start: Starting share of matches among the pairs.
        null_levels: Per comparison, the null level index (adds no evidence).
        max_iterations: Upper bound on EM iterations.
        tolerance: Stop when no m or λ moves more than this.
        floor: Smallest m kept for a level.
        non_match: Pairs known not to match (the rules forbid or cap them):
            their match posterior is held at zero.
        prior_strength: Pseudo-pairs pulling m towards ``m_start`` (keeps
            the prior for comparisons the data hardly shows).
    """
    fixed = np.zeros(len(gamma), dtype=bool) if non_match is None else non_match
    coded = np.concatenate([gamma.astype(np.int16), fixed[:, None].astype(np.int16)], axis=1)
    rows, counts = unique_rows(coded)
    patterns = rows[:, :-1]
    known_non_match = rows[:, -1].astype(bool)
    weights = counts.astype(np.float64)
    n_comp = gamma.shape[1]
    log_u = np.zeros(len(patterns))
    for c in range(n_comp):
        lu = np.log(np.maximum(u[c], 1e-300))
        if null_levels[c] is not None:
            lu[null_levels[c]] = 0.0
        log_u += lu[patterns[:, c]]
    m = [np.asarray(x, dtype=np.float64).copy() for x in m_start]
    lam = float(lambda_start)
    n_levels = [len(x) for x in m]
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007
        log_m = np.zeros(len(patterns))
        for c in range(n_comp):
            lm = np.log(np.maximum(m[c], 1e-300))
            if null_levels[c] is not None:
                lm[null_levels[c]] = 0.0
            log_m += lm[patterns[:, c]]
        logit = np.log(lam) - np.log1p(-lam) + log_m - log_u
        post = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        post[known_non_match] = 0.0
        wpost = post * weights
        new_lam = float(wpost.sum() / weights.sum())
        new_m = level_shares(patterns, n_levels, null_levels, wpost, m_start, prior_strength)
        for c, share in enumerate(new_m):
            null = null_levels[c]
            mask = np.ones(len(share), dtype=bool)
            if null is not None:
                mask[null] = False
            share[mask] = np.maximum(share[mask], floor)
            share[mask] /= share[mask].sum()
        moves = [float(np.max(np.abs(a - b))) for a, b in zip(new_m, m, strict=True)]
        delta = max(abs(new_lam - lam), *moves)
        m, lam = new_m, min(max(new_lam, 1e-9), 1 - 1e-9)
        if delta < tolerance:
            converged = True
            break
    return EMResult(m, lam, iteration, converged)


def train_model(
    records: Sequence[PartyRecord],
    settings: MatchSettings,
    seed: int = 0,
    start: Model | None = None,
    trained_at: datetime | None = None,
    prepared: PreparedRecords | None = None,
) -> Model:
    """Estimate u from random pairs and m, λ by EM on blocked pairs.

    Args:
        records: All party records of the hub (or a large sample).
        settings: Comparisons and blocking caps; the model is tied to their hash.
        seed: Seed of the random pair sample; same records + seed, same model.
        start: Starting m (default: the shipped prior model, when it fits).
        trained_at: Timestamp to record (default: now, UTC).
        prepared: ``records`` prepared already (features, keys, compared
            pairs), to share with a rebuild that follows.

    Returns:
        A model whose prior λ is the share of matching pairs among *all* pairs
        (EM's share among blocked pairs scaled by the number of blocked pairs).
    """
    prepared = prepare(records, settings, prepared)
    features = prepared.features
    compiled = compile_settings(settings)
    n_levels = [len(c.labels) for c in compiled]
    nulls = [c.null_level for c in compiled]
    rng = np.random.default_rng(seed)
    n = len(features)

    start_model = start or load_default_model()
    m_start = _start_param(start_model, settings, n_levels, nulls, "m")
    u_prior = _start_param(start_model, settings, n_levels, nulls, "u")
    random_pairs = sample_pairs(n, settings.training.u_sample_pairs, rng)
    gamma_random = comparison_matrix(features, random_pairs, settings)
    random_known = known_non_matches(features, random_pairs, gamma_random, settings)
    random_matches = known_matches(gamma_random, settings) & ~random_known
    seen = [
        int((gamma_random[:, k] != nulls[k]).sum()) if nulls[k] is not None else len(gamma_random)
        for k in range(len(n_levels))
    ]
    u_raw = _floored(level_shares(gamma_random, n_levels, nulls, None, u_prior), seen, nulls)

    blocked, blocked_gamma, blocked_known, sessions = _em_sessions(prepared, settings, nulls)
    total_pairs = max(n * (n - 1) // 2, 1)
    u = u_raw
    m, lam, iterations = m_start, 1e-5, 0
    for round_ in range(settings.training.u_correction_rounds + 1):
        if round_:
            # Random pairs hold a few true matches (a person's records share a
            # mobile): weigh each by its probability of being a non-match, so
            # u is the chance agreement of *different* parties.
            post = posterior(gamma_random, m, u, lam, nulls)
            post[random_known] = 0.0
            post[random_matches] = 1.0
            u = _floored(
                level_shares(gamma_random, n_levels, nulls, 1.0 - post, u_prior), seen, nulls
            )
        m, iterations = _fit_m(sessions, u, m_start, nulls, settings)
        if len(blocked):
            share = match_share(blocked_gamma, m, u, nulls, blocked_known)
            lam = min(max(share * len(blocked) / total_pairs, 1e-12), 0.5)
    scales = _tf_scales(compiled, u, u_raw)
    params = tuple(
        ComparisonParameters(
            c.name,
            c.labels,
            tuple(float(f"{x:.6g}") for x in m[k]),
            tuple(float(f"{x:.6g}") for x in u[k]),
            scales[k],
        )
        for k, c in enumerate(compiled)
    )
    digest = hashlib.sha256(
        json.dumps([lam, [(p.m, p.u, p.tf_scale) for p in params]]).encode()
    ).hexdigest()[:10]
    return Model(
        version=f"trained-{digest}",
        settings_version=settings.version,
        settings_hash=settings_hash(settings),
        lambda_=lam,
        comparisons=params,
        trained_at=(trained_at or datetime.now(UTC)).isoformat(),
        record_count=n,
        em_iterations=iterations,
        source_counts=tuple(sorted(Counter(r.source_system for r in records).items())),
    )


@dataclass(frozen=True, slots=True)
class _Session:
    gamma: npt.NDArray[np.int8]  # with the comparisons the blocking decides set to null
    non_match: npt.NDArray[np.bool_]
    estimated: tuple[int, ...]  # comparisons whose m this session learns


def _em_sessions(
    prepared: PreparedRecords,
    settings: MatchSettings,
    nulls: Sequence[int | None],
) -> tuple[IntArray, npt.NDArray[np.int8], npt.NDArray[np.bool_], list[_Session]]:
    """The union of the sessions' blocked pairs with their comparison vectors
    (computed once) and, per session, its rows with the blocked comparisons blinded."""
    features, keys = prepared.features, prepared.keys
    n = len(features)
    per_session = []
    for key_types, excluded in EM_SESSIONS:
        pairs = candidate_pairs(
            [frozenset(k for k in ks if k.key_type in key_types) for ks in keys], settings
        )
        if len(pairs):
            per_session.append((pairs[:, 0] * n + pairs[:, 1], excluded))
    if not per_session:
        empty = np.zeros((0, 2), dtype=np.int64)
        return empty, np.zeros((0, len(settings.comparisons)), np.int8), np.zeros(0, bool), []
    codes = np.unique(np.concatenate([c for c, _ in per_session]))
    blocked = np.stack([codes // n, codes % n], axis=1)
    gamma = prepared.comparison_matrix(blocked)
    known = known_non_matches(features, blocked, gamma, settings)
    sessions = []
    for session_codes, excluded in per_session:
        rows = np.searchsorted(codes, session_codes)
        blind = gamma[rows].copy()
        estimated = []
        for k, c in enumerate(settings.comparisons):
            null = nulls[k]
            if c.attribute in excluded and null is not None:
                blind[:, k] = null
            else:
                estimated.append(k)
        sessions.append(_Session(blind, known[rows], tuple(estimated)))
    return blocked, gamma, known, sessions


def _fit_m(
    sessions: Sequence[_Session],
    u: Sequence[FloatArray],
    m_start: Sequence[FloatArray],
    nulls: Sequence[int | None],
    settings: MatchSettings,
) -> tuple[list[FloatArray], int]:
    """m per comparison: over the EM sessions that can see it, the mean
    weighted by how many matches each session saw with a value to compare
    (pooling the sessions' counts rather than trusting a small one as much
    as a large one)."""
    m_sum = [np.zeros(len(x)) for x in m_start]
    m_seen = [0.0] * len(m_start)
    iterations = 0
    for session in sessions:
        em = expectation_maximisation(
            session.gamma,
            u,
            m_start,
            0.1,
            nulls,
            settings.training.em_max_iterations,
            settings.training.em_tolerance,
            settings.training.probability_floor,
            session.non_match,
            prior_strength=5.0,
        )
        iterations = max(iterations, em.iterations)
        post = posterior(session.gamma, em.m, u, em.lambda_, nulls)
        post[session.non_match] = 0.0
        for k in session.estimated:
            seen = post if nulls[k] is None else post * (session.gamma[:, k] != nulls[k])
            weight = float(seen.sum())
            m_sum[k] += em.m[k] * weight
            m_seen[k] += weight
    m = [m_sum[k] / m_seen[k] if m_seen[k] else m_start[k] for k in range(len(m_start))]
    return m, iterations


def posterior(
    gamma: npt.NDArray[np.int8],
    m: Sequence[FloatArray],
    u: Sequence[FloatArray],
    lambda_: float,
    null_levels: Sequence[int | None],
) -> FloatArray:
    """Probability that each pair (by its comparison vector) is a match."""
    logit = np.full(len(gamma), np.log(lambda_) - np.log1p(-lambda_))
    for c in range(gamma.shape[1]):
        lbf = np.log(np.maximum(m[c], 1e-300)) - np.log(np.maximum(u[c], 1e-300))
        if null_levels[c] is not None:
            lbf[null_levels[c]] = 0.0
        logit += lbf[gamma[:, c]]
    result: FloatArray = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
    return result


def _floored(
    shares: list[FloatArray], seen: Sequence[int], nulls: Sequence[int | None]
) -> list[FloatArray]:
    """No level rarer than half an observation among the random pairs that
    could show it: a level never seen by chance is rare, not impossible, and
    its weight must not outgrow what the sample can tell."""
    out = []
    for share, n, null in zip(shares, seen, nulls, strict=True):
        floor = 0.5 / max(n, 1)
        s = share.copy()
        nonnull = np.ones(len(s), dtype=bool)
        if null is not None:
            nonnull[null] = False
        s[nonnull] = np.maximum(s[nonnull], floor)
        total = s[nonnull].sum()
        if total > 0:
            s[nonnull] /= total
        out.append(s)
    return out


def _tf_scales(
    compiled: Sequence[CompiledComparison], u: Sequence[FloatArray], u_raw: Sequence[FloatArray]
) -> list[tuple[float, ...]]:
    """Per tf-adjusted level, corrected u over the raw share of agreeing random pairs."""
    out: list[tuple[float, ...]] = []
    for k, comp in enumerate(compiled):
        if all(key is None for key in comp.tf_keys):
            out.append(())
            continue
        out.append(
            tuple(
                float(f"{min(1.0, max(TF_SCALE_FLOOR, u[k][i] / max(u_raw[k][i], 1e-300))):.6g}")
                if key is not None
                else 1.0
                for i, key in enumerate(comp.tf_keys)
            )
        )
    return out


def _start_param(
    model: Model,
    settings: MatchSettings,
    n_levels: Sequence[int],
    nulls: Sequence[int | None],
    which: str,
) -> list[FloatArray]:
    """m or u of the start model per comparison, normalised over non-null levels."""
    out = []
    for k, c in enumerate(settings.comparisons):
        try:
            p = model.parameters(c.name)
            ok = p.labels == c.labels
        except KeyError:
            ok = False
        if ok:
            values = np.asarray(p.m if which == "m" else p.u, dtype=np.float64)
        elif which == "m":  # a comparison the start model does not know: favour agreement
            values = np.linspace(2.0, 1.0, n_levels[k])
        else:
            values = np.linspace(1.0, 2.0, n_levels[k])
        null = nulls[k]
        mask = np.ones(n_levels[k], dtype=bool)
        if null is not None:
            mask[null] = False
            values[null] = 1.0
        values[mask] = values[mask] / values[mask].sum()
        out.append(values)
    return out
