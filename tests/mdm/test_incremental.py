from __future__ import annotations

import dataclasses
import json

from mdm.clustering import CannotLinks
from mdm.incremental import CandidateGolden, assign
from mdm.model import Model, TermFrequencies, load_default_model
from mdm.records import PartyRecord
from mdm.settings import default_settings
from tests.mdm.matching_records import person

SETTINGS = default_settings()
MODEL = load_default_model()
MOBILE = "13912345678"


def goldens(*groups: tuple[str, tuple[PartyRecord, ...]]) -> dict[str, CandidateGolden]:
    return {gid: CandidateGolden(gid, recs, order) for order, (gid, recs) in enumerate(groups)}


def test_record_joins_the_matching_golden() -> None:
    g = goldens(("G1", (person("M1", "林嘉欣", mobile=MOBILE, member_id="M1"),)))
    a = assign(person("C1", "林嘉欣", source="callcenter", mobile=MOBILE), g, MODEL, SETTINGS)
    assert (a.golden_id, a.merge, a.review) == ("G1", (), ())
    assert json.loads(json.dumps(a.to_dict()))["decisions"][0]["outcome"] == "match"


def test_no_candidate_means_a_new_golden() -> None:
    a = assign(person("C1", "林嘉欣", source="callcenter"), {}, MODEL, SETTINGS)
    assert a.golden_id is None
    assert a.decisions == ()


def test_bridging_record_merges_two_compatible_goldens_into_the_oldest() -> None:
    shop = person("M1", "林嘉欣", mobile=MOBILE, member_id="M1", email="lin@qq.com")
    erp = person("K7", "林嘉欣", source="erp", email="lin@qq.com", birth="1990-03-14")
    bridge = person("E9", "林嘉欣", mobile=MOBILE, email="lin@qq.com", birth="1990-03-14")
    g = goldens(("G-old", (erp,)), ("G-new", (shop,)))
    a = assign(bridge, g, MODEL, SETTINGS)
    assert (a.golden_id, a.merge) == ("G-old", ("G-new",))


def test_bridge_refused_when_the_goldens_contradict_each_other() -> None:
    landline = "021-62345678"
    jiaxin = person("C1", "林嘉欣", source="callcenter", landline=landline, birth="1990-03-14")
    meiling = person("C2", "林美玲", source="callcenter", landline=landline, birth="1962-07-01")
    caller = person("C3", "林小姐", source="callcenter", landline=landline)
    g = goldens(("G1", (jiaxin,)), ("G2", (meiling,)))
    a = assign(caller, g, MODEL, SETTINGS)
    assert a.merge == ()
    assert a.golden_id in (None, "G1", "G2")
    if a.golden_id is None:
        assert {r.golden_id for r in a.review} == {"G1", "G2"}


def test_contradiction_inside_a_golden_vetoes_joining_it() -> None:
    mother = person("M1", "林美玲", mobile=MOBILE, birth="1962-07-01", member_id="M1")
    call = person("C1", "林美玲", source="callcenter", mobile=MOBILE)
    daughter = person("E7", "林嘉欣", mobile=MOBILE, birth="1990-03-14")
    a = assign(daughter, goldens(("G1", (mother, call))), MODEL, SETTINGS)
    assert a.golden_id is None


def test_rejected_golden_and_explicit_cannot_link_are_respected() -> None:
    g = goldens(("G1", (person("M1", "林嘉欣", mobile=MOBILE, member_id="M1"),)))
    rec = person("C1", "林嘉欣", source="callcenter", mobile=MOBILE)
    rejected = CannotLinks.of(rejected=[(("callcenter", "C1"), "G1")])
    assert assign(rec, g, MODEL, SETTINGS, cannot_links=rejected).golden_id is None
    forbidden = CannotLinks.of([(("callcenter", "C1"), ("shop", "M1"))])
    assert assign(rec, g, MODEL, SETTINGS, cannot_links=forbidden).golden_id is None


def test_changed_record_is_not_compared_with_its_old_version() -> None:
    old = person("C1", "林嘉欣", source="callcenter", mobile=MOBILE)
    new = person("C1", "林嘉欣", source="callcenter", mobile=MOBILE, gender="F")
    a = assign(new, goldens(("G1", (old,))), MODEL, SETTINGS)
    assert a.golden_id is None
    assert a.decisions[0].best is None


