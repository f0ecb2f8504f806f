from __future__ import annotations

import json

from mdm.decision import decide, outcome_for
from mdm.model import load_default_model
from mdm.settings import Outcome, Thresholds, default_settings
from tests.mdm.matching_records import person

SETTINGS = default_settings()
MODEL = load_default_model()
HOME = ("上海", "上海", "徐汇", "漕溪北路88号12楼")


def test_thresholds_split_three_outcomes() -> None:
    t = Thresholds(match_weight=4.0, possible_weight=-2.0)
    assert [outcome_for(w, t) for w in (4.0, 0.0, -2.5)] == [
        Outcome.MATCH,
        Outcome.POSSIBLE_MATCH,
        Outcome.NO_MATCH,
    ]


def test_household_members_sharing_mobile_and_address_do_not_match() -> None:
    mother = person("M1", "林美玲", mobile="13912345678", birth="1962-07-01", address=HOME)
    daughter = person("E7", "林嘉欣", mobile="13912345678", birth="1990-03-14", address=HOME)
    d = decide(mother, daughter, MODEL, SETTINGS)
    assert d.outcome is Outcome.NO_MATCH
    assert d.rule == "name_and_birth_date_conflict"
    assert d.contradiction
    labels = d.score.labels()
    assert labels["name"] == "same_surname_different_given"
    assert labels["phone"] == "shared_mobile"


def test_name_level_outweighs_nothing_when_only_the_phone_is_shared() -> None:
    a = person("a", "林美玲", mobile="13912345678")
    b = person("b", "林嘉欣", source="callcenter", mobile="13912345678")
    d = decide(a, b, MODEL, SETTINGS)
    assert d.outcome is not Outcome.MATCH


def test_same_person_across_shop_and_call_center_matches() -> None:
    shop = person("M1", "林嘉欣", mobile="13912345678", birth="1990-03-14", address=HOME)
    call = person("C-88121", "林嘉欣", source="callcenter", mobile="13912345678")
    d = decide(shop, call, MODEL, SETTINGS)
    assert d.outcome is Outcome.MATCH


def test_decision_is_json_ready_and_names_its_versions() -> None:
    d = decide(person("a", "林嘉欣"), person("b", "林嘉欣"), MODEL, SETTINGS)
    data = json.loads(json.dumps(d.to_dict()))
    assert data["settings_version"] == SETTINGS.version
    assert data["model_version"] == MODEL.version
    assert {"comparison": "name", "level": "exact"}.items() <= data["explanation"][0].items()
