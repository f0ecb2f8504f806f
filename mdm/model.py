"""Fellegi-Sunter model: m/u per comparison level, term frequencies, pair scores.

A :class:`Model` is a versioned value: the m and u probability of every level
of every comparison, the prior probability that two random records match
(λ), and where it came from (settings hash, training time, record count). It
serialises to JSON; the shipped prior lives in ``mdm/default_model.toml``.

Scoring a pair sums, over comparisons, ``log2(m/u)`` of the level the pair
falls into (null levels add nothing) plus the prior ``log2(λ/(1-λ))``. For
term-frequency adjusted levels the u is the frequency of the agreeing value
(a landline shared by 40 callers is weak evidence, a rare one strong).

Example:
    >>> model = load_default_model()
    >>> score = score_pair(features_of(a), features_of(b), model, settings)  # doctest: +SKIP
    >>> score.match_weight, [(c.comparison, c.level) for c in score.contributions]
"""

from __future__ import annotations

import json
import math
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

from mdm.blocking import BlockingKey, keys_of_features
from mdm.comparisons import CompiledComparison, compile_settings
from mdm.features import RecordFeatures, features_of
from mdm.records import PartyRecord
from mdm.settings import MatchSettings, default_settings, settings_hash

MODEL_FORMAT = 1
# Below this many records, value counts say little about how common a value is
# (in a batch of two records every value is "shared by half of them"): term
# frequencies and the prior rescaling are then not applied.
MIN_TF_TOTAL = 1000
WEIGHT_LIMIT = 40.0
_FLOOR = 1e-9


@dataclass(frozen=True, slots=True)
class ComparisonParameters:
    """m and u of each level of one comparison (null levels carry no weight)."""

    name: str
    labels: tuple[str, ...]
    m: tuple[float, ...]
    u: tuple[float, ...]
    # Per level, the factor turning a value's share among records into its u:
    # a value's count includes the other records of the same party (a person's
    # mobile on her three records), which are matches, not chance agreements.
    # Training measures it as u / (share of random pairs agreeing); () is 1.0.
    tf_scale: tuple[float, ...] = ()

    def scale(self, level: int) -> float:
        return self.tf_scale[level] if self.tf_scale else 1.0


@dataclass(frozen=True, slots=True)
class Model:
    """A versioned Fellegi-Sunter model for one settings hash."""

    version: str
    settings_version: str
    settings_hash: str
    lambda_: float  # probability that two random records match
    comparisons: tuple[ComparisonParameters, ...]
    trained_at: str | None = None  # ISO 8601, None for the shipped prior
    record_count: int = 0
    em_iterations: int = 0
    # (source system, records) it learned from, sorted; () for the prior and for
    # models saved before this was kept.
    source_counts: tuple[tuple[str, int], ...] = ()

    def parameters(self, name: str) -> ComparisonParameters:
        for c in self.comparisons:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def prior_weight(self) -> float:
        return math.log2(self.lambda_ / (1.0 - self.lambda_))

    def prior_weight_for(self, total: int | None) -> float:
        """The prior for a hub of ``total`` records.

        λ falls as the hub grows (each record has about the same number of
        matches whatever the size), so λ is rescaled from ``record_count``
        to ``total``; this keeps it consistent with term frequencies, whose u
        also shrinks as 1/total.
        """
        if not total or total < MIN_TF_TOTAL or self.record_count <= 0:
            return self.prior_weight
        lam = min(max(self.lambda_ * self.record_count / total, 1e-15), 0.5)
        return math.log2(lam / (1.0 - lam))


# --- term frequencies --------------------------------------------------------------------


class TermFrequencySource(Protocol):
    """Anything that knows how common a value of a key type is among records.

    ``total`` is the number of records the counts are taken over (the hub's
    size); the model's prior is scaled to it.
    """

    @property
    def total(self) -> int: ...

    def frequency(self, key_type: str, value: str) -> float | None:
        """Share of records holding ``value`` under ``key_type``; None if unknown."""
        ...


@dataclass(frozen=True, slots=True)
class TermFrequencies:
    """Value counts per key type plus the record total.

    Built set-wise in batch by :func:`term_frequencies`, or by the service from
    the counts it looked up in the blocking-key table
    (``TermFrequencies(total, {"phone": {"+862162345678": 40}})``). Counts
    include the records being scored (the service adds the incoming record
    when it is not stored yet); the frequency used as u is the share of the
    *other* records holding the value, ``(count - 1) / total``, at least
    ``1 / total``.
    """

    total: int
    counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def frequency(self, key_type: str, value: str) -> float | None:
        count = self.counts.get(key_type, {}).get(value)
        if not count or self.total <= 0:
            return None
        return min(1.0, max(count - 1, 1) / self.total)


