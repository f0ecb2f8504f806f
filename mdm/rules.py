"""Rules on top of the score: what no weight can override.

Applied to every scored pair, in this order:

1. a person and an organisation never merge (cannot-link);
2. two different valid resident IDs, or credit codes, never link (cannot-link);
3. the same valid resident ID or credit code is the same party (MATCH);
4. the settings' ``match_rules`` (e.g. the same WeChat unionid) give MATCH;
5. two records of one strong-only source system (shop members, ERP
   customers, WeChat openids) merge directly only on *strong evidence*, a
   settings ``strong_evidence`` rule such as a valid identifier, a unionid or
   an exact email together with the name, or on a score at or above
   ``thresholds.same_source_weight`` (a person who registered twice with the
   same name, mobile and birthday); without it the pair is capped at
   POSSIBLE_MATCH (two accounts of one household share a mobile and an
   address: the source keeping them apart is itself evidence);
6. the settings' ``cap_rules`` cap the outcome (a name conflict: at most
   POSSIBLE_MATCH; a name and birth-date conflict: NO_MATCH), unless the
   model shows the conflict is common among one party's records
   (:func:`live_cap_rules`).

A cannot-link or any cap is a *veto* for clustering: no chain of other links
may put the two records into one golden record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mdm.features import RecordFeatures
from mdm.model import Model
from mdm.settings import (
    OUTCOME_RANK,
    CapRule,
    EvidenceRule,
    LevelCondition,
    MatchSettings,
    Outcome,
    SourceMode,
)

_HARD_ID_KINDS = (("resident_id", "resident_id"), ("credit_code", "credit_code"))


@dataclass(frozen=True, slots=True)
class RuleResult:
    """What the rules say about one pair.

    Attributes:
        match_rule: Name of the rule that forces MATCH, if any.
        cannot_link: Name of the hard rule that forbids linking, if any.
        cap: Name of the rule that capped the outcome, if any.
        max_outcome: The best outcome the score may still reach.
        strong_evidence: Name of the strong-evidence rule that held, if any.
    """

    match_rule: str | None = None
    cannot_link: str | None = None
    cap: str | None = None
    max_outcome: Outcome = Outcome.MATCH
    strong_evidence: str | None = None

    @property
    def rule(self) -> str | None:
        """The rule that decided or limited the outcome (for explanations)."""
        return self.cannot_link or self.match_rule or self.cap

    @property
    def veto(self) -> bool:
        """True when the two records must not end up in one cluster."""
        return self.cannot_link is not None or (self.cap is not None and self.match_rule is None)


def hard_cannot_link(a: RecordFeatures, b: RecordFeatures) -> str | None:
    """The hard rule forbidding ``a`` and ``b`` to link, without scoring them."""
    if a.kind != b.kind:
        return "person_vs_organisation"
    for kind, name in _HARD_ID_KINDS:
        va, vb = a.valid_ids.get(kind), b.valid_ids.get(kind)
        if va and vb and va.isdisjoint(vb):
            return f"different_{name}"
    return None


def _same_valid_id(a: RecordFeatures, b: RecordFeatures) -> str | None:
    for kind, name in _HARD_ID_KINDS:
        va, vb = a.valid_ids.get(kind), b.valid_ids.get(kind)
        if va and vb and not va.isdisjoint(vb):
            return f"same_{name}"
    return None


def holds(condition: LevelCondition, labels: Mapping[str, str]) -> bool:
    """True when the pair's level of ``condition.comparison`` is one of its labels."""
    return labels.get(condition.comparison) in condition.labels


def first_rule(rules: tuple[EvidenceRule, ...], labels: Mapping[str, str]) -> str | None:
    """Name of the first rule whose conditions all hold."""
    for r in rules:
        if all(holds(c, labels) for c in r.all_of):
            return r.name
    return None


def _source_needs_strong(a: RecordFeatures, b: RecordFeatures, settings: MatchSettings) -> bool:
    if a.source_system != b.source_system:
        return False
    policy = settings.source_policy(a.source_system)
    if policy is None or policy.mode is not SourceMode.STRONG_ONLY:
        return False
    kind = policy.account_identifier
    return kind is None or (kind in a.accounts and kind in b.accounts)


