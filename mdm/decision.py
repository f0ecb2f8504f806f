"""Pair decisions: MATCH, POSSIBLE_MATCH or NO_MATCH, with the explanation.

The score's match weight is compared with two thresholds from the settings;
the rules (:mod:`mdm.rules`) may force MATCH, forbid a link or cap the
outcome. A :class:`Decision` keeps everything a reviewer or an audit needs
and turns into JSON with :meth:`Decision.to_dict`.

Example:
    >>> d = decide(shop_member, call_record, load_default_model(), default_settings())
    >>> d.outcome, d.rule  # doctest: +SKIP
    (<Outcome.MATCH: 'match'>, None)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mdm.features import RecordFeatures, features_of
from mdm.model import (
    MatchScore,
    Model,
    TermFrequencySource,
    score_levels,
    score_pair,
    scoring_table,
)
from mdm.records import PartyRecord
from mdm.rules import SAME_SOURCE_CAP, RuleResult, apply_rules, live_cap_rules
from mdm.settings import OUTCOME_RANK, MatchSettings, Outcome, Thresholds, settings_hash


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision on one pair of source records."""

    left: tuple[str, str]
    right: tuple[str, str]
    outcome: Outcome
    score: MatchScore
    rules: RuleResult
    contradiction: bool
    settings_version: str
    settings_hash: str
    model_version: str

    @property
    def rule(self) -> str | None:
        """The rule that fired (forced, forbade or capped), if any."""
        return self.rules.rule

    @property
    def cannot_link(self) -> bool:
        return self.rules.cannot_link is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as stored next to a merge or a review item."""
        return {
            "left": list(self.left),
            "right": list(self.right),
            "outcome": self.outcome.value,
            "match_weight": round(self.score.match_weight, 4),
            "probability": round(self.score.probability, 6),
            "prior_weight": round(self.score.prior_weight, 4),
            "rule": self.rule,
            "strong_evidence": self.rules.strong_evidence,
            "contradiction": self.contradiction,
            "explanation": [
                {
                    "comparison": c.comparison,
                    "level": c.level,
                    "weight": c.weight,
                    "tf_adjusted": c.tf_adjusted,
                }
                for c in self.score.contributions
            ],
            "settings_version": self.settings_version,
            "settings_hash": self.settings_hash,
            "model_version": self.model_version,
        }


def outcome_for(weight: float, thresholds: Thresholds) -> Outcome:
    """The outcome a match weight reaches on its own."""
    if weight >= thresholds.match_weight:
        return Outcome.MATCH
    if weight >= thresholds.possible_weight:
        return Outcome.POSSIBLE_MATCH
    return Outcome.NO_MATCH


def combine(score: MatchScore, rules: RuleResult, thresholds: Thresholds) -> Outcome:
    """Apply the rules to the outcome of the score."""
    if rules.cannot_link is not None:
        return Outcome.NO_MATCH
    if rules.match_rule is not None:
        return Outcome.MATCH
    by_score = outcome_for(score.match_weight, thresholds)
    if OUTCOME_RANK[by_score] > OUTCOME_RANK[rules.max_outcome]:
        return rules.max_outcome
    return by_score


def is_contradiction(score: MatchScore, rules: RuleResult, thresholds: Thresholds) -> bool:
    """A veto: the records must not share a golden, not even through other records.

    A cannot-link, the same-source cap, a cap rule on a pair the score does not
    call a match on its own, or evidence (prior excluded) at or below the
    contradiction weight. A cap rule on a pair scoring a MATCH all the same (a
    name typo on records agreeing on everything else, where the data show such
    typos are common) keeps that pair from linking directly but vetoes nothing.
    """
    if rules.match_rule is not None:
        return False
    if rules.cannot_link is not None or rules.cap == SAME_SOURCE_CAP:
        return True
    if rules.veto and score.match_weight < thresholds.match_weight:
        return True
    return score.evidence_weight <= thresholds.contradiction_weight


def decide_features(
    a: RecordFeatures,
    b: RecordFeatures,
    model: Model,
    settings: MatchSettings,
    tf: TermFrequencySource | None = None,
    levels: Sequence[int] | None = None,
) -> Decision:
    """:func:`decide` on precomputed features (and comparison levels, when known)."""
    if levels is None:
        score = score_pair(a, b, model, settings, tf)
    else:
        score = score_levels(a, b, levels, scoring_table(model, settings), model, tf)
    caps = live_cap_rules(settings, model)
    rules = apply_rules(a, b, score.labels(), settings, score.match_weight, caps)
    return Decision(
        left=a.ref,
        right=b.ref,
        outcome=combine(score, rules, settings.thresholds),
        score=score,
        rules=rules,
        contradiction=is_contradiction(score, rules, settings.thresholds),
        settings_version=settings.version,
        settings_hash=settings_hash(settings),
        model_version=model.version,
    )


def decide(
    left: PartyRecord,
    right: PartyRecord,
    model: Model,
    settings: MatchSettings,
    tf: TermFrequencySource | None = None,
) -> Decision:
    """Score a pair of records and decide.

    Args:
        left: One source record.
        right: The other.
        model: The Fellegi-Sunter model (must fit ``settings``).
        settings: Comparisons, thresholds and rules.
        tf: Term frequencies for tf-adjusted levels (None: average u).

    Returns:
        The outcome with its score, the rule that fired and the explanation.
    """
    return decide_features(features_of(left), features_of(right), model, settings, tf)
