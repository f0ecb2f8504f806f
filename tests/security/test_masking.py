from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdhub.security.masking import (
    mask_address_parts,
    mask_attribute,
    mask_email,
    mask_identifier,
    mask_name,
    mask_phone,
    mask_pinyin,
    mask_resident_id,
    mask_view,
    masks_personal_data,
)
from cdhub.security.principal import Principal, Role

BI = Principal(role=Role.BI, name="report")
CHANNEL = Principal(role=Role.CHANNEL, name="shop-app")
PARTNER = Principal(role=Role.PARTNER, name="d001", partner_id=1)
PARTNER_PII = Principal(role=Role.PARTNER, name="d001", partner_id=1, grants=frozenset({"pii"}))


@pytest.mark.parametrize(
    ("value", "expected", "label"),
    [
        ("13912345678", "139****5678", "national mobile"),
        ("+8613912345678", "+86139****5678", "E.164 keeps the country code"),
        ("139 1234 5678", "139 **** 5678", "spacing kept"),
        ("021-62345678", "021-****5678", "landline: first three and last four digits"),
        ("12345", "***45", "short number keeps two"),
        ("", "", "empty"),
        (None, None, "missing"),
    ],
)
def test_phone_masks(value: str | None, expected: str | None, label: str) -> None:
    assert mask_phone(value) == expected, label


@pytest.mark.parametrize(
    ("mask", "value", "expected"),
    [
        (mask_resident_id, "310104199001011234", "310104********1234"),
        (mask_resident_id, "31010419900101X", "310104*****101X"),
        (mask_email, "lin.jiaxin@example.com", "l***@example.com"),
        (mask_email, "not-an-email", "n****l"),
        (mask_name, "林嘉欣", "林**"),
        (mask_name, "王伟", "王*"),
        (mask_name, "欧阳娜娜", "欧***"),
        (mask_name, "林", "*"),
        (mask_pinyin, "lin jia xin", "lin *** ***"),
    ],
)
def test_value_masks(mask: object, value: str, expected: str) -> None:
    assert mask(value) == expected  # type: ignore[operator]


def test_identifiers_mask_by_kind() -> None:
    assert mask_identifier("resident_id", "310104199001011234") == "310104********1234"
    assert mask_identifier("credit_code", "91310104MA1FL3XX24") == "91310104MA1FL3XX24"
    assert mask_identifier("unionid", "o6_bmasdasdsad6_2sgVt7hMZOPfL") == "o****L"


def test_addresses_keep_the_district_only() -> None:
    assert mask_address_parts("上海", "上海", "徐汇区", "漕溪北路88号12楼") == "上海上海徐汇区****"
    assert mask_attribute("address", "上海市徐汇区漕溪北路88号") == "上海市徐汇区****"


def test_lineage_values_mask_by_attribute() -> None:
    assert mask_attribute("person_name", "林嘉欣") == "林**"
    assert mask_attribute("phone", "+8613912345678") == "+86139****5678"
    assert mask_attribute("identifier.resident_id", "310104199001011234") == "310104********1234"
    assert mask_attribute("member_level", "GOLD") == "GOLD"


def test_who_sees_masked_data() -> None:
    assert masks_personal_data(BI)
    assert masks_personal_data(PARTNER)
    assert not masks_personal_data(PARTNER_PII)
    assert not masks_personal_data(CHANNEL)
    assert masks_personal_data(None)


def _record() -> dict[str, object]:
    return {
        "id": 7,
        "kind": "person",
        "display_name": "林嘉欣",
        "name_pinyin": "lin jia xin",
        "primary_phone": "+8613912345678",
        "primary_email": "lin.jiaxin@example.com",
        "view": {
            "kind": "person",
            "display_name": "林嘉欣",
            "person_name": {
                "raw": "林嘉欣",
                "full": "林嘉欣",
                "given": "嘉欣",
                "pinyin": "lin jia xin",
                "initials": "ljx",
                "surname": "林",
            },
            "nickname": "小林",
            "birth_date": "1990-03-14",
            "primary_phone": "+8613912345678",
            "phones": [{"value": "+8613912345678", "is_primary": True, "kind": "mobile"}],
            "emails": [{"value": "lin.jiaxin@example.com", "is_primary": True}],
            "identifiers": [{"value": "310104199001011234", "kind": "resident_id"}],
            "primary_address": {
                "raw": "上海市徐汇区漕溪北路88号",
                "province": "上海",
                "city": "上海",
                "district": "徐汇区",
                "detail": "漕溪北路88号",
            },
            "addresses": [],
            "lineage": [{"attribute": "person_name", "value": "林嘉欣"}],
        },
    }


def test_mask_view_hides_every_personal_value_from_bi() -> None:
    masked = mask_view(_record(), BI)
    text = repr(masked)
    for secret in (
        "林嘉欣",
        "嘉欣",
        "12345678",
        "lin.jiaxin",
        "199001011234",
        "漕溪北路",
        "1990-03-14",
    ):
        assert secret not in text, secret
    assert masked["display_name"] == "林**"
    assert masked["view"]["phones"][0]["value"] == "+86139****5678"


def test_mask_view_leaves_channel_views_and_the_input_alone() -> None:
    record = _record()
    assert mask_view(record, CHANNEL) == record
    mask_view(record, BI)
    assert record["display_name"] == "林嘉欣"


def test_organisation_names_are_not_masked() -> None:
    record = {**_record(), "kind": "organisation", "display_name": "上海林氏贸易有限公司"}
    assert mask_view(record, BI)["display_name"] == "上海林氏贸易有限公司"


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_masked_mobiles_hide_the_middle_four(mobile: str) -> None:
    masked = mask_phone(mobile)
    assert masked is not None
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", masked)
    assert masked[:3] == mobile[:3]
    assert masked[-4:] == mobile[-4:]
