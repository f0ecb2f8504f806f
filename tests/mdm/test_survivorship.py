"""Survivorship: each rule on its own, then the invariants of every golden view."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdm.golden import GoldenView, SourceContribution
from mdm.records import (
    Address,
    Email,
    Identifier,
    IdentifierKind,
    OrgName,
    PartyKind,
    PartyRecord,
    PersonName,
    Phone,
    PhoneKind,
)
from mdm.survivorship import (
    PIN_ATTRIBUTES,
    SurvivorshipPolicy,
    load_policy,
    survive,
)

CST = timezone(timedelta(hours=8))
BASE = datetime(2024, 11, 1, 9, 0, tzinfo=CST)
POLICY = load_policy()
PLAIN = SurvivorshipPolicy.from_dict({"version": "test-plain"})  # no trust anywhere


# --- builders ----------------------------------------------------------------


def person(full: str, *, honorific_only: bool = False, latin: bool = False) -> PersonName:
    surname = full.split()[0] if latin else full[:1]
    return PersonName(full, full, surname, None, full, full[:1], latin, honorific_only)


def mobile(e164: str, kind: PhoneKind = PhoneKind.MOBILE) -> Phone:
    return Phone(e164, e164, kind)


def email(value: str) -> Email:
    return Email(value, value)


def address(detail: str | None, district: str | None = "徐汇区") -> Address:
    return Address(f"上海{district or ''}{detail or ''}", "上海", "31", "上海", district, detail)


def ident(kind: IdentifierKind, value: str, valid: bool = True) -> Identifier:
    return Identifier(kind, value, value, valid)


RESIDENT_ID = ident(IdentifierKind.RESIDENT_ID, "11010519491231002X")


def contrib(
    record_id: int,
    system: str,
    *,
    day: int = 0,
    confirmed: bool = False,
    kind: PartyKind = PartyKind.PERSON,
    observed: bool = True,
    **fields: Any,
) -> SourceContribution:
    """A contribution observed ``day`` days after BASE (or received then, if not observed)."""
    when = BASE + timedelta(days=day)
    record = PartyRecord(
        source_system=system, source_key=f"{system}-{record_id}", kind=kind, **fields
    )
    return SourceContribution(
        source_record_id=record_id,
        source_system=system,
        source_key=record.source_key,
        received_at=when if not observed else BASE - timedelta(days=365),
        observed_at=when if observed else None,
        record=record,
        confirmed=confirmed,
    )


def lineage_of(view: GoldenView, attribute: str) -> list[tuple[str, tuple[int, ...], str]]:
    return [
        (e.value, e.source_record_ids, e.rule) for e in view.lineage if e.attribute == attribute
    ]


def golden_value(view: GoldenView, attribute: str) -> object:
    """The surviving value of an attribute as lineage text (multi-valued: the primary)."""
    entries = lineage_of(view, attribute)
    return entries[0][0] if entries else None


# --- the rule chain, one rule at a time --------------------------------------

PIN_ROWS = [
    pytest.param(
        "org_name",
        [
            contrib(
                1,
                "erp",
                kind=PartyKind.ORGANISATION,
                org_name=OrgName("A", "A公司", "A", None, None),
            ),
            contrib(
                2,
                "shop",
                kind=PartyKind.ORGANISATION,
                org_name=OrgName("B", "B公司", "B", None, None),
            ),
        ],
        "B公司",
        (2,),
        id="pin beats ERP trust for the legal name",
    ),
    pytest.param(
        "phone",
        [
            contrib(1, "hub", confirmed=True, phones=(mobile("+8613900000001"),)),
            contrib(2, "shop", day=-9, phones=(mobile("+8613900000002"),)),
        ],
        "+8613900000002",
        (2,),
        id="pin beats a confirmed hub edit",
    ),
    pytest.param(
        "email",
        [contrib(1, "shop", emails=(email("a@x.cn"),))],
        "steward@x.cn",
        (),
        id="a pinned value no source carries still wins, with no sources",
    ),
    pytest.param(
        "birth_date",
        [contrib(1, "shop", birth_date=date(1990, 3, 14), identifiers=(RESIDENT_ID,))],
        "1990-03-15",
        (),
        id="pin beats a resident-id birth date",
    ),
]


@pytest.mark.parametrize(("attribute", "contributions", "pin", "sources"), PIN_ROWS)
def test_pinned_value_wins_over_every_rule(
    attribute: str, contributions: list[SourceContribution], pin: str, sources: tuple[int, ...]
) -> None:
    view = survive(contributions, POLICY, pins={attribute: pin})
    assert lineage_of(view, attribute)[0] == (pin, sources, "pinned")


TRUST_ROWS = [
    pytest.param(
        "org_name",
        [
            contrib(
                1,
                "erp",
                day=0,
                kind=PartyKind.ORGANISATION,
                org_name=OrgName("x", "上海林氏贸易有限公司", "林氏贸易", "有限公司", None),
            ),
            contrib(
                2,
                "shop",
                day=5,
                kind=PartyKind.ORGANISATION,
                org_name=OrgName("x", "林氏贸易", "林氏贸易", None, None),
            ),
        ],
        "上海林氏贸易有限公司",
        "source_priority:erp",
        id="ERP legal name beats a newer shop name",
    ),
    pytest.param(
        "identifier.credit_code",
        [
            contrib(
                1,
                "callcenter",
                day=5,
                kind=PartyKind.ORGANISATION,
                identifiers=(ident(IdentifierKind.CREDIT_CODE, "91310104MA1FL3XX2Q"),),
            ),
            contrib(
                2,
                "erp",
                day=0,
                kind=PartyKind.ORGANISATION,
                identifiers=(ident(IdentifierKind.CREDIT_CODE, "91310000MA1K000001"),),
            ),
        ],
        "91310000MA1K000001",
        "source_priority:erp",
        id="ERP credit code is primary",
    ),
    pytest.param(
        "email",
        [
            contrib(1, "shop", day=0, emails=(email("lin@shop.cn"),)),
            contrib(2, "erp", day=5, emails=(email("lin@erp.cn"),)),
        ],
        "lin@shop.cn",
        "source_priority:shop",
        id="shop email beats a newer ERP email",
    ),
    pytest.param(
        "address",
        [
            contrib(1, "erp", day=5, addresses=(address("漕溪北路88号"),)),
            contrib(2, "shop", day=0, addresses=(address("漕溪北路88号12楼"),)),
        ],
        "上海 徐汇区 漕溪北路88号12楼",
        "source_priority:shop",
        id="shop shipping address beats a newer ERP address",
    ),
    pytest.param(
        "nickname",
        [
            contrib(1, "shop", day=5, nickname="小林"),
            contrib(2, "wechat", day=0, nickname="小林🌸"),
        ],
        "小林🌸",
        "source_priority:wechat",
        id="WeChat nickname beats a newer shop nickname",
    ),
    pytest.param(
        "avatar_url",
        [
            contrib(1, "shop", day=5, avatar_url="https://shop/a.png"),
            contrib(2, "wechat", day=0, avatar_url="http://thirdwx.qlogo.cn/a"),
        ],
        "http://thirdwx.qlogo.cn/a",
        "source_priority:wechat",
        id="WeChat avatar beats a newer shop avatar",
    ),
    pytest.param(
        "phone",
        [
            contrib(1, "shop", day=5, phones=(mobile("+8613900000001"),)),
            contrib(2, "hub", day=0, confirmed=True, phones=(mobile("+8613900000002"),)),
        ],
        "+8613900000002",
        "source_priority:hub:confirmed",
        id="a confirmed hub edit beats even a newer shop phone",
    ),
]


@pytest.mark.parametrize(("attribute", "contributions", "expected", "rule"), TRUST_ROWS)
def test_trusted_source_wins_per_attribute(
    attribute: str, contributions: list[SourceContribution], expected: str, rule: str
) -> None:
    view = survive(contributions, POLICY)
    assert lineage_of(view, attribute)[0][0::2] == (expected, rule)


def test_confirmed_hub_edit_beats_an_older_shop_phone() -> None:
    shop = contrib(1, "shop", day=0, phones=(mobile("+8613900000001"),))
    hub = contrib(2, "hub", day=3, confirmed=True, phones=(mobile("+8613900000002"),))
    view = survive([shop, hub], POLICY)
    assert view.primary_phone == "+8613900000002"
    assert [(v.value, v.is_primary, v.rule) for v in view.phones] == [
        ("+8613900000002", True, "source_priority:hub:confirmed"),
        ("+8613900000001", False, "retained"),
    ]


def test_unconfirmed_hub_edit_has_no_trust_and_loses_to_a_newer_value() -> None:
    hub = contrib(1, "hub", day=0, phones=(mobile("+8613900000001"),))
    call = contrib(2, "callcenter", day=3, phones=(mobile("+8613900000002"),))
    view = survive([hub, call], POLICY)
    assert lineage_of(view, "phone")[0] == ("+8613900000002", (2,), "most_recent")


def test_verified_channel_phone_beats_a_newer_call_center_caller_number() -> None:
    shop = contrib(1, "shop", day=0, phones=(mobile("+8613900000001"),))
    call = contrib(2, "callcenter", day=3, phones=(mobile("+862162345678", PhoneKind.LANDLINE),))
    view = survive([shop, call], POLICY)
    assert lineage_of(view, "phone")[0] == ("+8613900000001", (1,), "source_priority:shop")


RECENCY_ROWS = [
    pytest.param(
        "phone",
        [
            contrib(1, "callcenter", day=0, phones=(mobile("+8613900000001"),)),
            contrib(2, "callcenter", day=2, phones=(mobile("+8613900000002"),)),
        ],
        "+8613900000002",
        id="newer phone wins",
    ),
    pytest.param(
        "gender",
        [contrib(1, "shop", day=2, gender="F"), contrib(2, "wechat", day=0, gender="M")],
        "F",
        id="newer gender wins",
    ),
    pytest.param(
        "member_level",
        [
            contrib(1, "shop", day=0, member_level="SILVER"),
            contrib(2, "shop", day=1, member_level="GOLD"),
        ],
        "GOLD",
        id="same trusted source: the newer record wins",
    ),
    pytest.param(
        "nickname",
        [
            contrib(1, "wechat", day=0, observed=False, nickname="Band"),
            contrib(2, "wechat", day=1, observed=False, nickname="Band🌸"),
        ],
        "Band🌸",
        id="without observed_at the receipt time counts",
    ),
]


@pytest.mark.parametrize(("attribute", "contributions", "expected"), RECENCY_ROWS)
def test_more_recent_value_wins_when_trust_is_equal(
    attribute: str, contributions: list[SourceContribution], expected: str
) -> None:
    view = survive(contributions, POLICY)
    assert lineage_of(view, attribute)[0][0::2] == (expected, "most_recent")


def test_naive_times_are_read_as_beijing_time() -> None:
    aware = contrib(1, "callcenter", phones=(mobile("+8613900000001"),))  # 09:00+08:00
    naive = SourceContribution(
        2,
        "hub",
        "h",
        BASE,
        datetime(2024, 11, 1, 8, 59),
        PartyRecord("hub", "h", PartyKind.PERSON, phones=(mobile("+8613900000002"),)),
    )
    assert survive([aware, naive], POLICY).primary_phone == "+8613900000001"


def test_most_frequent_value_wins_when_equally_recent() -> None:
    contributions = [
        contrib(1, "callcenter", emails=(email("lin@x.cn"),)),
        contrib(2, "wechat", emails=(email("lin@x.cn"),)),
        contrib(3, "erp", emails=(email("lin.jiaxin@x.cn"),)),
    ]
    view = survive(contributions, POLICY)
    assert lineage_of(view, "email")[0] == ("lin@x.cn", (1, 2), "most_frequent")


COMPLETENESS_ROWS = [
    pytest.param(
        "address",
        [
            contrib(1, "erp", addresses=(address(None),)),
            contrib(2, "callcenter", addresses=(address("漕溪北路88号"),)),
        ],
        "上海 徐汇区 漕溪北路88号",
        id="an address with a detail beats one without",
    ),
    pytest.param(
        "address",
        [
            contrib(1, "erp", addresses=(address("漕溪北路88号"),)),
            contrib(2, "callcenter", addresses=(address("漕溪北路88号12楼"),)),
        ],
        "上海 徐汇区 漕溪北路88号12楼",
        id="a longer detail beats a shorter one",
    ),
    pytest.param(
        "email",
        [
            contrib(1, "erp", emails=(email("l@x.cn"),)),
            contrib(2, "callcenter", emails=(email("lin@x.cn"),)),
        ],
        "lin@x.cn",
        id="a longer email beats a shorter one",
    ),
    pytest.param(
        "phone",
        [
            contrib(1, "callcenter", phones=(mobile("+862162345678", PhoneKind.LANDLINE),)),
            contrib(2, "generic", phones=(mobile("+8613900000002"),)),
        ],
        "+8613900000002",
        id="a mobile beats a shared landline",
    ),
    pytest.param(
        "org_name",
        [
            contrib(
                1,
                "callcenter",
                kind=PartyKind.ORGANISATION,
                org_name=OrgName("x", "林氏贸易", "林氏贸易", None, None),
            ),
            contrib(
                2,
                "wechat",
                kind=PartyKind.ORGANISATION,
                org_name=OrgName("x", "林氏贸易有限公司", "林氏贸易", "有限公司", None),
            ),
        ],
        "林氏贸易有限公司",
        id="an organisation name with its legal form",
    ),
]


@pytest.mark.parametrize(("attribute", "contributions", "expected"), COMPLETENESS_ROWS)
def test_more_complete_value_wins_when_all_else_is_equal(
    attribute: str, contributions: list[SourceContribution], expected: str
) -> None:
    view = survive(contributions, POLICY)
    assert lineage_of(view, attribute)[0][0::2] == (expected, "most_complete")


def test_ties_break_by_source_system_then_record_id_then_position() -> None:
    by_system = [
        contrib(7, "wechat", gender="M"),
        contrib(9, "callcenter", gender="F"),
    ]
    assert lineage_of(survive(by_system, PLAIN), "gender")[0] == ("F", (9,), "tie_break")
    by_id = [contrib(7, "shop", gender="M"), contrib(3, "shop", gender="F")]
    assert lineage_of(survive(by_id, PLAIN), "gender")[0] == ("F", (3,), "tie_break")
    by_position = [contrib(1, "shop", phones=(mobile("+8613900000009"), mobile("+8613900000001")))]
    assert survive(by_position, PLAIN).primary_phone == "+8613900000009"


def test_view_does_not_depend_on_the_order_of_contributions() -> None:
    contributions = [
        contrib(1, "shop", names=(person("林嘉欣"),), phones=(mobile("+8613900000001"),)),
        contrib(2, "wechat", nickname="小林", phones=(mobile("+8613900000001"),)),
        contrib(
            3,
            "callcenter",
            names=(person("林", honorific_only=True),),
            phones=(mobile("+862162345678", PhoneKind.LANDLINE),),
        ),
        contrib(4, "erp", names=(person("林佳欣"),), emails=(email("lin@x.cn"),)),
    ]
    views = {survive(list(p), PLAIN) for p in itertools.permutations(contributions)}
    assert len(views) == 1


def test_rules_run_in_the_configured_order() -> None:
    policy = SurvivorshipPolicy.from_dict(
        {
            "version": "t",
            "attributes": {
                "email": {"trust": ["shop"], "rules": ["most_recent", "source_priority"]}
            },
        }
    )
    contributions = [
        contrib(1, "shop", day=0, emails=(email("old@x.cn"),)),
        contrib(2, "erp", day=1, emails=(email("new@x.cn"),)),
    ]
    assert lineage_of(survive(contributions, policy), "email")[0][0::2] == (
        "new@x.cn",
        "most_recent",
    )


# --- names, kind, resident-id values ------------------------------------------

CALLCENTER_FIRST = SurvivorshipPolicy.from_dict(
    {"version": "t", "defaults": {"trust": ["callcenter", "wechat", "shop", "erp"]}}
)

NAME_ROWS = [
    pytest.param(
        [
            contrib(1, "shop", day=0, names=(person("林嘉欣"),)),
            contrib(2, "callcenter", day=5, names=(person("林", honorific_only=True),)),
            contrib(3, "callcenter", day=6, names=(person("林", honorific_only=True),)),
        ],
        "林嘉欣",
        "most_complete",
        id="honorific-only loses though newer, more frequent and more trusted",
    ),
    pytest.param(
        [
            contrib(1, "erp", day=0, names=(person("lin jiaxin", latin=True),)),
            contrib(2, "callcenter", day=5, names=(person("林", honorific_only=True),)),
        ],
        "lin jiaxin",
        "most_complete",
        id="a latin full name beats a hanzi honorific-only one",
    ),
    pytest.param(
        [
            contrib(1, "callcenter", day=5, names=(person("lin jiaxin", latin=True),)),
            contrib(2, "erp", day=0, names=(person("林嘉欣"),)),
        ],
        "林嘉欣",
        "most_complete",
        id="hanzi beats latin",
    ),
    pytest.param(
        [
            contrib(1, "erp", day=0, names=(person("林嘉欣"),)),
            contrib(2, "callcenter", day=5, names=(person("林家欣"),)),
            contrib(3, "shop", day=9, names=(person("林", honorific_only=True),)),
        ],
        "林家欣",
        "source_priority:callcenter",
        id="among full hanzi names the chain decides",
    ),
    pytest.param(
        [contrib(1, "callcenter", names=(person("林", honorific_only=True),))],
        "林",
        "only_value",
        id="honorific-only survives when nothing fuller is known",
    ),
]


@pytest.mark.parametrize(("contributions", "expected", "rule"), NAME_ROWS)
def test_person_name_is_never_honorific_only_when_a_fuller_exists(
    contributions: list[SourceContribution], expected: str, rule: str
) -> None:
    view = survive(contributions, CALLCENTER_FIRST)
    assert view.person_name is not None
    assert (view.person_name.full, lineage_of(view, "person_name")[0][2]) == (expected, rule)


def test_display_name_keeps_latin_capitals_and_the_honorific() -> None:
    latin = PersonName("Lin Jiaxin", "lin jiaxin", "lin", "jiaxin", "lin jiaxin", "lj", True)
    assert survive([contrib(1, "erp", names=(latin,))], POLICY).display_name == "Lin Jiaxin"
    honorific = PersonName("林小姐", "林", "林", None, "lin", "l", False, True)
    view = survive([contrib(1, "callcenter", names=(honorific,))], POLICY)
    assert view.display_name == "林小姐"
    assert lineage_of(view, "display_name") == [("林小姐", (1,), "derived:person_name")]


@pytest.mark.parametrize(
    ("kinds", "expected", "rule"),
    [
        ([PartyKind.PERSON, PartyKind.PERSON], PartyKind.PERSON, "only_value"),
        ([PartyKind.ORGANISATION], PartyKind.ORGANISATION, "only_value"),
        (
            [PartyKind.PERSON, PartyKind.PERSON, PartyKind.ORGANISATION],
            PartyKind.PERSON,
            "most_frequent",
        ),
        (
            [PartyKind.PERSON, PartyKind.ORGANISATION, PartyKind.ORGANISATION],
            PartyKind.ORGANISATION,
            "most_frequent",
        ),
        ([PartyKind.PERSON, PartyKind.ORGANISATION], PartyKind.ORGANISATION, "tie_break"),
    ],
)
def test_kind_is_the_majority_and_a_tie_is_an_organisation(
    kinds: list[PartyKind], expected: PartyKind, rule: str
) -> None:
    view = survive([contrib(i, "erp", kind=k) for i, k in enumerate(kinds)], POLICY)
    assert (view.kind, lineage_of(view, "kind")[0][2]) == (expected, rule)


def test_organisation_takes_no_person_name_and_a_person_no_org_name() -> None:
    org = contrib(
        1,
        "erp",
        kind=PartyKind.ORGANISATION,
        org_name=OrgName("x", "林氏贸易有限公司", "林氏贸易", "有限公司", None),
    )
    view = survive([org, contrib(2, "shop", names=(person("林嘉欣"),))], POLICY)
    assert (view.kind, view.person_name, view.display_name) == (
        PartyKind.ORGANISATION,
        None,
        "林氏贸易有限公司",
    )


@pytest.mark.parametrize("attribute", ["birth_date", "gender"])
def test_values_from_a_record_with_a_valid_resident_id_beat_typed_ones(attribute: str) -> None:
    with_id = contrib(
        1, "erp", day=0, identifiers=(RESIDENT_ID,), birth_date=date(1949, 12, 31), gender="F"
    )
    bad_id = ident(IdentifierKind.RESIDENT_ID, "110105194912310021", valid=False)
    typed = contrib(
        2,
        "hub",
        day=9,
        confirmed=True,
        identifiers=(bad_id,),
        birth_date=date(1950, 1, 1),
        gender="M",
    )
    also_typed = contrib(3, "shop", day=9, birth_date=date(1950, 1, 1), gender="M")
    view = survive([with_id, typed, also_typed], POLICY)
    assert lineage_of(view, attribute)[0][1:] == ((1,), "most_complete")
    assert (view.birth_date, view.gender) == (date(1949, 12, 31), "F")


# --- multi-valued attributes --------------------------------------------------


def test_multi_valued_attributes_keep_every_value_with_its_sources_and_one_primary() -> None:
    contributions = [
        contrib(
            1,
            "shop",
            day=0,
            phones=(mobile("+8613900000001"),),
            emails=(email("a@x.cn"),),
            addresses=(address("漕溪北路88号12楼"),),
        ),
        contrib(2, "wechat", day=1, phones=(mobile("+8613900000001"),)),
        contrib(
            3,
            "callcenter",
            day=2,
            phones=(mobile("+862162345678", PhoneKind.LANDLINE), mobile("+8613900000001")),
        ),
        contrib(
            4,
            "erp",
            day=3,
            emails=(email("b@x.cn"),),
            addresses=(address("漕溪北路88号"), address("漕溪北路88号12楼")),
        ),
    ]
    view = survive(contributions, POLICY)
    assert [(v.value, v.sources, v.kind, v.is_primary) for v in view.phones] == [
        ("+8613900000001", (1, 2, 3), "mobile", True),
        ("+862162345678", (3,), "landline", False),
    ]
    assert [(v.value, v.sources, v.is_primary) for v in view.emails] == [
        ("a@x.cn", (1,), True),
        ("b@x.cn", (4,), False),
    ]
    assert [(v.value, v.sources, v.is_primary) for v in view.addresses] == [
        ("上海 徐汇区 漕溪北路88号12楼", (1, 4), True),
        ("上海 徐汇区 漕溪北路88号", (4,), False),
    ]
    assert view.primary_address == address("漕溪北路88号12楼")
    assert lineage_of(view, "phone") == [
        ("+8613900000001", (1, 2, 3), "source_priority:wechat"),
        ("+862162345678", (3,), "retained"),
    ]
    assert [e.is_primary for e in view.lineage if e.attribute == "phone"] == [True, False]


def test_address_fills_a_missing_postcode_from_another_source() -> None:
    with_postcode = Address("x", "上海", "31", "上海", "徐汇区", "漕溪北路88号", "200030")
    view = survive(
        [
            contrib(1, "shop", addresses=(address("漕溪北路88号"),)),
            contrib(2, "erp", addresses=(with_postcode,)),
        ],
        POLICY,
    )
    assert view.primary_address is not None
    assert view.primary_address.postcode == "200030"


def test_valid_identifiers_are_golden_and_invalid_ones_only_evidence() -> None:
    unionid = ident(IdentifierKind.UNIONID, "o6_bmasdasdsad6")
    bad_resident = ident(IdentifierKind.RESIDENT_ID, "110105194912310021", valid=False)
    contributions = [
        contrib(
            1,
            "shop",
            identifiers=(unionid, bad_resident, ident(IdentifierKind.MEMBER_ID, "M100234")),
        ),
        contrib(
            2,
            "wechat",
            identifiers=(
                unionid,
                ident(IdentifierKind.OPENID, "o-oa"),
                ident(IdentifierKind.OPENID, "o-mp"),
            ),
        ),
        contrib(3, "erp", identifiers=(RESIDENT_ID,)),
    ]
    view = survive(contributions, POLICY)
    assert [(v.kind, v.value, v.sources, v.is_primary) for v in view.identifiers] == [
        ("resident_id", "11010519491231002X", (3,), True),
        ("unionid", "o6_bmasdasdsad6", (1, 2), True),
        ("openid", "o-oa", (2,), True),
        ("openid", "o-mp", (2,), False),
        ("member_id", "M100234", (1,), True),
    ]
    assert [
        (v.kind, v.value, v.sources, v.valid, v.is_primary, v.rule)
        for v in view.identifier_evidence
    ] == [
        ("resident_id", "110105194912310021", (1,), False, False, "invalid"),
    ]
    assert lineage_of(view, "identifier.unionid") == [("o6_bmasdasdsad6", (1, 2), "only_value")]


def test_pin_of_a_multi_valued_attribute_reorders_but_keeps_every_value() -> None:
    contributions = [
        contrib(1, "hub", confirmed=True, emails=(email("a@x.cn"),)),
        contrib(2, "shop", emails=(email("b@x.cn"),)),
    ]
    view = survive(contributions, POLICY, pins={"email": "b@x.cn"})
    assert [(v.value, v.is_primary, v.rule) for v in view.emails] == [
        ("b@x.cn", True, "pinned"),
        ("a@x.cn", False, "retained"),
    ]


@pytest.mark.parametrize(
    ("pins", "message"),
    [
        ({"emial": "a@x.cn"}, "pins: emial: unknown attribute"),
        ({"subscribed": "yes"}, "pins: subscribed: expected 'true' or 'false'"),
        ({"birth_date": "14/03/1990"}, "pins: birth_date: expected YYYY-MM-DD"),
        ({"kind": "company"}, "pins: kind: expected person or organisation"),
    ],
)
def test_bad_pins_raise_naming_the_attribute(pins: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        survive([contrib(1, "shop", subscribed=True)], POLICY, pins=pins)


def test_no_contributions_is_an_error() -> None:
    with pytest.raises(ValueError, match="no contributions"):
        survive([], POLICY)


# --- lineage and invariants ----------------------------------------------------

SINGLE_FIELDS = ("gender", "birth_date", "nickname", "avatar_url", "member_level", "subscribed")


def test_every_golden_value_has_lineage_naming_its_rule_and_sources() -> None:
    contributions = [
        contrib(
            1,
            "shop",
            names=(person("林嘉欣"),),
            nickname="小林",
            member_level="GOLD",
            gender="F",
            birth_date=date(1990, 3, 14),
            emails=(email("a@x.cn"),),
        ),
        contrib(
            2,
            "wechat",
            day=1,
            nickname="小林🌸",
            avatar_url="http://a",
            subscribed=True,
            phones=(mobile("+8613900000001"),),
        ),
    ]
    view = survive(contributions, POLICY)
    attributes = {e.attribute for e in view.lineage}
    assert attributes == {"kind", "display_name", "person_name", *SINGLE_FIELDS, "phone", "email"}
    assert lineage_of(view, "nickname") == [("小林🌸", (2,), "source_priority:wechat")]
    assert lineage_of(view, "subscribed") == [("true", (2,), "only_value")]
    assert lineage_of(view, "birth_date") == [("1990-03-14", (1,), "only_value")]
    assert view.policy_version == POLICY.version


# Property: random contributions from a small pool of values keep the invariants.

_phones = st.sampled_from(
    [
        mobile("+8613900000001"),
        mobile("+8613900000002"),
        mobile("+862162345678", PhoneKind.LANDLINE),
    ]
)
_names = st.sampled_from(
    [person("林嘉欣"), person("林", honorific_only=True), person("lin jiaxin", latin=True)]
)
_idents = st.sampled_from(
    [
        RESIDENT_ID,
        ident(IdentifierKind.RESIDENT_ID, "110105194912310021", False),
        ident(IdentifierKind.UNIONID, "u1"),
    ]
)


@st.composite
def _contributions(draw: st.DrawFn) -> list[SourceContribution]:
    count = draw(st.integers(1, 6))
    return [
        contrib(
            i,
            draw(st.sampled_from(["shop", "wechat", "callcenter", "erp", "hub"])),
            day=draw(st.integers(0, 3)),
            confirmed=draw(st.booleans()),
            names=tuple(draw(st.lists(_names, max_size=2))),
            phones=tuple(draw(st.lists(_phones, max_size=2))),
            emails=tuple(
                draw(st.lists(st.sampled_from([email("a@x.cn"), email("bb@x.cn")]), max_size=2))
            ),
            identifiers=tuple(draw(st.lists(_idents, max_size=2))),
            gender=draw(st.sampled_from([None, "F", "M"])),
        )
        for i in range(count)
    ]


def _primaries(values: Sequence[Any], key: str | None = None) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for v in values:
        counts[getattr(v, key) if key else None] = (
            counts.get(getattr(v, key) if key else None, 0) + v.is_primary
        )
    return counts


@settings(database=None, max_examples=150, deadline=None)
@given(_contributions(), st.randoms(use_true_random=False))
def test_any_view_has_one_primary_per_attribute_and_traceable_sources(
    contributions: list[SourceContribution], random: Any
) -> None:
    view = survive(contributions, POLICY)
    ids = {c.source_record_id for c in contributions}
    for values in (view.phones, view.emails):
        assert not values or _primaries(values) == {None: 1}
        assert len({v.value for v in values}) == len(values)
    assert all(count == 1 for count in _primaries(view.identifiers, "kind").values())
    assert all(v.valid for v in view.identifiers)
    assert not any(v.valid or v.is_primary for v in view.identifier_evidence)
    for entry in view.lineage:
        assert entry.rule
        assert set(entry.source_record_ids) <= ids
    if view.person_name is not None and any(
        not n.honorific_only for c in contributions for n in c.record.names
    ):
        assert not view.person_name.honorific_only
    shuffled = list(contributions)
    random.shuffle(shuffled)
    assert survive(shuffled, POLICY) == view


# --- policy loading ------------------------------------------------------------


def test_default_policy_file_loads_and_round_trips() -> None:
    policy = load_policy()
    assert policy.for_attribute("org_name").trust[0] == "erp"
    assert policy.for_attribute("identifier.credit_code").trust == ("erp",)
    assert policy.for_attribute("identifier.openid") == policy.defaults
    assert policy.for_attribute("phone").trust[0] == "hub:confirmed"
    assert SurvivorshipPolicy.from_dict(policy.to_dict()) == policy


def test_attribute_section_inherits_what_it_leaves_out() -> None:
    policy = SurvivorshipPolicy.from_dict(
        {
            "version": "t",
            "defaults": {"rules": ["most_recent", "source_priority"]},
            "attributes": {
                "identifier": {"trust": ["erp"]},
                "identifier.openid": {"rules": ["most_frequent"]},
            },
        }
    )
    openid = policy.for_attribute("identifier.openid")
    assert (openid.trust, openid.rules) == (("erp",), ("most_frequent",))
    assert policy.for_attribute("identifier.unionid").rules == ("most_recent", "source_priority")


BAD_POLICIES = [
    (
        'version = "1"\n[attributes.emial]\ntrust = ["shop"]\n',
        "attributes.emial: unknown attribute",
    ),
    (
        'version = "1"\n[attributes.email]\ntrsut = ["shop"]\n',
        "attributes.email.trsut: unknown key",
    ),
    (
        'version = "1"\n[attributes.email]\ntrust = "shop"\n',
        "attributes.email.trust: expected a list",
    ),
    (
        'version = "1"\n[attributes.phone]\ntrust = ["hub:verified"]\n',
        "attributes.phone.trust: bad source 'hub:verified'",
    ),
    ('version = "1"\n[defaults]\nrules = ["newest"]\n', "defaults.rules: unknown rule 'newest'"),
    (
        'version = "1"\n[defaults]\nrules = ["most_recent", "most_recent"]\n',
        "defaults.rules: duplicate",
    ),
    ('version = "1"\nattributes = 3\n', "attributes: expected a table"),
    ("[defaults]\nrules = []\n", "version: required"),
    ('version = "1"\nversoin = "2"\n', "versoin: unknown key"),
    ('version = "1\n', "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD_POLICIES)
def test_load_policy_errors_name_the_file_and_the_bad_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "survivorship.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="survivorship") as raised:
        load_policy(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_pin_attributes_cover_every_identifier_kind() -> None:
    assert {f"identifier.{k.value}" for k in IdentifierKind} <= set(PIN_ATTRIBUTES)