def tf_key_types(settings: MatchSettings) -> frozenset[str]:
    """The key types any level of ``settings`` is term-frequency adjusted on."""
    return frozenset(
        lv.tf_key for c in settings.comparisons for lv in c.levels if lv.tf_key is not None
    )


def term_frequencies(
    records: Iterable[PartyRecord | RecordFeatures], settings: MatchSettings | None = None
) -> TermFrequencies:
    """Count, per tf key type of ``settings`` (default settings when None), how
    many records hold each value."""
    return frequencies_from_keys(
        (keys_of_features(r if isinstance(r, RecordFeatures) else features_of(r)) for r in records),
        settings,
    )


def frequencies_from_keys(
    keys_per_record: Iterable[frozenset[BlockingKey]], settings: MatchSettings | None = None
) -> TermFrequencies:
    """:func:`term_frequencies` from blocking keys already computed per record."""
    wanted = tf_key_types(settings or default_settings())
    counts: dict[str, Counter[str]] = {k: Counter() for k in wanted}
    total = 0
    for keys in keys_per_record:
        total += 1
        for key in keys:
            if key.key_type in wanted:
                counts[key.key_type][key.value] += 1
    return TermFrequencies(total, {k: dict(v) for k, v in counts.items()})


# --- scoring -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contribution:
    """How one comparison moved the match weight."""

    comparison: str
    level: str
    weight: float
    tf_adjusted: bool = False


@dataclass(frozen=True, slots=True)
class MatchScore:
    """Total match weight (log2 Bayes factor incl. prior), probability, contributions."""

    match_weight: float
    probability: float
    prior_weight: float
    contributions: tuple[Contribution, ...]
    levels: tuple[int, ...]

    @property
    def evidence_weight(self) -> float:
        """The weight without the prior: what the two records say."""
        return self.match_weight - self.prior_weight

    def labels(self) -> dict[str, str]:
        return {c.comparison: c.level for c in self.contributions}


