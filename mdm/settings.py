"""Match settings: comparisons, blocking caps, thresholds and rules as data.

Everything the matcher decides with lives in one frozen, versioned
:class:`MatchSettings` value that round-trips through JSON. Every decision
records ``settings.version`` and :func:`settings_hash`, so a merge can always
be traced to the exact configuration that produced it.

Comparisons are declared in Splink's spirit: a named comparison over one
attribute of the record features, with ordered levels (null first, the most
specific agreement next, ``else`` last). The level ``test`` names are the
vocabulary understood by :mod:`mdm.comparisons`; thresholds are plain data.

Example:
    >>> s = default_settings()
    >>> [c.name for c in s.comparisons][:3]
    ['name', 'phone', 'email']
    >>> settings_from_json(settings_to_json(s)) == s
    True
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """The three outcomes of a pair or golden decision, strongest first."""

    MATCH = "match"
    POSSIBLE_MATCH = "possible_match"
    NO_MATCH = "no_match"


OUTCOME_RANK = {Outcome.NO_MATCH: 0, Outcome.POSSIBLE_MATCH: 1, Outcome.MATCH: 2}


@dataclass(frozen=True, slots=True)
class ComparisonLevel:
    """One level of a comparison.

    Attributes:
        label: Stable name used in models, rules and explanations.
        test: Predicate name understood by :mod:`mdm.comparisons` for the
            comparison's attribute (``null``, ``exact``, ``jaro_winkler``, ...).
        threshold: Parameter of fuzzy tests (similarity in 0..1).
        tf_key: When set, the level is term-frequency adjusted: the u used is
            the frequency of the agreeing value under this key type (the same
            key types as :mod:`mdm.blocking`, so storage can count them).
    """

    label: str
    test: str
    threshold: float | None = None
    tf_key: str | None = None

    @property
    def is_null(self) -> bool:
        return self.test == "null"


@dataclass(frozen=True, slots=True)
class Comparison:
    """A named comparison of one feature attribute with ordered levels."""

    name: str
    attribute: str
    levels: tuple[ComparisonLevel, ...]
    description: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(level.label for level in self.levels)


def ExactMatch(attribute: str, name: str | None = None, tf_key: str | None = None) -> Comparison:
    """Null / exact / else on a set-valued or scalar attribute."""
    return Comparison(
        name or attribute,
        attribute,
        (
            ComparisonLevel("null", "null"),
            ComparisonLevel("exact", "exact", tf_key=tf_key),
            ComparisonLevel("different", "else"),
        ),
        f"exact match on {attribute}",
    )


def JaroWinklerAtThresholds(
    attribute: str,
    thresholds: tuple[float, ...] = (0.92, 0.85),
    name: str | None = None,
    tf_key: str | None = None,
) -> Comparison:
    """Null / exact / Jaro-Winkler at each threshold (descending) / else."""
    levels = [ComparisonLevel("null", "null"), ComparisonLevel("exact", "exact", tf_key=tf_key)]
    for t in sorted(thresholds, reverse=True):
        levels.append(ComparisonLevel(f"jaro_winkler_{t:g}", "jaro_winkler", t))
    levels.append(ComparisonLevel("different", "else"))
    return Comparison(name or attribute, attribute, tuple(levels), f"Jaro-Winkler on {attribute}")


def PersonNameComparison() -> Comparison:
    """Simplified- and pinyin-aware person names (see :mod:`mdm.comparisons`)."""
    return Comparison(
        "name",
        "names",
        (
            ComparisonLevel("null", "null"),
            ComparisonLevel("one_part_0.92", "one_part", 0.92),
            ComparisonLevel("exact", "exact", tf_key="name_pinyin"),
            ComparisonLevel("same_pinyin", "pinyin_exact", tf_key="name_pinyin"),
            ComparisonLevel("swapped_pinyin", "pinyin_swapped"),
            ComparisonLevel("jaro_winkler_0.92", "jaro_winkler", 0.92),
            ComparisonLevel("parts_jaro_winkler_0.88", "parts_jaro_winkler", 0.88),
            ComparisonLevel("jaro_winkler_0.85", "jaro_winkler", 0.85),
            ComparisonLevel("given_syllable_dropped", "syllable_dropped"),
            ComparisonLevel("surname_only", "surname_only"),
            ComparisonLevel("given_only_0.88", "given_only", 0.88),
            ComparisonLevel("same_surname_different_given", "same_surname"),
            ComparisonLevel("different", "else"),
        ),
        "person names: exact, pinyin, swapped, Jaro-Winkler, surname-only, family",
    )


def PhoneComparison() -> Comparison:
    """Shared mobile / shared landline / a mobile one digit off / none shared."""
    return Comparison(
        "phone",
        "phones",
        (
            ComparisonLevel("null", "null"),
            ComparisonLevel("shared_mobile", "shared_mobile", tf_key="mobile"),
            ComparisonLevel("shared_landline", "shared_landline", tf_key="phone"),
            ComparisonLevel("mobile_typo", "mobile_typo"),
            ComparisonLevel("none_shared", "else"),
        ),
        "phones: a shared mobile or landline (term-frequency adjusted)",
    )


def EmailComparison() -> Comparison:
    """An email that only spells the name / exact / near within one domain / else."""
    return Comparison(
        "email",
        "emails",
        (
            ComparisonLevel("null", "null"),
            ComparisonLevel("name_like", "name_like", tf_key="name_pinyin"),
            ComparisonLevel("exact", "exact", tf_key="email"),
            ComparisonLevel("jaro_winkler_0.92", "jaro_winkler", 0.92),
            ComparisonLevel("different", "else"),
        ),
        "emails: exact (tf-adjusted; one that only spells the name as common as the name)",
    )


def IdentifierComparison() -> Comparison:
    """Resident IDs, credit codes and passports of the same kind."""
    return Comparison(
        "identifier",
        "identifiers",
        (
            ComparisonLevel("null", "null"),
            ComparisonLevel("exact_valid", "exact_valid"),
            ComparisonLevel("exact", "exact"),
            ComparisonLevel("near", "near"),
            ComparisonLevel("different_valid", "different_valid"),
            ComparisonLevel("different", "else"),
        ),
        "official identifiers: exact, one transposed/substituted character, different",
    )


def DateOfBirthComparison() -> Comparison:
    """Exact / day-month swapped / year off by one / else."""
    return Comparison(
        "birth_date",
        "birth_date",
        (
            ComparisonLevel("null", "null"),
            ComparisonLevel("exact", "exact"),
            ComparisonLevel("day_month_swapped", "day_month_swapped"),
            ComparisonLevel("year_off_by_one", "year_off_by_one"),
            ComparisonLevel("one_digit_typo", "one_digit_typo"),
            ComparisonLevel("different", "else"),
        ),
        "birth date with typical typos",
    )


def AddressComparison() -> Comparison:
    """Hierarchical address: detail exact/fuzzy inside one area, then area levels."""
    return Comparison(
        "address",
        "addresses",
        (
            ComparisonLevel("null", "null"),
            ComparisonLevel("detail_exact", "detail_exact"),
            ComparisonLevel("detail_fuzzy_0.85", "detail_fuzzy", 0.85),
            ComparisonLevel("detail_partial_0.9", "detail_partial", 0.9),
            ComparisonLevel("same_district", "same_district"),
            ComparisonLevel("same_city", "same_city"),
            ComparisonLevel("same_province", "same_province"),
            ComparisonLevel("different", "else"),
        ),
        "address: province > city > district > detail, postcode",
    )


def OrgNameComparison() -> Comparison:
    """Organisation names with legal forms and branches understood."""
    return Comparison(
        "org_name",
        "org_name",
        (
            ComparisonLevel("null", "null"),
            ComparisonLevel("same_core_same_branch", "exact"),
            ComparisonLevel("same_core_different_branch", "same_core"),
            ComparisonLevel("core_fuzzy_0.85", "core_fuzzy", 0.85),
            ComparisonLevel("different", "else"),
        ),
        "organisation core name and branch",
    )


@dataclass(frozen=True, slots=True)
class LevelCondition:
    """Holds when comparison ``comparison`` fell into one of ``labels``."""

    comparison: str
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvidenceRule:
    """A named conjunction of level conditions (strong evidence, match rules)."""

    name: str
    all_of: tuple[LevelCondition, ...]


@dataclass(frozen=True, slots=True)
class CapRule:
    """When all conditions hold, the outcome is at most ``max_outcome``.

    A pair that hits a cap rule is also a *contradiction* for clustering: no
    chain of other links may put its two records into one golden.
    """

    name: str
    all_of: tuple[LevelCondition, ...]
    max_outcome: Outcome
    # The cap does not apply when all of these hold (a name typo on a record
    # that agrees on the person's own identifier and birth date).
    unless: tuple[LevelCondition, ...] = ()
    # The cap is lifted for a model whose m of the first condition's levels is
    # at least this: training estimates m from pairs that other evidence
    # confirms, so a high m says the records of one party carry this conflict
    # often (names replaced or garbled by the source), and the score decides.
    release_share: float | None = None


class SourceMode(StrEnum):
    STRONG_ONLY = "strong_only"
    PROBABILISTIC = "probabilistic"


@dataclass(frozen=True, slots=True)
class SourcePolicy:
    """How two different records of one source system may merge.

    Attributes:
        source_system: e.g. ``shop``.
        mode: ``strong_only``: only on strong evidence; ``probabilistic``: by score.
        account_identifier: When set, the strong-only rule applies only when
            both records carry an identifier of this kind (shop members have a
            ``member_id``; a guest-order buyer does not and matches by score).
    """

    source_system: str
    mode: SourceMode
    account_identifier: str | None = None


@dataclass(frozen=True, slots=True)
class BlockingSettings:
    """Per-key-type maximum block sizes; strong identifier blocks are never capped."""

    max_block_size: tuple[tuple[str, int], ...]
    default_max_block_size: int = 100

    def cap(self, key_type: str) -> int:
        for name, size in self.max_block_size:
            if name == key_type:
                return size
        return self.default_max_block_size


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Match-weight thresholds (log2 Bayes factor including the prior).

    Attributes:
        match_weight: At or above: MATCH.
        possible_weight: At or above (and below ``match_weight``): POSSIBLE_MATCH.
        contradiction_weight: A pair's evidence weight (prior excluded) at or
            below this vetoes putting its records in one cluster.
        ambiguity_margin: A record that matches two goldens (in batch: two
            records) that may not merge, with weights within this margin,
            joins neither (both for review): which one it is would be a coin toss.
        exclusive_weight: A POSSIBLE_MATCH pair at or above this weight that
            shares a phone or email held by no third party still links
            (:func:`mdm.clustering.attach_exclusive`); None turns this off.
        mutual_weight: A POSSIBLE_MATCH pair at or above this weight whose
            records are each other's one clear best candidate (every other
            candidate of either at least ``ambiguity_margin`` lower) still
            links, under the same checks as an exclusive contact; None: off.
        same_source_weight: Two records of a strong-only source (two shop
            member accounts) merge without a strong-evidence rule at or above
            this weight; None: never.
    """

    match_weight: float = 4.0
    possible_weight: float = -2.0
    contradiction_weight: float = -10.0
    ambiguity_margin: float = 1.0
    exclusive_weight: float | None = 0.0
    same_source_weight: float | None = 16.0
    mutual_weight: float | None = 1.0


