from __future__ import annotations

import dataclasses

from mdm.batch import cluster_records
from mdm.clustering import CannotLinks, Edge, ambiguous_edges, attach_exclusive, cluster
from mdm.model import load_default_model
from mdm.records import PartyRecord
from mdm.settings import MatchSettings, default_settings
from tests.mdm.matching_records import person

SETTINGS = default_settings()
MODEL = load_default_model()


def test_union_refused_when_any_cross_pair_is_vetoed() -> None:
    # 0-1 and 1-2 are strong links, but 0 and 2 say they are different parties
    result = cluster(3, [Edge(0, 1, 10.0), Edge(1, 2, 8.0)], lambda x, y: {x, y} == {0, 2})
    assert result.clusters == ((0, 1), (2,))
    assert result.refused == (Edge(1, 2, 8.0),)


def test_clustering_is_deterministic_whatever_the_edge_order() -> None:
    edges = [Edge(3, 4, 5.0), Edge(0, 1, 5.0), Edge(1, 2, 5.0), Edge(2, 3, 5.0)]
    veto = lambda x, y: {x, y} == {0, 4}  # noqa: E731
    first = cluster(5, edges, veto)
    assert cluster(5, list(reversed(edges)), veto) == first
    assert first.clusters == ((0, 1, 2, 3), (4,))


def test_honorific_caller_on_household_landline_does_not_chain_two_women() -> None:
    landline = "021-62345678"
    jiaxin = person("C1", "林嘉欣", source="callcenter", landline=landline, gender="F")
    meiling = person("C2", "林美玲", source="callcenter", landline=landline, gender="F")
    caller = person("C3", "林小姐", source="callcenter", landline=landline, gender="F")
    tf_free = cluster_records([jiaxin, meiling, caller], MODEL, SETTINGS)
    together = [c for c in tf_free.clusters if len(c) > 1]
    for c in together:
        assert not {("callcenter", "C1"), ("callcenter", "C2")} <= set(c)


def test_explicit_cannot_link_splits_an_otherwise_certain_pair() -> None:
    a = person("C1", "林嘉欣", source="callcenter", mobile="13912345678")
    b = person("C2", "林嘉欣", source="callcenter", mobile="13912345678")
    assert len(cluster_records([a, b], MODEL, SETTINGS).clusters) == 1
    links = CannotLinks.of([(("callcenter", "C1"), ("callcenter", "C2"))])
    assert len(cluster_records([a, b], MODEL, SETTINGS, links).clusters) == 2


def test_a_contact_point_no_third_cluster_holds_unites_its_holders() -> None:
    # records 0,1 (one party), 2 (a phone binding sharing 1's mobile); 3 holds another number
    holders = {"m1": [1, 2], "m2": [3]}
    out = attach_exclusive(
        ((0, 1), (2,), (3,)), holders.values(), lambda x, y: True, lambda x, y: False
    )
    assert out == ((0, 1, 2), (3,))


def test_a_contact_point_two_parties_claim_attaches_nothing() -> None:
    # 0 and 1 share a household mobile but are vetoed (different given names): 2 stays alone
    holders = [[0, 1, 2]]
    out = attach_exclusive(
        ((0,), (1,), (2,)), holders, lambda x, y: True, lambda x, y: {x, y} == {0, 1}
    )
    assert out == ((0,), (1,), (2,))


def test_a_weak_pair_among_the_holders_attaches_nothing() -> None:
    out = attach_exclusive(((0,), (1,)), [[0, 1]], lambda x, y: False, lambda x, y: False)
    assert out == ((0,), (1,))


def test_a_record_fitting_two_differing_records_equally_links_to_neither() -> None:
    # 2 matches 0 and 1 with the same weight, and 0 and 1 are different parties
    edges = [Edge(0, 2, 6.0), Edge(1, 2, 6.0), Edge(2, 3, 12.0)]
    dropped = ambiguous_edges(edges, lambda x, y: {x, y} == {0, 1}, margin=1.0)
    assert dropped == {Edge(0, 2, 6.0), Edge(1, 2, 6.0)}


def test_a_clearly_stronger_or_rule_forced_edge_is_not_ambiguous() -> None:
    veto = lambda x, y: {x, y} == {0, 1}  # noqa: E731
    assert ambiguous_edges([Edge(0, 2, 8.0), Edge(1, 2, 6.0)], veto, margin=1.0) == set()
    forced = Edge(0, 2, 6.0)
    dropped = ambiguous_edges(
        [forced, Edge(1, 2, 6.5)], veto, margin=1.0, certain=lambda e: e == forced
    )
    assert dropped == {Edge(1, 2, 6.5)}


def _binding_family() -> tuple[list[PartyRecord], MatchSettings]:
    """A father and a daughter sharing one mobile, and a WeChat user whose mini-program
    phone binding carries that mobile; the settings make a shared mobile alone a MATCH."""
    mobile = "13912345678"
    records = [
        person("M1", "王建国", mobile=mobile, member_id="M1", gender="M"),
        person("M2", "王嘉欣", mobile=mobile, member_id="M2", gender="F"),
        person("o6_1", source="wechat", unionid="oUNION1", openid="o6_1"),
        person("oMini_1", source="wechat", mobile=mobile, unionid="oUNION1", openid="oMini_1"),
    ]
    lenient = dataclasses.replace(SETTINGS.thresholds, match_weight=-3.0)
    return records, dataclasses.replace(SETTINGS, thresholds=lenient)


def test_a_nameless_binding_on_a_family_mobile_joins_neither_family_member() -> None:
    records, settings = _binding_family()
    result = cluster_records(records, MODEL, settings)
    assert result.clusters == (
        (("shop", "M1"),),
        (("shop", "M2"),),
        (("wechat", "o6_1"), ("wechat", "oMini_1")),
    )
    reviewed = {frozenset((d.left, d.right)) for d in result.review}
    assert frozenset((("shop", "M1"), ("wechat", "oMini_1"))) in reviewed
    assert frozenset((("shop", "M2"), ("wechat", "oMini_1"))) in reviewed
