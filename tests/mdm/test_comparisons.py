"""Table-driven comparison levels: (left, right, expected level, label)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mdm.comparisons import compile_comparison, level_labels
from mdm.features import features_of
from mdm.records import PartyRecord
from mdm.settings import Comparison, ComparisonLevel, default_settings
from tests.mdm.matching_records import latin_person, organisation, person

SETTINGS = default_settings()
SH = ("上海市", "上海市", "徐汇区", "漕溪北路88号 12楼")


def level(comparison: str, left: PartyRecord, right: PartyRecord) -> str:
    return level_labels(features_of(left), features_of(right), SETTINGS)[comparison]


NAME_ROWS = [
    (person("a", "林嘉欣"), person("b", "林嘉欣"), "exact", "same hanzi"),
    (person("a", "陳嘉欣"), person("b", "陈嘉欣"), "exact", "traditional meets simplified"),
    (person("a", "林嘉欣"), person("b", "Lin Jiaxin"), "same_pinyin", "hanzi meets pinyin"),
    (person("a", "林嘉欣"), person("b", "Jiaxin Lin"), "same_pinyin", "english order"),
    (person("a", "林嘉欣"), person("b", "林佳馨"), "same_pinyin", "homophone typo"),
    (
        latin_person("a", "smith", "john"),
        latin_person("b", "john", "smith"),
        "swapped_pinyin",
        "given and surname swapped",
    ),
    (person("a", "林嘉欣"), person("b", "林嘉星"), "jaro_winkler_0.92", "near syllable xin/xing"),
    (
        latin_person("a", "jon", "smith"),
        latin_person("b", "john", "smith"),
        "jaro_winkler_0.92",
        "typo",
    ),
    (
        latin_person("a", "stephen", "meyer"),
        latin_person("b", "steven", "meier"),
        "parts_jaro_winkler_0.88",
        "both parts near",
    ),
    (
        latin_person("a", "christine", "miller"),
        latin_person("b", "kristin", "miller"),
        "jaro_winkler_0.85",
        "weaker typo",
    ),
    (person("a", "林小姐"), person("b", "林嘉欣"), "surname_only", "honorific-only caller"),
    (
        latin_person("a", None, "smith"),
        latin_person("b", "john", "smith"),
        "surname_only",
        "no given",
    ),
    (
        latin_person("a", "chloe", "ryan"),
        latin_person("b", "ryna", "chloe"),
        "parts_jaro_winkler_0.88",
        "parts swapped, one with a typo",
    ),
    (
        person("a", "Wheatley, Olivia", source="generic"),
        person("b", "Winfield, Olivia", source="generic"),
        "given_only_0.88",
        "married name",
    ),
    (
        person("a", ", Pascajle", source="generic"),
        person("b", "Quast, Pascale", source="generic"),
        "one_part_0.92",
        "surname missing, given with a typo: one word agrees",
    ),
    (
        latin_person("a", "emily", None),
        latin_person("b", "emily", None),
        "one_part_0.92",
        "given names alone: one word, not a whole name",
    ),
    (person("a", "胡嘉欣"), person("b", "林嘉欣"), "given_only_0.88", "two-syllable given name"),
    (person("a", "瑞晨"), person("b", "唐瑞晨"), "given_only_0.88", "the given name alone"),
    (person("a", "胡伟"), person("b", "林伟"), "different", "one-syllable given name is common"),
    (person("a", "胡荣"), person("b", "胡小荣"), "given_syllable_dropped", "familiar form"),
    (person("a", "林嘉欣"), person("b", "林嘉怡"), "same_surname_different_given", "sibling"),
    (person("a", "林嘉欣"), person("b", "林美玲"), "same_surname_different_given", "mother"),
    (person("a", "王先生"), person("b", "林嘉欣"), "different", "other surname"),
    (person("a", "林嘉欣"), person("b", "陈伟"), "different", "different"),
    (person("a"), person("b", "林嘉欣"), "null", "no name"),
]

PHONE_ROWS = [
    (
        person("a", mobile="13912345678"),
        person("b", mobile="+86 139-1234-5678"),
        "shared_mobile",
        "m",
    ),
    (
        person("a", landline="021-62345678"),
        person("b", landline="02162345678"),
        "shared_landline",
        "l",
    ),
    (
        person("a", mobile="13912345678", landline="021-62345678"),
        person("b", mobile="13800138000", landline="021-62345678"),
        "shared_landline",
        "household landline, own mobiles",
    ),
    (
        person("a", mobile="13912345678"),
        person("b", mobile="13912345687"),
        "mobile_typo",
        "two digits transposed",
    ),
    (person("a", mobile="13912345678"), person("b", mobile="13800138000"), "none_shared", "none"),
    (person("a"), person("b", mobile="13800138000"), "null", "no phone"),
]

EMAIL_ROWS = [
    (
        person("a", email="Lin.JiaXin@Example.com"),
        person("b", email="lin.jiaxin@example.com"),
        "exact",
        "case",
    ),
    (
        person("a", email="lin.jiaxin@qq.com"),
        person("b", email="lin.jiaxn@qq.com"),
        "jaro_winkler_0.92",
        "typo",
    ),
    (
        person("a", email="lin.jiaxin@qq.com"),
        person("b", email="lin.jiaxin@163.com"),
        "different",
        "domain",
    ),
    (
        person("a", "王芳", email="fang.wang@hotmail.com"),
        person("b", "王芳", email="Fang.Wang@hotmail.com"),
        "name_like",
        "the address only spells the name: a namesake writes it too",
    ),
    (
        person("a", "王芳", email="wangfang77@163.com"),
        person("b", "王芳", email="wangfang77@163.com"),
        "name_like",
        "digits do not make it personal",
    ),
    (
        person("a", "王芳", email="sunny.w@163.com"),
        person("b", "王芳", email="sunny.w@163.com"),
        "exact",
        "an address of its own",
    ),
    (person("a"), person("b", email="lin@qq.com"), "null", "none"),
]

RID_A = "11010519900314002X"
RID_B = "110105199003140038"
RID_A_TYPO = "11010519900314020X"  # two adjacent digits transposed: checksum fails

IDENTIFIER_ROWS = [
    (
        person("a", resident_id=RID_A),
        person("b", resident_id=RID_A),
        "exact_valid",
        "same valid id",
    ),
    (person("a", resident_id=RID_A), person("b", resident_id=RID_A_TYPO), "near", "transposed"),
    (person("a", resident_id=RID_A), person("b", resident_id=RID_B), "different_valid", "two ids"),
    (
        person("a", resident_id=RID_A_TYPO),
        person("b", resident_id=RID_A_TYPO),
        "exact",
        "same invalid",
    ),
    (person("a"), person("b", resident_id=RID_A), "null", "none"),
]

UNIONID_ROWS = [
    (person("a", unionid="oU1"), person("b", unionid="oU1"), "exact", "same"),
    (person("a", unionid="oU1"), person("b", unionid="oU2"), "different", "different"),
    (person("a"), person("b", unionid="oU2"), "null", "none"),
]

BIRTH_ROWS = [
    (person("a", birth="1990-03-14"), person("b", birth="1990-03-14"), "exact", "same"),
    (person("a", birth="1990-03-04"), person("b", birth="1990-04-03"), "day_month_swapped", "swap"),
    (person("a", birth="1990-03-14"), person("b", birth="1991-03-14"), "year_off_by_one", "year"),
    (person("a", birth="1990-03-14"), person("b", birth="1990-03-15"), "one_digit_typo", "digit"),
    (person("a", birth="1990-03-14"), person("b", birth="1962-07-01"), "different", "other"),
    (person("a"), person("b", birth="1962-07-01"), "null", "none"),
]

ADDRESS_ROWS = [
    (
        person("a", address=("上海", "上海", "徐汇", "23 Bath Place Eventide Home")),
        person("b", address=("上海", "上海", "徐汇", "23 Bath Pace")),
        "detail_partial_0.9",
        "building name dropped, street misspelt",
    ),
    (
        person("a", address=SH),
        person("b", address=("上海", "上海", "徐汇", "漕溪北路88号12楼")),
        "detail_exact",
        "short forms",
    ),
    (
        person("a", address=SH),
        person("b", address=("上海", "上海", "徐汇", "漕溪北路88号12楼1201室")),
        "detail_fuzzy_0.85",
        "room added",
    ),
    (
        person("a", address=SH),
        person("b", address=("上海", "上海", "静安", "漕溪北路88号12楼")),
        "same_city",
        "same street detail, other district",
    ),
    (
        person("a", address=SH),
        person("b", address=("上海", "上海", "徐汇", "天钥桥路1号")),
        "same_district",
        "district",
    ),
    (
        person("a", address=("广东", "广州", "天河", "天河路1号")),
        person("b", address=("广东", "深圳", "南山", "深南大道1号")),
        "same_province",
        "province",
    ),
    (
        person("a", address=SH),
        person("b", address=("北京", "北京", "朝阳", "建国路1号")),
        "different",
        "other",
    ),
    (
        latin_person(
            "a", "john", "smith", suburb="kingston", street="17 miller street", postcode="2604"
        ),
        latin_person(
            "b", "john", "smith", suburb="kingston", street="17 miller street", postcode="2604"
        ),
        "detail_exact",
        "febrl street and suburb",
    ),
    (
        latin_person("a", "john", "smith", suburb="kingston", street="17 miller street"),
        latin_person("b", "john", "smith", suburb="kingstonn", street="17 miler street"),
        "detail_fuzzy_0.85",
        "febrl typos in street and suburb",
    ),
    (
        latin_person(
            "a", "john", "smith", suburb="kingston", street="17 miller street", postcode="2604"
        ),
        latin_person(
            "b", "john", "smith", suburb="griffith", street="3 oak place", postcode="2604"
        ),
        "same_district",
        "same postcode",
    ),
    (person("a"), person("b", address=SH), "null", "none"),
]

GENDER_ROWS = [
    (person("a", gender="F"), person("b", gender="F"), "exact", "same"),
    (person("a", gender="F"), person("b", gender="M"), "different", "different"),
    (person("a"), person("b", gender="M"), "null", "none"),
]

ORG_ROWS = [
    (
        organisation("a", "上海林氏贸易有限公司"),
        organisation("b", "林氏贸易(上海)有限公司"),
        "same_core_same_branch",
        "legal form and region",
    ),
    (
        organisation("a", "上海林氏贸易有限公司"),
        organisation("b", "上海林氏贸易有限公司徐汇分公司"),
        "same_core_different_branch",
        "branch",
    ),
    (
        organisation("a", "上海林氏国际贸易发展有限公司"),
        organisation("b", "上海林式国际贸易发展有限公司"),
        "core_fuzzy_0.85",
        "typo in core",
    ),
    (
        organisation("a", "上海林氏贸易有限公司"),
        organisation("b", "北京华联商厦股份有限公司"),
        "different",
        "other",
    ),
    (person("a", "林嘉欣"), organisation("b", "上海林氏贸易有限公司"), "null", "person has none"),
]

TABLE = [
    ("name", NAME_ROWS),
    ("phone", PHONE_ROWS),
    ("email", EMAIL_ROWS),
    ("identifier", IDENTIFIER_ROWS),
    ("unionid", UNIONID_ROWS),
    ("birth_date", BIRTH_ROWS),
    ("address", ADDRESS_ROWS),
    ("gender", GENDER_ROWS),
    ("org_name", ORG_ROWS),
]


@pytest.mark.parametrize(
    ("comparison", "left", "right", "expected"),
    [
        pytest.param(name, left, right, expected, id=f"{name}-{label}")
        for name, rows in TABLE
        for left, right, expected, label in rows
    ],
)
def test_comparison_level(
    comparison: str, left: PartyRecord, right: PartyRecord, expected: str
) -> None:
    assert level(comparison, left, right) == expected
    assert level(comparison, right, left) == expected


def test_name_levels_take_the_best_of_several_names() -> None:
    a = person("a", "林嘉欣", names=("Cathy Lin",))
    assert level("name", a, person("b", "Cathy Lin")) == "exact"


def test_unknown_test_name_is_rejected() -> None:
    bad = Comparison(
        "x", "emails", (ComparisonLevel("null", "null"), ComparisonLevel("y", "soundex"))
    )
    with pytest.raises(ValueError, match="soundex"):
        compile_comparison(bad)


def test_records_citing_one_order_or_ticket_share_a_reference() -> None:
    caller = replace(person("C-1", "林小姐", source="callcenter"), references=("order:E-1",))
    buyer = replace(person("E-1", "林嘉欣"), references=("order:E-1",))
    other = replace(person("C-2", "林小姐", source="callcenter"), references=("ticket:T-2",))
    assert level("reference", caller, buyer) == "exact"
    assert level("reference", caller, other) == "different"
    assert level("reference", caller, person("M-1", "林嘉欣")) == "null"
