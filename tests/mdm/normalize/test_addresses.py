from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdm.normalize.addresses import (
    PROVINCES,
    normalize_address,
    normalize_city,
    normalize_district,
    normalize_province,
    parse_address_text,
)

PROVINCE_ROWS = [
    ("上海市", ("上海", "31"), "full name"),
    ("上海", ("上海", "31"), "short name"),
    ("31", ("上海", "31"), "ERP REGIO code"),
    ("310104", ("上海", "31"), "six-digit division code"),
    ("Shanghai", ("上海", "31"), "pinyin"),
    ("SHANGHAI SHI", ("上海", "31"), "pinyin with shi"),
    ("CN-SH", ("上海", "31"), "ISO 3166-2 letters"),
    ("CN-31", ("上海", "31"), "ISO 3166-2 digits"),
    ("广东", ("广东", "44"), "wechat province"),
    ("广东省", ("广东", "44"), "with 省"),
    ("廣東省", ("广东", "44"), "traditional"),
    ("Guangdong Province", ("广东", "44"), "English"),
    ("11", ("北京", "11"), "Beijing code"),
    ("内蒙古自治区", ("内蒙古", "15"), "autonomous region"),
    ("广西壮族自治区", ("广西", "45"), "Guangxi"),
    ("广西省", ("广西", "45"), "common mistake 广西省"),
    ("新疆维吾尔自治区", ("新疆", "65"), "Xinjiang"),
    ("Inner Mongolia", ("内蒙古", "15"), "English name"),
    ("Shaanxi", ("陕西", "61"), "Shaanxi is 陕西"),
    ("Shanxi", ("山西", "14"), "Shanxi is 山西"),
    ("香港特别行政区", ("香港", "81"), "Hong Kong"),
    ("Hong Kong", ("香港", "81"), "Hong Kong English"),
    ("澳门", ("澳门", "82"), "Macau"),
    ("台湾省", ("台湾", "71"), "Taiwan"),
    ("SH", (None, None), "ambiguous abbreviation"),
    ("99", (None, None), "no such code"),
    ("California", (None, None), "foreign"),
    ("", (None, None), "empty"),
    (None, (None, None), "None"),
]


@pytest.mark.parametrize(
    ("value", "expected", "label"), PROVINCE_ROWS, ids=[r[-1] for r in PROVINCE_ROWS]
)
def test_normalize_province(
    value: str | None, expected: tuple[str | None, str | None], label: str
) -> None:
    assert normalize_province(value) == expected, label


def test_the_province_table_has_all_34_divisions() -> None:
    assert len(PROVINCES) == 34
    assert len({p.code for p in PROVINCES}) == 34
    assert [p.code for p in PROVINCES][:2] == ["11", "12"]
    assert [p.code for p in PROVINCES][-2:] == ["81", "82"]
    for p in PROVINCES:
        assert normalize_province(p.full) == (p.short, p.code)
        assert normalize_province(p.pinyin) == (p.short, p.code)
        assert normalize_province(p.code) == (p.short, p.code)


CITY_ROWS = [
    ("广州市", "广州", "市 removed"),
    ("广州", "广州", "short already"),
    ("上海市", "上海", "municipality"),
    ("Guangzhou", "广州", "pinyin from wechat"),
    ("延边朝鲜族自治州", "延边", "autonomous prefecture"),
    ("黔东南苗族侗族自治州", "黔东南", "two peoples"),
    ("阿克苏地区", "阿克苏", "地区"),
    ("锡林郭勒盟", "锡林郭勒", "盟"),
    ("市辖区", None, "placeholder of a municipality"),
    ("", None, "empty"),
    ("Toronto", "Toronto", "unknown latin kept"),
]


@pytest.mark.parametrize(("value", "expected", "label"), CITY_ROWS, ids=[r[-1] for r in CITY_ROWS])
def test_normalize_city(value: str, expected: str | None, label: str) -> None:
    assert normalize_city(value) == expected, label


