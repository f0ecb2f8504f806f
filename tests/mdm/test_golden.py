"""The golden view as stored JSON, and the text of an address value."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from mdm.golden import AttributeValue, GoldenView, Lineage, SourceContribution, address_text
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
from mdm.survivorship import load_policy, survive

CST = timezone(timedelta(hours=8))
ADDRESS = Address(
    "上海市徐汇区漕溪北路88号 12楼", "上海", "31", "上海", "徐汇区", "漕溪北路88号12楼", "200030"
)


def _contribution(
    record_id: int, record: PartyRecord, confirmed: bool = False
) -> SourceContribution:
    return SourceContribution(
        record_id,
        record.source_system,
        record.source_key,
        datetime(2024, 11, 8, tzinfo=CST),
        record.observed_at,
        record,
        confirmed,
    )


def _person_view() -> GoldenView:
    shop = PartyRecord(
        "shop",
        "M100234",
        PartyKind.PERSON,
        names=(PersonName("林嘉欣", "林嘉欣", "林", "嘉欣", "lin jia xin", "ljx", False),),
        nickname="小林🌸",
        phones=(Phone("+86 139-1234-5678", "+8613912345678", PhoneKind.MOBILE),),
        emails=(Email("Lin.JiaXin@Example.com", "lin.jiaxin@example.com"),),
        identifiers=(
            Identifier(IdentifierKind.UNIONID, "oX7a", "OX7A", True),
            Identifier(IdentifierKind.RESIDENT_ID, "110105", "110105", False),
        ),
        birth_date=date(1990, 3, 14),
        gender="F",
        addresses=(ADDRESS,),
        member_level="GOLD",
        observed_at=datetime(2023, 5, 2, 10, 11, 12, tzinfo=CST),
    )
    call = PartyRecord(
        "callcenter",
        "C-88120",
        PartyKind.PERSON,
        names=(PersonName("林小姐", "林", "林", None, "lin", "l", False, True),),
        phones=(Phone("021-62345678", "+862162345678", PhoneKind.LANDLINE),),
        observed_at=datetime(2024, 11, 6, 9, 12, 44, tzinfo=CST),
    )
    wechat = PartyRecord(
        "wechat", "o6_bm", PartyKind.PERSON, subscribed=True, avatar_url="http://a"
    )
    return survive(
        [_contribution(1, shop), _contribution(2, call), _contribution(3, wechat)], load_policy()
    )


def _org_view() -> GoldenView:
    erp = PartyRecord(
        "erp",
        "0000100234",
        PartyKind.ORGANISATION,
        org_name=OrgName(
            "上海林氏贸易有限公司", "上海林氏贸易有限公司", "林氏贸易", "有限公司", None
        ),
        identifiers=(Identifier(IdentifierKind.CREDIT_CODE, "x", "91310104MA1FL3XX2Q", True),),
    )
    return survive([_contribution(7, erp)], load_policy())


@pytest.mark.parametrize("make_view", [_person_view, _org_view])
def test_golden_view_round_trips_through_json(make_view: object) -> None:
    assert callable(make_view)
    view: GoldenView = make_view()
    text = json.dumps(view.to_dict(), ensure_ascii=False)
    assert GoldenView.from_dict(json.loads(text)) == view


def test_golden_view_dict_has_a_stable_key_order() -> None:
    d = _person_view().to_dict()
    assert list(d)[:4] == ["kind", "display_name", "person_name", "org_name"]
    assert list(d)[-3:] == ["lineage", "source_record_ids", "policy_version"]
    assert json.dumps(d) == json.dumps(_person_view().to_dict())


def test_person_view_reads_as_the_customer() -> None:
    view = _person_view()
    assert (view.display_name, view.primary_phone, view.primary_email) == (
        "林嘉欣",
        "+8613912345678",
        "lin.jiaxin@example.com",
    )
    assert view.primary_address == ADDRESS
    assert [v.value for v in view.identifiers] == ["OX7A"]
    assert [(v.value, v.valid) for v in view.identifier_evidence] == [("110105", False)]
    assert view.source_record_ids == (1, 2, 3)


def test_attribute_value_and_lineage_round_trip() -> None:
    value = AttributeValue(
        "上海 徐汇区 漕溪北路88号12楼", (1, 4), True, "source_priority:shop", address=ADDRESS
    )
    assert AttributeValue.from_dict(json.loads(json.dumps(value.to_dict()))) == value
    entry = Lineage("phone", "+8613912345678", (1, 2), "retained", is_primary=False)
    assert Lineage.from_dict(entry.to_dict()) == entry


@pytest.mark.parametrize(
    ("address", "text"),
    [
        (ADDRESS, "上海 徐汇区 漕溪北路88号12楼"),
        (Address("", "广东", "44", "广州", "天河区", None), "广东 广州 天河区"),
        (Address("x", None, None, None, None, "漕溪北路88号"), "漕溪北路88号"),
        (Address("x", None, None, None, None, None), ""),
    ],
)
def test_address_text_joins_the_known_parts(address: Address, text: str) -> None:
    assert address_text(address) == text
