"""Real-time assignment of one new or changed record to a golden record.

The service retrieves candidate goldens through the blocking keys, loads the
source records they hold and calls :func:`assign`. The function compares the
record with every record of every candidate golden: the best pair gives the
golden's score, any contradiction vetoes it. A record that matches several
goldens bridges them; they are merged only when every cross pair between
them is contradiction-free and the rules allow it.

Example:
    >>> a = assign(record, {"G1": CandidateGolden("G1", (r1, r2), 1)}, model, settings)
    >>> a.golden_id, a.merge, [r.golden_id for r in a.review]  # doctest: +SKIP
    ('G1', (), [])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from mdm.blocking import max_block_size
from mdm.clustering import CannotLinks
from mdm.decision import Decision, decide_features
from mdm.features import RecordFeatures, features_of
from mdm.model import Model, TermFrequencies, TermFrequencySource
from mdm.records import PartyRecord
from mdm.rules import hard_cannot_link
from mdm.settings import MatchSettings, Outcome, settings_hash


@dataclass(frozen=True, slots=True)
class CandidateGolden:
    """A golden record retrieved as a candidate, with the source records it holds.

    ``created_order`` orders goldens by creation (smaller is older); the
    oldest golden of a merge survives.
    """

    golden_id: str
    records: tuple[PartyRecord, ...]
    created_order: int


@dataclass(frozen=True, slots=True)
class GoldenDecision:
    """The decision of the record against one candidate golden."""

    golden_id: str
    outcome: Outcome
    best: Decision | None
    veto: str | None = None
    # "exclusive_contact": MATCH through a contact no one else holds;
    # "clear_best": a POSSIBLE_MATCH with no rival among the candidates
    via: str | None = None

    @property
    def weight(self) -> float:
        return self.best.score.match_weight if self.best is not None else float("-inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "golden_id": self.golden_id,
            "outcome": self.outcome.value,
            "veto": self.veto,
            "via": self.via,
            "best_pair": self.best.to_dict() if self.best is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where one record goes.

    Attributes:
        record: (source_system, source_key) of the record.
        golden_id: The golden to join; None means create a new golden.
        merge: Other goldens to merge into ``golden_id`` (the record bridges them).
        review: POSSIBLE_MATCH goldens with their best pair, for a reviewer.
        decisions: The decision against every candidate golden.
    """

    record: tuple[str, str]
    golden_id: str | None
    merge: tuple[str, ...]
    review: tuple[GoldenDecision, ...]
    decisions: tuple[GoldenDecision, ...]
    settings_version: str
    settings_hash: str
    model_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": list(self.record),
            "golden_id": self.golden_id,
            "merge": list(self.merge),
            "review": [r.to_dict() for r in self.review],
            "decisions": [d.to_dict() for d in self.decisions],
            "settings_version": self.settings_version,
            "settings_hash": self.settings_hash,
            "model_version": self.model_version,
        }


def _rank(d: Decision) -> tuple[int, float]:
    return (1 if d.rules.match_rule else 0, d.score.match_weight)


def _golden_decision(
    fa: RecordFeatures,
    golden: CandidateGolden,
    model: Model,
    settings: MatchSettings,
    tf: TermFrequencySource | None,
    cannot_links: CannotLinks,
    pairs: dict[tuple[str, str], Decision],
) -> GoldenDecision:
    if cannot_links.rejects(fa.ref, golden.golden_id):
        return GoldenDecision(golden.golden_id, Outcome.NO_MATCH, None, "rejected_by_reviewer")
    best: Decision | None = None
    hard: str | None = None
    soft: str | None = None
    for r in golden.records:
        fb = features_of(r)
        if fb.ref == fa.ref:
            continue
        d = decide_features(fa, fb, model, settings, tf)
        pairs[fb.ref] = d
        if best is None or _rank(d) > _rank(best):
            best = d
        if cannot_links.forbids(fa.ref, fb.ref):
            hard = hard or "explicit_cannot_link"
        elif d.cannot_link:
            hard = hard or d.rule
        elif d.contradiction:
            soft = soft or (d.rule or "contradiction")
    if best is None:
        return GoldenDecision(golden.golden_id, Outcome.NO_MATCH, None, None)
    if hard is not None:
        return GoldenDecision(golden.golden_id, Outcome.NO_MATCH, best, hard)
    if soft is not None and best.outcome is Outcome.MATCH:
        return GoldenDecision(golden.golden_id, Outcome.POSSIBLE_MATCH, best, soft)
    return GoldenDecision(golden.golden_id, best.outcome, best, soft)