def probability(weight: float) -> float:
    """Match probability for a match weight."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    bf = math.pow(2.0, weight)
    return bf / (1.0 + bf)


@dataclass(frozen=True, slots=True)
class ScoringTable:
    """Per level weights and m of a model compiled against its settings."""

    compiled: tuple[CompiledComparison, ...]
    weights: tuple[tuple[float, ...], ...]
    m: tuple[tuple[float, ...], ...]
    prior_weight: float
    tf_scale: tuple[tuple[float, ...], ...] = ()


def _weight(m: float, u: float) -> float:
    w = math.log2(max(float(m), _FLOOR) / max(float(u), _FLOOR))
    return float(max(-WEIGHT_LIMIT, min(WEIGHT_LIMIT, w)))


def build_table(model: Model, settings: MatchSettings) -> ScoringTable:
    """Check ``model`` fits ``settings`` and precompute level weights."""
    compiled = compile_settings(settings)
    weights, ms, scales = [], [], []
    for comp in compiled:
        try:
            p = model.parameters(comp.name)
        except KeyError:
            raise ValueError(f"model {model.version} has no comparison {comp.name!r}") from None
        if p.labels != comp.labels:
            raise ValueError(
                f"model {model.version}: levels of {comp.name!r} differ from settings "
                f"{settings.version} ({p.labels} != {comp.labels})"
            )
        weights.append(
            tuple(
                0.0 if i == comp.null_level else _weight(m, u)
                for i, (m, u) in enumerate(zip(p.m, p.u, strict=True))
            )
        )
        ms.append(p.m)
        scales.append(tuple(p.scale(i) for i in range(len(p.m))))
    return ScoringTable(compiled, tuple(weights), tuple(ms), model.prior_weight, tuple(scales))


_tables: dict[tuple[int, int], tuple[Model, MatchSettings, ScoringTable]] = {}


def scoring_table(model: Model, settings: MatchSettings) -> ScoringTable:
    """:func:`build_table`, cached by the identity of model and settings."""
    key = (id(model), id(settings))
    hit = _tables.get(key)
    if hit is not None and hit[0] is model and hit[1] is settings:
        return hit[2]
    table = build_table(model, settings)
    if len(_tables) > 32:
        _tables.clear()
    _tables[key] = (model, settings, table)
    return table


def usable(tf: TermFrequencySource | None) -> TermFrequencySource | None:
    """``tf`` when it covers enough records (:data:`MIN_TF_TOTAL`) to be trusted."""
    return tf if tf is not None and tf.total >= MIN_TF_TOTAL else None


def tf_weight(
    table: ScoringTable, index: int, level: int, value: str | None, tf: TermFrequencySource | None
) -> float | None:
    """The tf-adjusted weight of a level for ``value``, or None to keep the average."""
    comp = table.compiled[index]
    key = comp.tf_keys[level]
    if key is None or tf is None or value is None:
        return None
    freq = tf.frequency(key, value)
    if freq is None:
        return None
    scale = table.tf_scale[index][level] if table.tf_scale else 1.0
    return _weight(table.m[index][level], freq * scale)


def score_pair(
    a: RecordFeatures,
    b: RecordFeatures,
    model: Model,
    settings: MatchSettings,
    tf: TermFrequencySource | None = None,
) -> MatchScore:
    """Score one pair of records (as features).

    Args:
        a: Features of one record (see :func:`mdm.features.features_of`).
        b: Features of the other.
        model: m/u parameters; must fit ``settings``.
        settings: The comparisons to evaluate.
        tf: Term frequencies for tf-adjusted levels; None uses average u.

    Returns:
        The total weight, probability and per-comparison contributions.
    """
    table = scoring_table(model, settings)
    return score_levels(a, b, tuple(c.level_of(a, b) for c in table.compiled), table, model, tf)


def score_levels(
    a: RecordFeatures,
    b: RecordFeatures,
    levels: Sequence[int],
    table: ScoringTable,
    model: Model,
    tf: TermFrequencySource | None = None,
) -> MatchScore:
    """:func:`score_pair` for a pair whose comparison levels are already known
    (batch mode computes them column-wise for all candidate pairs)."""
    tf = usable(tf)
    prior = model.prior_weight_for(tf.total) if tf is not None else table.prior_weight
    total = prior
    contributions = []
    for index, comp in enumerate(table.compiled):
        level = int(levels[index])
        w = table.weights[index][level]
        adjusted = False
        if tf is not None and comp.tf_keys[level] is not None:
            tw = tf_weight(table, index, level, comp.tf_value(a, b, level), tf)
            if tw is not None:
                w, adjusted = tw, True
        total += w
        contributions.append(Contribution(comp.name, comp.labels[level], round(w, 4), adjusted))
    return MatchScore(
        total, probability(total), prior, tuple(contributions), tuple(int(x) for x in levels)
    )


# --- serialisation -----------------------------------------------------------------------


def model_to_dict(model: Model) -> dict[str, Any]:
    """A JSON-ready dict of ``model``."""
    return {
        "format": MODEL_FORMAT,
        "version": model.version,
        "settings_version": model.settings_version,
        "settings_hash": model.settings_hash,
        "lambda": model.lambda_,
        "trained_at": model.trained_at,
        "record_count": model.record_count,
        "em_iterations": model.em_iterations,
        "source_counts": dict(model.source_counts),
        "comparisons": {c.name: _parameters_to_dict(c) for c in model.comparisons},
    }


def _parameters_to_dict(c: ComparisonParameters) -> dict[str, Any]:
    d: dict[str, Any] = {"labels": list(c.labels), "m": list(c.m), "u": list(c.u)}
    if c.tf_scale:
        d["tf_scale"] = list(c.tf_scale)
    return d


def model_from_dict(data: Mapping[str, Any]) -> Model:
    """Inverse of :func:`model_to_dict` (also reads the TOML default model)."""
    return Model(
        version=str(data["version"]),
        settings_version=str(data["settings_version"]),
        settings_hash=str(data["settings_hash"]),
        lambda_=float(data["lambda"]),
        comparisons=tuple(
            ComparisonParameters(
                name,
                tuple(c["labels"]),
                tuple(float(x) for x in c["m"]),
                tuple(float(x) for x in c["u"]),
                tuple(float(x) for x in c.get("tf_scale", ())),
            )
            for name, c in data["comparisons"].items()
        ),
        trained_at=data.get("trained_at") or None,
        record_count=int(data.get("record_count", 0)),
        em_iterations=int(data.get("em_iterations", 0)),
        source_counts=tuple(
            sorted((str(s), int(n)) for s, n in dict(data.get("source_counts") or {}).items())
        ),
    )


def model_to_json(model: Model) -> str:
    """JSON text of ``model``."""
    return json.dumps(model_to_dict(model), ensure_ascii=False, indent=2)


def model_from_json(text: str) -> Model:
    """Load a model saved by :func:`model_to_json`."""
    return model_from_dict(json.loads(text))


def load_default_model() -> Model:
    """The shipped prior model (``mdm/default_model.toml``), not fitted to any data set."""
    text = resources.files("mdm").joinpath("default_model.toml").read_text(encoding="utf-8")
    return model_from_dict(tomllib.loads(text))


def check_model(model: Model, settings: MatchSettings) -> list[str]:
    """Problems that make ``model`` unfit for ``settings`` (empty when fine)."""
    problems = []
    if model.settings_hash != settings_hash(settings):
        problems.append(
            f"model {model.version} was built for settings hash {model.settings_hash}, "
            f"not {settings_hash(settings)}"
        )
    try:
        build_table(model, settings)
    except ValueError as exc:
        problems.append(str(exc))
    return problems
