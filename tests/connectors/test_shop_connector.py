"""Shop members and orders: the mapping details."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.base import RejectedPayload
from connectors.shop import ShopConnector
from mdm.records import (
    DeliveryFact,
    IdentifierKind,
    LoyaltyEvent,
    OrderFact,
    PartyKind,
    PartyRecord,
    PartyRef,
)

MEMBER: dict[str, Any] = {
    "type": "member",
    "member_id": "M100234",
    "nickname": "小林🌸",
    "name": "林嘉欣",
    "mobile": "+86 139-1234-5678",
    "email": "Lin.JiaXin@Example.com",
    "gender": "F",
    "birthday": "1990-03-14",
    "unionid": "oX7aT0u9",
    "level": "GOLD",
    "registered_at": "2023-05-02T10:11:12+08:00",
    "address": {
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "detail": "漕溪北路88号 12楼",
        "postcode": "200030",
    },
}
ORDER: dict[str, Any] = {
    "type": "order",
    "tid": "E20241103000123",
    "member_id": "M100234",
    "buyer_mobile": "13912345678",
    "created": "2024-11-03 20:15:00",
    "pay_time": "2024-11-03 20:16:41",
    "status": "SHIPPED",
    "payment": "398.00",
    "receiver": {
        "name": "林嘉欣",
        "mobile": "13912345678",
        "province": "上海",
        "city": "上海",
        "district": "徐汇",
        "address": "漕溪北路88号12楼",
    },
    "items": [
        {
            "oid": "1",
            "sku": "SKU-7731",
            "title": "保温杯 500ml",
            "num": 2,
            "price": "199.00",
            "batch_no": "B2410-07",
        }
    ],
    "logistics": {"company": "顺丰速运", "tracking_no": "SF1234567890"},
    "points_earned": 398,
}


def member(**changes: Any) -> PartyRecord:
    parsed = ShopConnector().parse({**MEMBER, **changes})
    assert not parsed.facts
    (party,) = parsed.parties
    return party


def order(**changes: Any) -> tuple[tuple[PartyRecord, ...], list[Any]]:
    payload = {k: v for k, v in {**ORDER, **changes}.items() if v is not ...}
    parsed = ShopConnector().parse(payload)
    return parsed.parties, list(parsed.facts)


def test_member_maps_every_attribute() -> None:
    party = member()
    assert (party.source_system, party.source_key, party.kind) == (
        "shop",
        "M100234",
        PartyKind.PERSON,
    )
    assert [n.full for n in party.names] == ["林嘉欣"]
    assert party.nickname == "小林🌸"
    assert [p.e164 for p in party.phones] == ["+8613912345678"]
    assert [e.value for e in party.emails] == ["lin.jiaxin@example.com"]
    assert party.gender == "F"
    assert party.birth_date == date(1990, 3, 14)
    assert {(i.kind, i.value) for i in party.identifiers} == {
        (IdentifierKind.MEMBER_ID, "M100234"),
        (IdentifierKind.UNIONID, "oX7aT0u9"),
    }
    assert party.member_level == "GOLD"
    assert party.observed_at == datetime(2023, 5, 2, 2, 11, 12, tzinfo=UTC)
    (address,) = party.addresses
    assert (address.province, address.city, address.postcode) == ("上海", "上海", "200030")
    assert party.extra == {}


def test_junk_birthday_keeps_the_member_and_the_raw_text() -> None:
    party = member(birthday="1990-13-45")
    assert party.birth_date is None
    assert party.extra["invalid_birthday"] == "1990-13-45"
    assert party.names


def test_junk_registration_time_keeps_the_member() -> None:
    party = member(registered_at="last spring")
    assert party.observed_at is None
    assert party.extra["invalid_registered_at"] == "last spring"


def test_emoji_stay_in_the_nickname_but_not_in_the_name() -> None:
    party = member(name="林嘉欣🌸", nickname=" 小林🌸 ")
    assert party.nickname == "小林🌸"
    assert party.names[0].full == "林嘉欣"


def test_blank_optional_fields_are_absent_not_empty_strings() -> None:
    party = member(email="", mobile=None, unionid="  ", level="null", address={})
    assert party.emails == ()
    assert party.phones == ()
    assert [i.kind for i in party.identifiers] == [IdentifierKind.MEMBER_ID]
    assert party.member_level is None
    assert party.addresses == ()


def test_an_address_written_as_one_line_is_parsed() -> None:
    party = member(address="广东省广州市天河区体育西路103号")
    assert party.addresses[0].province == "广东"


def test_an_integer_member_id_becomes_text() -> None:
    assert member(member_id=100234).source_key == "100234"


def test_member_order_refers_to_the_member_and_yields_no_party() -> None:
    parties, facts = order()
    assert parties == ()
    fact = facts[0]
    assert isinstance(fact, OrderFact)
    assert fact.party == PartyRef("shop", "M100234")
    assert (fact.order_no, fact.channel, fact.status, fact.currency) == (
        "E20241103000123",
        "shop",
        "SHIPPED",
        "CNY",
    )
    assert fact.total_amount == Decimal("398.00")
    assert fact.ordered_at == datetime(2024, 11, 3, 12, 15, tzinfo=UTC)
    assert fact.paid_at == datetime(2024, 11, 3, 12, 16, 41, tzinfo=UTC)
    (item,) = fact.items
    assert (item.line_no, item.sku, item.batch_no) == ("1", "SKU-7731", "B2410-07")
    assert (item.quantity, item.unit_price, item.amount) == (
        Decimal(2),
        Decimal("199.00"),
        Decimal("398.00"),
    )
    assert fact.receiver["name"] == "林嘉欣"
    assert fact.receiver["address"] == "漕溪北路88号12楼"


def test_logistics_become_a_delivery_keyed_by_tid() -> None:
    _, facts = order()
    (delivery,) = [f for f in facts if isinstance(f, DeliveryFact)]
    assert delivery == DeliveryFact(
        "shop", "E20241103000123", "E20241103000123", "顺丰速运", "SF1234567890", None
    )


def test_points_earned_become_an_idempotent_loyalty_entry() -> None:
    _, facts = order()
    (event,) = [f for f in facts if isinstance(f, LoyaltyEvent)]
    assert event.entry_key == "shop:order:E20241103000123:earn"
    assert (event.points, event.kind, event.order_no) == (398, "earn", "E20241103000123")
    assert event.party == PartyRef("shop", "M100234")
    assert event.occurred_at == datetime(2024, 11, 3, 12, 16, 41, tzinfo=UTC)


def test_no_points_and_no_logistics_yield_only_the_order() -> None:
    _, facts = order(points_earned=0, logistics=None)
    assert [type(f) for f in facts] == [OrderFact]


def test_negative_points_are_rejected() -> None:
    with pytest.raises(RejectedPayload, match="bad_value:points_earned"):
        order(points_earned=-5)


def test_guest_order_yields_the_buyer_keyed_by_tid() -> None:
    parties, facts = order(
        member_id=...,
        buyer_mobile="138 0013 8000",
        receiver={"name": "王伟", "mobile": "+86 138-0013-8000", "province": "广东",
                  "city": "广州", "district": "天河区", "address": "体育西路103号"},
    )  # fmt: skip
    (guest,) = parties
    assert (guest.source_system, guest.source_key) == ("shop", "E20241103000123")
    assert [n.full for n in guest.names] == ["王伟"]
    assert [p.e164 for p in guest.phones] == ["+8613800138000"]  # same number once
    assert guest.addresses[0].city == "广州"
    assert guest.observed_at == datetime(2024, 11, 3, 12, 15, tzinfo=UTC)
    assert guest.extra == {"role": "guest_buyer"}
    assert guest.references == ("order:E20241103000123",)  # a caller citing it meets the buyer
    refs = {f.party for f in facts if isinstance(f, OrderFact | LoyaltyEvent)}
    assert refs == {PartyRef("shop", "E20241103000123")}


def test_guest_order_to_a_company_yields_an_organisation() -> None:
    parties, _ = order(member_id="", receiver={"name": "上海林氏贸易有限公司", "mobile": ""})
    (guest,) = parties
    assert guest.kind is PartyKind.ORGANISATION
    assert guest.org_name is not None
    assert guest.org_name.core == "林氏贸易"
    assert guest.names == ()


def test_an_order_may_name_a_member_not_yet_seen() -> None:
    parties, facts = order(member_id="M100999")
    assert parties == ()
    assert facts[0].party == PartyRef("shop", "M100999")


@pytest.mark.parametrize(
    ("payment", "expected"),
    [("398.00", Decimal("398.00")), (59.9, Decimal("59.9")), (398, Decimal(398)),
     ("1,299.00", Decimal("1299.00")), ("", None), (None, None)],
)  # fmt: skip
def test_payment_is_a_decimal(payment: object, expected: Decimal | None) -> None:
    _, facts = order(payment=payment)
    assert facts[0].total_amount == expected


def test_item_amount_is_price_times_quantity_unless_given() -> None:
    items = [{"oid": "1", "num": "3", "price": "1.10"}, {"num": 2, "price": "5", "payment": "9"}]
    _, facts = order(items=items)
    first, second = facts[0].items
    assert first.amount == Decimal("3.30")
    assert (second.line_no, second.amount) == ("2", Decimal(9))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"type": None}, "missing_key:type"),
        ({"type": "refund"}, "unknown_type"),
        ({"tid": ""}, "missing_key:tid"),
        ({"items": {"oid": "1"}}, "bad_type:items"),
        ({"items": ["SKU-1"]}, "bad_type:items[0]"),
        ({"items": [{"num": "two"}]}, "bad_type:items[0].num"),
        ({"payment": "abc"}, "bad_type:payment"),
        ({"payment": True}, "bad_type:payment"),
        ({"receiver": "林嘉欣"}, "bad_type:receiver"),
        ({"receiver": {"name": ["林"]}}, "bad_type:receiver.name"),
        ({"logistics": 7}, "bad_type:logistics"),
        ({"created": "2024-02-30 10:00:00"}, "bad_timestamp:created"),
        ({"pay_time": "soon"}, "bad_timestamp:pay_time"),
        ({"points_earned": "many"}, "bad_type:points_earned"),
        ({"member_id": {"id": "M1"}}, "bad_type:member_id"),
    ],
)
def test_unusable_orders_are_rejected_with_a_reason(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(RejectedPayload) as caught:
        order(**changes)
    assert caught.value.reason == reason


def test_a_member_with_an_address_number_is_rejected() -> None:
    with pytest.raises(RejectedPayload, match="bad_type:address"):
        member(address=200030)


def test_a_guest_gift_to_someone_else_describes_only_the_buyer() -> None:
    order = {
        "type": "order",
        "tid": "E-GIFT",
        "buyer_mobile": "15961984517",
        "created": "2024-09-27 20:45:09",
        "status": "SHIPPED",
        "payment": "199.00",
        "receiver": {"name": "孙玲", "mobile": "19572129733", "province": "浙江"},
        "items": [],
    }
    (buyer,) = ShopConnector().parse(order).parties
    assert [p.e164 for p in buyer.phones] == ["+8615961984517"]
    assert buyer.names == ()
    assert buyer.addresses == ()
    assert buyer.extra["receiver_name"] == "孙玲"
