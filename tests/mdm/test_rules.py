from __future__ import annotations

from dataclasses import replace

import pytest

from mdm.decision import decide
from mdm.features import features_of
from mdm.model import Model, load_default_model
from mdm.rules import apply_rules, conflict_share, live_cap_rules
from mdm.settings import Outcome, default_settings
from tests.mdm.matching_records import organisation, person

SETTINGS = default_settings()
MODEL = load_default_model()
RID_A = "11010519900314002X"
RID_B = "110105199003140038"
CODE = "91350100M000100Y43"


def test_same_valid_resident_id_is_a_match_whatever_else_differs() -> None:
    a = person("a", "林嘉欣", resident_id=RID_A, birth="1990-03-14")
    b = person("b", "Cathy Lin", source="erp", resident_id=RID_A, birth="1962-07-01")
    d = decide(a, b, MODEL, SETTINGS)
    assert (d.outcome, d.rule, d.contradiction) == (Outcome.MATCH, "same_resident_id", False)


def test_different_valid_resident_ids_never_link() -> None:
    a = person("a", "林嘉欣", mobile="13912345678", resident_id=RID_A, email="l@qq.com")
    b = person(
        "b", "林嘉欣", source="erp", mobile="13912345678", resident_id=RID_B, email="l@qq.com"
    )
    d = decide(a, b, MODEL, SETTINGS)
    assert (d.outcome, d.rule, d.cannot_link) == (Outcome.NO_MATCH, "different_resident_id", True)


def test_same_valid_credit_code_matches_and_person_never_merges_with_org() -> None:
    a = organisation("K1", "上海林氏贸易有限公司", credit_code=CODE)
    b = organisation("X9", "林氏贸易", source="shop", credit_code=CODE)
    assert decide(a, b, MODEL, SETTINGS).rule == "same_credit_code"
    p = person("c", "林嘉欣", source="callcenter", landline="021-62345678")
    o = organisation("K2", "上海林氏贸易有限公司", landline="021-62345678")
    d = decide(p, o, MODEL, SETTINGS)
    assert (d.outcome, d.rule) == (Outcome.NO_MATCH, "person_vs_organisation")


def test_two_shop_members_need_strong_evidence() -> None:
    kw = {"mobile": "13912345678", "address": ("上海", "上海", "徐汇", "漕溪北路88号")}
    a = person("M1", member_id="M1", **kw)  # type: ignore[arg-type]
    b = person("M2", "林嘉欣", member_id="M2", **kw)  # type: ignore[arg-type]
    d = decide(a, b, MODEL, SETTINGS)
    assert d.outcome is Outcome.POSSIBLE_MATCH
    assert d.rule == "same_source_requires_strong_evidence"
    assert d.contradiction
    a2 = person("M1", "林嘉欣", member_id="M1", email="lin@qq.com", **kw)  # type: ignore[arg-type]
    b2 = person("M2", "林嘉欣", member_id="M2", email="lin@qq.com", **kw)  # type: ignore[arg-type]
    d2 = decide(a2, b2, MODEL, SETTINGS)
    assert (d2.outcome, d2.rules.strong_evidence) == (Outcome.MATCH, "same_email_and_name")


def test_two_shop_members_agreeing_on_everything_merge_by_score() -> None:
    kw = {
        "mobile": "13912345678",
        "birth": "1990-03-14",
        "address": ("上海", "上海", "徐汇", "漕溪北路88号"),
    }
    a = person("M1", "林嘉欣", member_id="M1", **kw)  # type: ignore[arg-type]
    b = person("M2", "林嘉欣", member_id="M2", **kw)  # type: ignore[arg-type]
    d = decide(a, b, MODEL, SETTINGS)
    assert (d.outcome, d.rules.strong_evidence) == (Outcome.MATCH, "same_source_weight")


def test_wechat_openids_merge_on_a_shared_unionid() -> None:
    a = person("oA", source="wechat", openid="oA", unionid="oU1")
    b = person("oB", source="wechat", openid="oB", unionid="oU1", mobile="13912345678")
    d = decide(a, b, MODEL, SETTINGS)
    assert (d.outcome, d.rule) == (Outcome.MATCH, "same_unionid")
    c = person("oC", source="wechat", openid="oC", mobile="13912345678")
    assert decide(b, c, MODEL, SETTINGS).outcome is not Outcome.MATCH