@dataclass(frozen=True, slots=True)
class TrainingSettings:
    u_sample_pairs: int = 200_000
    em_max_iterations: int = 25
    em_tolerance: float = 1e-4
    probability_floor: float = 1e-6
    # Rounds of re-estimating u without the true matches among the random pairs.
    u_correction_rounds: int = 3


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """The complete, versioned matching configuration."""

    version: str
    comparisons: tuple[Comparison, ...]
    blocking: BlockingSettings
    thresholds: Thresholds = field(default_factory=Thresholds)
    source_policies: tuple[SourcePolicy, ...] = ()
    strong_evidence: tuple[EvidenceRule, ...] = ()
    match_rules: tuple[EvidenceRule, ...] = ()
    cap_rules: tuple[CapRule, ...] = ()
    training: TrainingSettings = field(default_factory=TrainingSettings)

    def comparison(self, name: str) -> Comparison:
        for c in self.comparisons:
            if c.name == name:
                return c
        raise KeyError(name)

    def source_policy(self, source_system: str) -> SourcePolicy | None:
        for p in self.source_policies:
            if p.source_system == source_system:
                return p
        return None


def _cond(comparison: str, *labels: str) -> LevelCondition:
    return LevelCondition(comparison, labels)


NAME_CONFLICT = _cond("name", "same_surname_different_given", "different")
# What a household shares (a phone, an address) cannot outweigh a name conflict;
# the person's own identifier and birth date together can, and so can the
# same identifier alone (no two people hold one social-security number).
PERSONAL_AGREEMENT = (
    _cond("identifier", "exact", "near"),
    _cond("birth_date", "null", "exact", "day_month_swapped", "year_off_by_one", "one_digit_typo"),
)
SAME_IDENTIFIER = (_cond("identifier", "exact"),)
# Name caps are lifted when one party's confirmed records show the conflict at
# least this often (one in a hundred): then names are noisy, not a second person.
CONFLICT_RELEASE = 0.01
IDENTIFIER_NOT_SAME = _cond("identifier", "null", "near", "different_valid", "different")
BIRTH_NOT_SAME = _cond(
    "birth_date", "null", "day_month_swapped", "year_off_by_one", "one_digit_typo", "different"
)