DISTRICT_ROWS = [
    ("徐汇区", "徐汇", "区 removed"),
    ("徐汇", "徐汇", "short already"),
    ("浦东新区", "浦东", "新区"),
    ("昆山市", "昆山", "county-level city"),
    ("丰县", "丰县", "one character would be left"),
    ("东区", "东区", "one character would be left"),
    ("长阳土家族自治县", "长阳", "autonomous county"),
    ("鄂温克族自治旗", "鄂温克", "autonomous banner"),
    ("市辖区", None, "placeholder"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(
    ("value", "expected", "label"), DISTRICT_ROWS, ids=[r[-1] for r in DISTRICT_ROWS]
)
def test_normalize_district(value: str, expected: str | None, label: str) -> None:
    assert normalize_district(value) == expected, label


# (parts, (province, code, city, district, detail, postcode), label)
ADDRESS_ROWS: list[tuple[dict[str, str], tuple[str | None, ...], str]] = [
    (
        {"province": "上海市", "city": "上海市", "district": "徐汇区",
         "detail": "漕溪北路88号 12楼", "postcode": "200030"},
        ("上海", "31", "上海", "徐汇", "漕溪北路88号12楼", "200030"),
        "shop member",
    ),
    (
        {"province": "上海", "city": "上海", "district": "徐汇", "detail": "漕溪北路88号12楼"},
        ("上海", "31", "上海", "徐汇", "漕溪北路88号12楼", None),
        "shop order receiver",
    ),
    (
        {"region_code": "31", "city": "上海", "district": "徐汇区", "detail": "漕溪北路88号",
         "postcode": "200030"},
        ("上海", "31", "上海", "徐汇", "漕溪北路88号", "200030"),
        "ERP customer: REGIO code",
    ),
    (
        {"province": "上海市", "district": "徐汇区", "detail": "上海市徐汇区漕溪北路88号"},
        ("上海", "31", "上海", "徐汇", "漕溪北路88号", None),
        "repeated prefix stripped, municipality is its city",
    ),
    (
        {"province": "上海", "district": "徐汇", "detail": "上海徐汇漕溪北路88号"},
        ("上海", "31", "上海", "徐汇", "漕溪北路88号", None),
        "short repeated prefix stripped",
    ),
    (
        {"province": "广东", "city": "广州"},
        ("广东", "44", "广州", None, None, None),
        "wechat follower",
    ),
    (
        {"city": "广州市", "district": "天河区", "detail": "天河路385号"},
        ("广东", "44", "广州", "天河", "天河路385号", None),
        "province inferred from the city",
    ),
    (
        {"province": "广东", "city": "广州", "detail": "北京路８８号"},
        ("广东", "44", "广州", None, "北京路88号", None),
        "street named after a city is kept, full-width digits",
    ),
    (
        {"province": "上海", "detail": "上海中心大厦"},
        ("上海", "31", "上海", None, "上海中心大厦", None),
        "building named after the city is kept",
    ),
    (
        {"province": "臺灣", "city": "臺北市", "detail": "信義路 5段 7號"},
        ("台湾", "71", "台北", None, "信义路5段7号", None),
        "traditional",
    ),
    (
        {"detail": "上海市徐汇区漕溪北路88号12楼"},
        ("上海", "31", "上海", "徐汇", "漕溪北路88号12楼", None),
        "only a free-text detail is parsed",
    ),
    (
        {"province": "广东", "detail": "广州市天河区天河路385号"},
        ("广东", "44", "广州", "天河", "天河路385号", None),
        "city and district found in the detail",
    ),
    (
        {"province": "广东", "detail": "上海市徐汇区漕溪北路88号"},
        ("广东", "44", None, None, "上海市徐汇区漕溪北路88号", None),
        "a detail contradicting the province is left alone",
    ),
    (
        {"province": "上海", "city": "市辖区", "district": "徐汇区"},
        ("上海", "31", "上海", "徐汇", None, None),
        "市辖区 placeholder city",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("parts", "expected", "label"), ADDRESS_ROWS, ids=[r[-1] for r in ADDRESS_ROWS]
)
def test_normalize_address(
    parts: dict[str, str], expected: tuple[str | None, ...], label: str
) -> None:
    address = normalize_address(**parts)
    assert address is not None, label
    got = (
        address.province,
        address.province_code,
        address.city,
        address.district,
        address.detail,
        address.postcode,
    )
    assert got == expected


def test_address_raw_joins_the_parts() -> None:
    address = normalize_address(
        province="上海市", city="上海市", district="徐汇区", detail="漕溪北路88号"
    )
    assert address is not None
    assert address.raw == "上海市 上海市 徐汇区 漕溪北路88号"


def test_all_blank_address_is_none() -> None:
    assert normalize_address() is None
    assert normalize_address(province="", city=" ", district="null", detail="-") is None


PARSE_ROWS = [
    ("上海市徐汇区漕溪北路88号12楼", ("上海", "上海", "徐汇", "漕溪北路88号12楼"), "municipality"),
    ("广东省广州市天河区天河路385号", ("广东", "广州", "天河", "天河路385号"), "province"),
    ("广州市天河区天河路385号", ("广东", "广州", "天河", "天河路385号"), "city first"),
    ("北京市朝阳区建国路88号", ("北京", "北京", "朝阳", "建国路88号"), "朝阳 district not city"),
    ("江苏省苏州市昆山市前进中路1号", ("江苏", "苏州", "昆山", "前进中路1号"),
     "county-level city"),
    ("中国上海市徐汇区漕溪北路88号", ("上海", "上海", "徐汇", "漕溪北路88号"), "country prefix"),
    ("内蒙古自治区锡林郭勒盟锡林浩特市某路1号", ("内蒙古", "锡林郭勒", "锡林浩特", "某路1号"),
     "盟"),
    ("浙江省丽水市景宁畲族自治县某路1号", ("浙江", "丽水", "景宁", "某路1号"),
     "autonomous county"),
    ("上海 徐汇 漕溪北路88号", ("上海", "上海", None, "徐汇漕溪北路88号"),
     "district without suffix stays in the detail"),
    ("北京路88号", (None, None, None, "北京路88号"), "a street named after a city"),
    ("上海市华府小区3号楼", ("上海", "上海", None, "华府小区3号楼"), "a 小区 is no district"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected", "label"), PARSE_ROWS, ids=[r[-1] for r in PARSE_ROWS])
def test_parse_address_text(text: str, expected: tuple[str | None, ...], label: str) -> None:
    address = parse_address_text(text)
    assert address is not None, label
    assert (address.province, address.city, address.district, address.detail) == expected
    assert address.raw == text


def test_parse_blank_address_is_none() -> None:
    assert parse_address_text("  ") is None


_provinces = st.sampled_from(["", "上海市", "上海", "31", "广东省", "广东", "Guangdong", "北京"])
_cities = st.sampled_from(["", "上海市", "广州市", "广州", "市辖区", "深圳", "Shenzhen"])
_districts = st.sampled_from(["", "徐汇区", "徐汇", "浦东新区", "天河区", "昆山市", "东区"])
_details = st.sampled_from(
    [
        "",
        "漕溪北路88号 12楼",
        "上海市徐汇区漕溪北路88号",
        "北京路８８号",
        "徐汇区徐汇路1号",
        "上海中心",
    ]
) | st.text(max_size=15)


@settings(deadline=None)
@given(_provinces, _cities, _districts, _details, st.sampled_from(["", "200030"]))
def test_normalising_an_address_twice_changes_nothing(
    province: str, city: str, district: str, detail: str, postcode: str
) -> None:
    first = normalize_address(
        province=province, city=city, district=district, detail=detail, postcode=postcode
    )
    if first is None or not any((first.province, first.city, first.district, first.detail)):
        return  # nothing recognised (an unknown province): only ``raw`` is kept
    again = normalize_address(
        province=first.province,
        city=first.city,
        district=first.district,
        detail=first.detail,
        postcode=first.postcode,
    )
    assert again is not None
    assert (again.province, again.province_code, again.city, again.district) == (
        first.province,
        first.province_code,
        first.city,
        first.district,
    )
    assert (again.detail, again.postcode) == (first.detail, first.postcode)


@given(st.text(max_size=30))
def test_parse_address_text_never_raises(text: str) -> None:
    parse_address_text(text)