_CONTACT_KEY_TYPES = (("mobile", "mobiles"), ("phone", "landlines"), ("email", "emails"))


def _contacts(f: RecordFeatures) -> list[tuple[str, str]]:
    return [(key_type, v) for key_type, attr in _CONTACT_KEY_TYPES for v in getattr(f, attr)]


def _holds(f: RecordFeatures, key_type: str, value: str) -> bool:
    if key_type == "email":
        return value in f.emails
    return value in f.mobiles or value in f.landlines


def _exclusive(
    fa: RecordFeatures,
    decisions: list[GoldenDecision],
    by_id: Mapping[str, CandidateGolden],
    settings: MatchSettings,
    tf: TermFrequencySource | None,
    cannot_links: CannotLinks,
    pairs: dict[tuple[str, str], Decision],
) -> list[GoldenDecision]:
    """POSSIBLE_MATCH goldens the record joins through a contact only they hold.

    The batch rule (:func:`mdm.clustering.attach_exclusive`) for one record:
    the contact's holders among the candidates all sit in one golden, no
    other record of the hub holds it (when ``tf`` counts say so), its block
    is within the cap, the record's pair with every holder scores at least
    ``exclusive_weight`` without contradiction, and nothing in the golden
    contradicts the record.
    """
    limit = settings.thresholds.exclusive_weight
    if limit is None:
        return []
    possible = {
        d.golden_id: d for d in decisions if d.outcome is Outcome.POSSIBLE_MATCH and d.veto is None
    }
    if not possible:
        return []
    counts = tf.counts if isinstance(tf, TermFrequencies) else {}
    out: dict[str, GoldenDecision] = {}
    for key_type, value in _contacts(fa):
        holders = [
            (g, fb)
            for g in by_id.values()
            for fb in (features_of(r) for r in g.records)
            if fb.ref != fa.ref and _holds(fb, key_type, value)
        ]
        goldens = {g.golden_id for g, _ in holders}
        if len(goldens) != 1:
            continue
        (gid,) = goldens
        if gid not in possible or gid in out:
            continue
        cap = max_block_size(key_type, settings)
        if cap is not None and len(holders) + 1 > cap:
            continue
        count = counts.get(key_type, {}).get(value)
        if count is not None and count > len(holders) + 1:
            continue  # a record outside the candidates holds it too
        if all(
            not cannot_links.forbids(fa.ref, fb.ref)
            and (pair := pairs.get(fb.ref)) is not None
            and pair.score.match_weight >= limit
            and not pair.contradiction
            for _, fb in holders
        ):
            best = possible[gid].best
            out[gid] = GoldenDecision(gid, Outcome.MATCH, best, None, "exclusive_contact")
    return list(out.values())


def _clear_best(decisions: list[GoldenDecision], settings: MatchSettings) -> list[GoldenDecision]:
    """The batch's mutual-best rule (`mdm.batch`), from the record's side.

    A POSSIBLE_MATCH golden at or above ``mutual_weight`` that nothing in it
    contradicts, when every other candidate scores at least
    ``ambiguity_margin`` lower: the record resembles that customer and no one
    else the blocking keys found. The candidates come from the same keys the
    golden's own records were found by, so a household sharing a phone shows
    up as a close second and the rule stays out.
    """
    limit = settings.thresholds.mutual_weight
    scored = sorted((d for d in decisions if d.best is not None), key=lambda d: -d.weight)
    if limit is None or not scored:
        return []
    top = scored[0]
    if top.outcome is not Outcome.POSSIBLE_MATCH or top.veto is not None or top.weight < limit:
        return []
    assert top.best is not None
    if top.best.contradiction:
        return []
    if len(scored) > 1 and scored[1].weight > top.weight - settings.thresholds.ambiguity_margin:
        return []
    return [GoldenDecision(top.golden_id, Outcome.MATCH, top.best, None, "clear_best")]


def _mergeable(
    left: list[CandidateGolden],
    right: CandidateGolden,
    model: Model,
    settings: MatchSettings,
    tf: TermFrequencySource | None,
    cannot_links: CannotLinks,
) -> bool:
    for g in left:
        for x in g.records:
            fx = features_of(x)
            for y in right.records:
                fy = features_of(y)
                if cannot_links.forbids(fx.ref, fy.ref) or hard_cannot_link(fx, fy):
                    return False
                if decide_features(fx, fy, model, settings, tf).contradiction:
                    return False
    return True


