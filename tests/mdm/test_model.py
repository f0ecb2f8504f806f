from __future__ import annotations

import math

import pytest

from mdm.features import features_of
from mdm.model import (
    TermFrequencies,
    check_model,
    load_default_model,
    model_from_json,
    model_to_json,
    score_pair,
    term_frequencies,
)
from mdm.records import PartyRecord
from mdm.settings import default_settings
from tests.mdm.matching_records import person

SETTINGS = default_settings()
MODEL = load_default_model()


def test_default_model_fits_default_settings() -> None:
    assert check_model(MODEL, SETTINGS) == []
    assert MODEL.trained_at is None


def test_model_round_trips_through_json() -> None:
    assert model_from_json(model_to_json(MODEL)) == MODEL


def test_score_is_prior_plus_contributions() -> None:
    a = person("a", "林嘉欣", mobile="13912345678")
    b = person("b", "林嘉欣", source="callcenter", mobile="13912345678")
    score = score_pair(features_of(a), features_of(b), MODEL, SETTINGS)
    assert score.labels()["name"] == "exact"
    assert score.match_weight == pytest.approx(
        score.prior_weight + sum(c.weight for c in score.contributions), abs=1e-3
    )
    assert score.probability == pytest.approx(1 / (1 + 2**-score.match_weight))


def test_shared_landline_of_forty_callers_is_weaker_than_a_rare_one() -> None:
    common = "021-62345678"
    rare = "021-64440000"
    callers = [person(f"c{i}", source="callcenter", landline=common) for i in range(40)]
    pair_rare = [person("r1", "林嘉欣", landline=rare), person("r2", "林嘉欣", landline=rare)]
    others = [person(f"x{i}", mobile=f"1380000{i:04d}") for i in range(1000)]
    tf = term_frequencies([*callers, *pair_rare, *others], SETTINGS)
    assert tf.counts["phone"]["+862162345678"] == 40

    def phone_weight(x: object, y: object) -> float:
        s = score_pair(features_of(x), features_of(y), MODEL, SETTINGS, tf)  # type: ignore[arg-type]
        (c,) = [c for c in s.contributions if c.comparison == "phone"]
        assert c.tf_adjusted
        return c.weight

    assert phone_weight(callers[0], callers[1]) < phone_weight(*pair_rare) - 4


def test_common_name_is_weaker_evidence_than_a_rare_one() -> None:
    tf = TermFrequencies(100_000, {"name_pinyin": {"wangwei": 300, "linjiaxin": 2}})
    common = score_pair(
        features_of(person("a", "王伟")), features_of(person("b", "王伟")), MODEL, SETTINGS, tf
    )
    rare = score_pair(
        features_of(person("a", "林嘉欣")), features_of(person("b", "林嘉欣")), MODEL, SETTINGS, tf
    )
    assert common.match_weight < rare.match_weight - 5


def test_prior_is_rescaled_to_the_hub_size() -> None:
    small = MODEL.prior_weight_for(1_000)
    large = MODEL.prior_weight_for(1_000_000)
    assert small - large == pytest.approx(math.log2(1000), abs=0.01)


def test_model_for_other_settings_is_rejected() -> None:
    other = default_settings().__class__(
        version="x", comparisons=SETTINGS.comparisons[:2], blocking=SETTINGS.blocking
    )
    assert check_model(MODEL, other)  # hash differs


def test_an_email_spelling_a_common_name_is_as_weak_as_the_name() -> None:
    settings = default_settings()
    model = load_default_model()
    a = person("a", "王芳", email="fang.wang@hotmail.com")
    b = person("b", "王芳", email="fang.wang@hotmail.com")
    c = person("c", "王芳", email="sunny.w@hotmail.com")
    d = person("d", "王芳", email="sunny.w@hotmail.com")
    others = [person(f"x{k}", "王芳" if k < 100 else "李娜") for k in range(1000)]
    tf = term_frequencies([a, b, c, d, *others], settings)

    def email_weight(x: PartyRecord, y: PartyRecord) -> float:
        score = score_pair(features_of(x), features_of(y), model, settings, tf)
        return next(c.weight for c in score.contributions if c.comparison == "email")

    assert email_weight(a, b) < email_weight(c, d) - 5