def default_settings() -> MatchSettings:
    """The shipped settings (``cdhub-default-5``)."""
    return MatchSettings(
        version="cdhub-default-5",
        comparisons=(
            PersonNameComparison(),
            PhoneComparison(),
            EmailComparison(),
            IdentifierComparison(),
            ExactMatch("unionids", name="unionid"),
            ExactMatch("accounts", name="account"),
            DateOfBirthComparison(),
            AddressComparison(),
            ExactMatch("gender"),
            OrgNameComparison(),
            ExactMatch("nickname"),
            ExactMatch("references", name="reference"),
        ),
        blocking=BlockingSettings(
            max_block_size=(
                ("mobile", 30),
                ("phone", 30),
                ("email", 30),
                ("name_initials", 25),
                ("name_pinyin", 40),
                ("name_district", 40),
                ("birth_surname", 40),
                ("birth_given", 40),
                ("birth_date", 40),
                ("address", 30),
                ("name_postcode", 40),
                ("given_postcode", 40),
                ("postcode", 20),
                ("surname", 20),
                ("surname_street", 40),
                ("name_sorted", 40),
                ("other_id", 10),
                ("org_token", 60),
            ),
            default_max_block_size=100,
        ),
        source_policies=(
            SourcePolicy("shop", SourceMode.STRONG_ONLY, "member_id"),
            SourcePolicy("erp", SourceMode.STRONG_ONLY),
            SourcePolicy("wechat", SourceMode.STRONG_ONLY),
            SourcePolicy("callcenter", SourceMode.PROBABILISTIC),
        ),
        strong_evidence=(
            EvidenceRule("same_valid_identifier", (_cond("identifier", "exact_valid"),)),
            EvidenceRule("same_unionid", (_cond("unionid", "exact"),)),
            EvidenceRule("same_account", (_cond("account", "exact"),)),
            EvidenceRule(
                "same_email_and_name",
                (_cond("email", "exact"), _cond("name", "exact", "same_pinyin")),
            ),
        ),
        match_rules=(
            EvidenceRule("same_unionid", (_cond("unionid", "exact"),)),
            EvidenceRule("same_account", (_cond("account", "exact"),)),
        ),
        cap_rules=(
            CapRule(
                "name_and_birth_date_conflict",
                (NAME_CONFLICT, _cond("birth_date", "different")),
                Outcome.NO_MATCH,
                SAME_IDENTIFIER,
                CONFLICT_RELEASE,
            ),
            # A family member: the same surname with another given name.
            CapRule(
                "name_conflict",
                (_cond("name", "same_surname_different_given"), IDENTIFIER_NOT_SAME),
                Outcome.POSSIBLE_MATCH,
                PERSONAL_AGREEMENT,
                CONFLICT_RELEASE,
            ),
            # An unrelated name, unless the records were born on the same
            # day: then a replaced or garbled name is likelier than a second
            # person (twins share the surname and are capped above), and the
            # score decides.
            CapRule(
                "name_conflict",
                (_cond("name", "different"), IDENTIFIER_NOT_SAME, BIRTH_NOT_SAME),
                Outcome.POSSIBLE_MATCH,
                PERSONAL_AGREEMENT,
                CONFLICT_RELEASE,
            ),
            CapRule("unionid_conflict", (_cond("unionid", "different"),), Outcome.POSSIBLE_MATCH),
        ),
    )