def _close(member: GoldenDecision, other: GoldenDecision, settings: MatchSettings) -> bool:
    """``member`` (in the group) fits no better than ``other`` plus the ambiguity margin."""
    assert member.best is not None
    if member.best.rules.match_rule:
        return False  # a rule (a shared valid id) is not weighed against evidence
    return member.weight - other.weight < settings.thresholds.ambiguity_margin


def assign(
    record: PartyRecord,
    candidates: Mapping[str, CandidateGolden],
    model: Model,
    settings: MatchSettings,
    tf: TermFrequencySource | None = None,
    cannot_links: CannotLinks | None = None,
) -> Assignment:
    """Decide which golden ``record`` joins, which goldens it bridges, what to review.

    Args:
        record: The new or changed source record. A previous version of it
            inside a candidate golden is skipped.
        candidates: golden id -> the golden's current source records.
        model: The Fellegi-Sunter model.
        settings: Comparisons, thresholds and rules.
        tf: Term frequencies (e.g. counts the storage looked up for the
            record's key values).
        cannot_links: Explicit cannot-links and rejected (record, golden) pairs.

    Returns:
        The assignment; ``golden_id`` None means a new golden.
    """
    links = cannot_links or CannotLinks()
    fa = features_of(record)
    goldens = sorted(candidates.values(), key=lambda g: (g.created_order, g.golden_id))
    pairs: dict[tuple[str, str], Decision] = {}
    decisions = [_golden_decision(fa, g, model, settings, tf, links, pairs) for g in goldens]
    by_id = {g.golden_id: g for g in goldens}

    def strength(gd: GoldenDecision) -> tuple[int, float, int, str]:
        assert gd.best is not None
        g = by_id[gd.golden_id]
        return (-_rank(gd.best)[0], -gd.best.score.match_weight, g.created_order, g.golden_id)

    matches = [d for d in decisions if d.outcome is Outcome.MATCH]
    if not matches:
        exclusive = _exclusive(fa, decisions, by_id, settings, tf, links, pairs)
        exclusive = exclusive or _clear_best(decisions, settings)
        joined = {d.golden_id for d in exclusive}
        decisions = [
            next((e for e in exclusive if e.golden_id == d.golden_id), d) for d in decisions
        ]
        matches = [d for d in decisions if d.golden_id in joined]
    matches.sort(key=strength)
    review = [d for d in decisions if d.outcome is Outcome.POSSIBLE_MATCH]
    golden_id: str | None = None
    merge: list[str] = []
    if matches:
        group = [by_id[matches[0].golden_id]]
        decision_of = {d.golden_id: d for d in matches}
        ambiguous = False
        for other in matches[1:]:
            candidate = by_id[other.golden_id]
            if _mergeable(group, candidate, model, settings, tf, links):
                group.append(candidate)
                continue
            refused = GoldenDecision(
                other.golden_id, Outcome.POSSIBLE_MATCH, other.best, "bridge_refused"
            )
            review.append(refused)
            # A member of the group that differs from this golden and fits the
            # record about as well: which of the two the record is, is a coin toss.
            rivals = [
                g
                for g in group
                if _close(decision_of[g.golden_id], other, settings)
                and not _mergeable([g], candidate, model, settings, tf, links)
            ]
            if group[0] in rivals:
                ambiguous = True
                continue
            for g in rivals:
                group.remove(g)
                rival = decision_of[g.golden_id]
                review.append(replace(rival, outcome=Outcome.POSSIBLE_MATCH, veto="ambiguous"))
        if ambiguous:
            review.extend(
                GoldenDecision(g.golden_id, Outcome.POSSIBLE_MATCH, d.best, "ambiguous")
                for g, d in ((by_id[d.golden_id], d) for d in matches)
                if g in group
            )
        else:
            group.sort(key=lambda g: (g.created_order, g.golden_id))
            golden_id = group[0].golden_id
            merge = [g.golden_id for g in group[1:]]
    review.sort(key=lambda d: (-d.weight, d.golden_id))
    return Assignment(
        record=fa.ref,
        golden_id=golden_id,
        merge=tuple(merge),
        review=tuple(review),
        decisions=tuple(decisions),
        settings_version=settings.version,
        settings_hash=settings_hash(settings),
        model_version=model.version,
    )