def _trained_like() -> Model:
    """The default model with the tf scale training measures: a mobile's count
    includes its holder's own records, so u is a fraction of its share."""
    phone = MODEL.parameters("phone")
    scaled = dataclasses.replace(phone, tf_scale=tuple(0.3 for _ in phone.labels))
    return dataclasses.replace(
        MODEL,
        comparisons=tuple(scaled if c.name == "phone" else c for c in MODEL.comparisons),
    )


def test_phone_binding_joins_the_one_golden_holding_its_mobile() -> None:
    member = person("M1", "林嘉欣", mobile=MOBILE, member_id="M1", birth="1990-03-14")
    binding = person("oMini_1", source="wechat", mobile=MOBILE, openid="oMini_1")
    tf = TermFrequencies(5000, {"mobile": {"+86" + MOBILE: 2}})  # the two of them
    a = assign(binding, goldens(("G1", (member,))), _trained_like(), SETTINGS, tf)
    assert a.golden_id == "G1"
    assert a.decisions[0].via == "exclusive_contact"
    assert json.loads(json.dumps(a.to_dict()))["decisions"][0]["via"] == "exclusive_contact"


def test_phone_binding_joins_no_one_when_two_goldens_share_the_mobile() -> None:
    mother = person("M1", "林美玲", mobile=MOBILE, member_id="M1", birth="1962-07-01")
    daughter = person("M2", "王嘉欣", mobile=MOBILE, member_id="M2", birth="1990-03-14")
    binding = person("oMini_1", source="wechat", mobile=MOBILE, openid="oMini_1")
    tf = TermFrequencies(5000, {"mobile": {"+86" + MOBILE: 3}})
    g = goldens(("G1", (mother,)), ("G2", (daughter,)))
    a = assign(binding, g, _trained_like(), SETTINGS, tf)
    assert a.golden_id is None


def test_phone_binding_joins_no_one_when_the_hub_counts_another_holder() -> None:
    member = person("M1", "林嘉欣", mobile=MOBILE, member_id="M1", birth="1990-03-14")
    binding = person("oMini_1", source="wechat", mobile=MOBILE, openid="oMini_1")
    tf = TermFrequencies(5000, {"mobile": {"+86" + MOBILE: 3}})
    a = assign(binding, goldens(("G1", (member,))), _trained_like(), SETTINGS, tf)
    assert a.golden_id is None


def test_a_possible_match_with_no_rival_among_the_candidates_joins() -> None:
    lin = person("M1", "林嘉欣", birth="1990-03-14", gender="F", member_id="M1")
    caller = person("E1", "林小姐", source="erp", birth="1990-03-14", gender="F")
    a = assign(caller, goldens(("G1", (lin,))), MODEL, SETTINGS)
    (decision,) = a.decisions
    assert decision.best is not None
    assert decision.best.outcome.value == "possible_match"  # the pair alone: a review
    assert (a.golden_id, decision.via) == ("G1", "clear_best")


def test_a_possible_match_with_a_close_rival_joins_no_one() -> None:
    jiaxin = person("M1", "林嘉欣", birth="1990-03-14", gender="F", member_id="M1")
    meiling = person("M2", "林美玲", birth="1990-03-14", gender="F", member_id="M2")
    caller = person("E1", "林小姐", source="erp", birth="1990-03-14", gender="F")
    a = assign(caller, goldens(("G1", (jiaxin,)), ("G2", (meiling,))), MODEL, SETTINGS)
    assert a.golden_id is None
    assert {r.golden_id for r in a.review} == {"G1", "G2"}


def test_a_binding_joins_its_wechat_user_but_neither_family_member_sharing_its_mobile() -> None:
    father = person("M1", "王建国", mobile=MOBILE, member_id="M1", gender="M")
    daughter = person("M2", "王嘉欣", mobile=MOBILE, member_id="M2", gender="F")
    follower = person("o6_1", source="wechat", unionid="oUNION1", openid="o6_1")
    binding = person("oMini_1", source="wechat", mobile=MOBILE, unionid="oUNION1", openid="oMini_1")
    # a shared mobile alone is a MATCH here: the father and the daughter fit equally well
    lenient = dataclasses.replace(SETTINGS.thresholds, match_weight=-3.0)
    settings = dataclasses.replace(SETTINGS, thresholds=lenient)
    g = goldens(("G0", (follower,)), ("G1", (father,)), ("G2", (daughter,)))
    a = assign(binding, g, MODEL, settings)
    assert (a.golden_id, a.merge) == ("G0", ())
    assert {r.golden_id for r in a.review} == {"G1", "G2"}