SAME_SOURCE_CAP = "same_source_requires_strong_evidence"


def conflict_share(rule: CapRule, model: Model) -> float | None:
    """The model's m of the levels of ``rule``'s first condition (None if unknown).

    Training holds capped pairs at non-match, so this m is learned from pairs
    the rest of the evidence confirms (the same identifier and birth date,
    the same valid identifier): the share of one party's records that show
    the conflict all the same.
    """
    cond = rule.all_of[0]
    try:
        p = model.parameters(cond.comparison)
    except KeyError:
        return None
    return sum(m for label, m in zip(p.labels, p.m, strict=True) if label in cond.labels)


_live: dict[tuple[int, int], tuple[MatchSettings, Model, tuple[CapRule, ...]]] = {}


def live_cap_rules(settings: MatchSettings, model: Model | None) -> tuple[CapRule, ...]:
    """The cap rules in force under ``model``.

    A rule with a ``release_share`` is lifted when :func:`conflict_share` is at
    least that share: where names are often replaced or garbled within one
    party's records (as in sources keyed by hand), a name conflict says little,
    and the score decides alone. Where one party's records hardly ever conflict,
    the conflict marks a second person (a family member on a shared phone) and
    the cap stays. Cached by the identity of settings and model.
    """
    if model is None:
        return settings.cap_rules
    key = (id(settings), id(model))
    hit = _live.get(key)
    if hit is not None and hit[0] is settings and hit[1] is model:
        return hit[2]
    live = []
    for rule in settings.cap_rules:
        share = conflict_share(rule, model) if rule.release_share is not None else None
        if share is None or rule.release_share is None or share < rule.release_share:
            live.append(rule)
    result = tuple(live)
    if len(_live) > 32:
        _live.clear()
    _live[key] = (settings, model, result)
    return result


def apply_rules(
    a: RecordFeatures,
    b: RecordFeatures,
    labels: Mapping[str, str],
    settings: MatchSettings,
    weight: float | None = None,
    caps: Sequence[CapRule] | None = None,
) -> RuleResult:
    """Evaluate all rules for a pair whose comparison levels are ``labels``.

    Args:
        a: Features of one record.
        b: Features of the other.
        labels: Comparison name -> level label (from the pair's score).
        settings: Source policies, strong-evidence, match and cap rules.
        weight: The pair's match weight; when given and at or above
            ``settings.thresholds.same_source_weight`` it counts as strong evidence.
        caps: The cap rules in force (:func:`live_cap_rules`); default all of
            ``settings.cap_rules``.
    """
    hard = hard_cannot_link(a, b)
    if hard is not None:
        return RuleResult(cannot_link=hard, max_outcome=Outcome.NO_MATCH)
    strong = _same_valid_id(a, b) or first_rule(settings.strong_evidence, labels)
    match_rule = _same_valid_id(a, b) or first_rule(settings.match_rules, labels)
    if match_rule is not None:
        return RuleResult(match_rule=match_rule, strong_evidence=strong)
    limit = settings.thresholds.same_source_weight
    if strong is None and weight is not None and limit is not None and weight >= limit:
        strong = "same_source_weight"
    cap, max_outcome = None, Outcome.MATCH
    if strong is None and _source_needs_strong(a, b, settings):
        cap, max_outcome = SAME_SOURCE_CAP, Outcome.POSSIBLE_MATCH
    for rule in settings.cap_rules if caps is None else caps:
        if rule.unless and all(holds(c, labels) for c in rule.unless):
            continue
        if all(holds(c, labels) for c in rule.all_of) and (
            cap is None or OUTCOME_RANK[rule.max_outcome] <= OUTCOME_RANK[max_outcome]
        ):
            cap, max_outcome = rule.name, rule.max_outcome
    return RuleResult(cap=cap, max_outcome=max_outcome, strong_evidence=strong)