def test_callcenter_records_merge_probabilistically() -> None:
    a = person("C1", "林嘉欣", source="callcenter", mobile="13912345678")
    b = person("C2", "林嘉欣", source="callcenter", mobile="13912345678")
    d = decide(a, b, MODEL, SETTINGS)
    assert (d.outcome, d.rule) == (Outcome.MATCH, None)


def test_guest_order_buyers_are_not_shop_accounts() -> None:
    a = person("E1", "林嘉欣", mobile="13912345678")
    b = person("E2", "林嘉欣", mobile="13912345678")
    assert decide(a, b, MODEL, SETTINGS).outcome is Outcome.MATCH


def test_a_name_conflict_is_not_capped_when_identifier_and_birth_date_agree() -> None:
    labels = {"name": "different", "identifier": "exact", "birth_date": "exact"}
    a = person("g1", "Smith, Michaela", source="generic")
    b = person("g2", "Smyth, Micheala", source="generic")
    assert apply_rules(features_of(a), features_of(b), labels, SETTINGS).cap is None
    labels["identifier"] = "different"
    # born on the same day: a garbled name rather than a second person, the score decides
    assert apply_rules(features_of(a), features_of(b), labels, SETTINGS).cap is None
    labels["birth_date"] = "null"
    assert apply_rules(features_of(a), features_of(b), labels, SETTINGS).cap == "name_conflict"


def test_a_family_member_born_on_the_same_day_is_still_capped() -> None:
    labels = {"name": "same_surname_different_given", "identifier": "null", "birth_date": "exact"}
    a = person("C1", "林嘉欣", source="callcenter")
    b = person("C2", "林嘉怡", source="callcenter")
    assert apply_rules(features_of(a), features_of(b), labels, SETTINGS).cap == "name_conflict"


def test_the_same_identifier_lifts_a_name_and_birth_date_conflict() -> None:
    labels = {"name": "different", "identifier": "exact", "birth_date": "different"}
    a = person("g1", "Smith, Michaela", source="generic")
    b = person("g2", "Jones, Kylie", source="generic")
    assert apply_rules(features_of(a), features_of(b), labels, SETTINGS).cap is None
    labels["identifier"] = "different"
    cap = apply_rules(features_of(a), features_of(b), labels, SETTINGS).cap
    assert cap == "name_and_birth_date_conflict"


def _with_name_m(share: float) -> Model:
    """The default model with ``share`` of one party's records carrying a name conflict."""
    params = []
    for p in MODEL.comparisons:
        if p.name == "name":
            m = [
                share / 2 if label in ("same_surname_different_given", "different") else x
                for label, x in zip(p.labels, p.m, strict=True)
            ]
            p = replace(p, m=tuple(m))
        params.append(p)
    return replace(MODEL, comparisons=tuple(params))


def test_name_caps_hold_where_one_partys_records_rarely_conflict() -> None:
    assert conflict_share(SETTINGS.cap_rules[0], MODEL) == pytest.approx(0.001)
    assert live_cap_rules(SETTINGS, MODEL) == SETTINGS.cap_rules
    assert live_cap_rules(SETTINGS, _with_name_m(0.005)) == SETTINGS.cap_rules


def test_name_caps_are_lifted_where_the_data_show_names_are_often_replaced() -> None:
    noisy = _with_name_m(0.05)
    live = live_cap_rules(SETTINGS, noisy)
    assert [r.name for r in live] == ["unionid_conflict"]
    labels = {"name": "same_surname_different_given", "identifier": "null", "birth_date": "exact"}
    a = person("g1", "Reid, Mikhaili", source="generic")
    b = person("g2", "Reid, Elly", source="generic")
    assert apply_rules(features_of(a), features_of(b), labels, SETTINGS, caps=live).cap is None
    assert apply_rules(features_of(a), features_of(b), labels, SETTINGS).cap == "name_conflict"