# --- serialisation -------------------------------------------------------------------------


def settings_to_dict(settings: MatchSettings) -> dict[str, Any]:
    """A JSON-ready dict of ``settings``."""

    def rule(r: EvidenceRule | CapRule) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": r.name,
            "all_of": [{"comparison": c.comparison, "labels": list(c.labels)} for c in r.all_of],
        }
        if isinstance(r, CapRule):
            d["max_outcome"] = r.max_outcome.value
            if r.unless:
                d["unless"] = [
                    {"comparison": c.comparison, "labels": list(c.labels)} for c in r.unless
                ]
            if r.release_share is not None:
                d["release_share"] = r.release_share
        return d

    return {
        "version": settings.version,
        "comparisons": [
            {
                "name": c.name,
                "attribute": c.attribute,
                "description": c.description,
                "levels": [
                    {
                        "label": lv.label,
                        "test": lv.test,
                        "threshold": lv.threshold,
                        "tf_key": lv.tf_key,
                    }
                    for lv in c.levels
                ],
            }
            for c in settings.comparisons
        ],
        "blocking": {
            "max_block_size": [[k, v] for k, v in settings.blocking.max_block_size],
            "default_max_block_size": settings.blocking.default_max_block_size,
        },
        "thresholds": {
            "match_weight": settings.thresholds.match_weight,
            "possible_weight": settings.thresholds.possible_weight,
            "contradiction_weight": settings.thresholds.contradiction_weight,
            "ambiguity_margin": settings.thresholds.ambiguity_margin,
            "exclusive_weight": settings.thresholds.exclusive_weight,
            "same_source_weight": settings.thresholds.same_source_weight,
            "mutual_weight": settings.thresholds.mutual_weight,
        },
        "source_policies": [
            {
                "source_system": p.source_system,
                "mode": p.mode.value,
                "account_identifier": p.account_identifier,
            }
            for p in settings.source_policies
        ],
        "strong_evidence": [rule(r) for r in settings.strong_evidence],
        "match_rules": [rule(r) for r in settings.match_rules],
        "cap_rules": [rule(r) for r in settings.cap_rules],
        "training": {
            "u_sample_pairs": settings.training.u_sample_pairs,
            "em_max_iterations": settings.training.em_max_iterations,
            "em_tolerance": settings.training.em_tolerance,
            "probability_floor": settings.training.probability_floor,
            "u_correction_rounds": settings.training.u_correction_rounds,
        },
    }


def _conditions(raw: list[dict[str, Any]]) -> tuple[LevelCondition, ...]:
    return tuple(LevelCondition(c["comparison"], tuple(c["labels"])) for c in raw)


def settings_from_dict(data: dict[str, Any]) -> MatchSettings:
    """Inverse of :func:`settings_to_dict`."""
    comparisons = tuple(
        Comparison(
            c["name"],
            c["attribute"],
            tuple(
                ComparisonLevel(lv["label"], lv["test"], lv.get("threshold"), lv.get("tf_key"))
                for lv in c["levels"]
            ),
            c.get("description", ""),
        )
        for c in data["comparisons"]
    )
    b = data["blocking"]
    t = data.get("thresholds", {})
    tr = data.get("training", {})
    return MatchSettings(
        version=data["version"],
        comparisons=comparisons,
        blocking=BlockingSettings(
            tuple((str(k), int(v)) for k, v in b["max_block_size"]),
            int(b.get("default_max_block_size", 100)),
        ),
        thresholds=Thresholds(**t),
        source_policies=tuple(
            SourcePolicy(p["source_system"], SourceMode(p["mode"]), p.get("account_identifier"))
            for p in data.get("source_policies", [])
        ),
        strong_evidence=tuple(
            EvidenceRule(r["name"], _conditions(r["all_of"]))
            for r in data.get("strong_evidence", [])
        ),
        match_rules=tuple(
            EvidenceRule(r["name"], _conditions(r["all_of"])) for r in data.get("match_rules", [])
        ),
        cap_rules=tuple(
            CapRule(
                r["name"],
                _conditions(r["all_of"]),
                Outcome(r["max_outcome"]),
                _conditions(r.get("unless", [])),
                r.get("release_share"),
            )
            for r in data.get("cap_rules", [])
        ),
        training=TrainingSettings(**tr),
    )


def settings_to_json(settings: MatchSettings) -> str:
    """Canonical JSON text (sorted keys), stable across runs."""
    return json.dumps(settings_to_dict(settings), ensure_ascii=False, sort_keys=True, indent=2)


def settings_from_json(text: str) -> MatchSettings:
    """Load settings saved by :func:`settings_to_json`."""
    return settings_from_dict(json.loads(text))


_hashes: dict[int, tuple[MatchSettings, str]] = {}


def settings_hash(settings: MatchSettings) -> str:
    """Short sha256 of the canonical JSON; a model is valid only for this hash.

    Cached by the identity of ``settings`` (hashing the frozen value itself
    would walk every comparison on each call of the real-time path).
    """
    hit = _hashes.get(id(settings))
    if hit is not None and hit[0] is settings:
        return hit[1]
    canonical = json.dumps(settings_to_dict(settings), ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    if len(_hashes) > 32:
        _hashes.clear()
    _hashes[id(settings)] = (settings, digest)
    return digest
