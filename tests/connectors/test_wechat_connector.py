"""WeChat events: partial party records the pipeline overlays."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.base import RejectedPayload
from connectors.wechat import WeChatConnector
from mdm.records import IdentifierKind, PartyKind, PartyRecord

USER_INFO: dict[str, Any] = {
    "event": "user_info",
    "openid": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
    "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL",
    "nickname": "Band🎸",
    "sex": 1,
    "language": "zh_CN",
    "city": "广州",
    "province": "广东",
    "country": "中国",
    "headimgurl": "http://thirdwx.qlogo.cn/mmopen/abc/132",
    "subscribe": 1,
    "subscribe_time": 1382694957,
    "remark": "",
    "tagid_list": [128, 2],
}
PHONE_BOUND: dict[str, Any] = {
    "event": "phone_bound",
    "openid": "oMini_x8u",
    "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL",
    "phoneNumber": "+86 13912345678",
    "purePhoneNumber": "13912345678",
    "countryCode": "86",
    "bound_at": 1730640000,
}


def parse(payload: dict[str, Any]) -> PartyRecord:
    parsed = WeChatConnector().parse(payload)
    assert not parsed.facts
    (party,) = parsed.parties
    assert party.kind is PartyKind.PERSON
    return party


def test_follower_maps_the_user_info_api() -> None:
    party = parse(USER_INFO)
    assert (party.source_system, party.source_key) == ("wechat", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M")
    assert party.nickname == "Band🎸"
    assert party.names == ()  # a nickname is not a name
    assert party.gender == "M"
    (address,) = party.addresses
    assert (address.province, address.city, address.detail) == ("广东", "广州", None)
    assert {(i.kind, i.value) for i in party.identifiers} == {
        (IdentifierKind.OPENID, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"),
        (IdentifierKind.UNIONID, "o6_bmasdasdsad6_2sgVt7hMZOPfL"),
    }
    assert party.avatar_url == "http://thirdwx.qlogo.cn/mmopen/abc/132"
    assert party.subscribed is True
    assert party.observed_at == datetime(2013, 10, 25, 9, 55, 57, tzinfo=UTC)
    assert party.extra == {"language": "zh_CN", "tagid_list": "128,2"}


@pytest.mark.parametrize(
    ("sex", "gender"), [(0, None), (1, "M"), (2, "F"), ("2", "F"), (None, None)]
)
def test_sex_codes_become_gender(sex: object, gender: str | None) -> None:
    assert parse({**USER_INFO, "sex": sex}).gender == gender


def test_an_unknown_sex_code_is_kept_as_evidence() -> None:
    party = parse({**USER_INFO, "sex": 9})
    assert party.gender is None
    assert party.extra["invalid_sex"] == "9"


def test_the_remark_is_kept_but_not_read_as_a_name() -> None:
    party = parse({**USER_INFO, "remark": "VIP 林女士"})
    assert party.names == ()
    assert party.extra["remark"] == "VIP 林女士"


def test_a_foreign_country_is_kept_in_extra() -> None:
    assert parse({**USER_INFO, "country": "新加坡"}).extra["country"] == "新加坡"


def test_an_unsubscribed_follower_info_carries_only_the_status() -> None:
    party = parse({"event": "user_info", "openid": "o6_x", "subscribe": 0})
    assert party.subscribed is False
    assert (party.nickname, party.gender, party.avatar_url, party.observed_at) == (
        None,
        None,
        None,
        None,
    )
    assert party.addresses == ()


def test_subscribe_time_as_digits_and_junk() -> None:
    assert parse({**USER_INFO, "subscribe_time": "1382694957"}).observed_at == datetime(
        2013, 10, 25, 9, 55, 57, tzinfo=UTC
    )
    junk = parse({**USER_INFO, "subscribe_time": "yesterday"})
    assert junk.observed_at is None
    assert junk.extra["invalid_subscribe_time"] == "yesterday"


def test_phone_binding_adds_the_pure_number_with_its_country_code() -> None:
    party = parse(PHONE_BOUND)
    assert (party.source_key, party.nickname, party.names) == ("oMini_x8u", None, ())
    assert [p.e164 for p in party.phones] == ["+8613912345678"]
    assert party.phones[0].raw == "+86 13912345678"
    assert {i.kind for i in party.identifiers} == {IdentifierKind.OPENID, IdentifierKind.UNIONID}
    assert party.observed_at == datetime(2024, 11, 3, 13, 20, tzinfo=UTC)
    assert party.subscribed is None


def test_phone_binding_without_the_pure_number_uses_phone_number() -> None:
    payload = {"event": "phone_bound", "openid": "oMini_y", "phoneNumber": "13800138000"}
    party = parse(payload)
    assert [p.e164 for p in party.phones] == ["+8613800138000"]
    assert [i.kind for i in party.identifiers] == [IdentifierKind.OPENID]


def test_an_overseas_binding_keeps_its_country_code() -> None:
    payload = {**PHONE_BOUND, "purePhoneNumber": "91234567", "countryCode": "65"}
    assert parse(payload).phones[0].e164 == "+6591234567"


def test_unsubscribe_changes_only_the_status() -> None:
    party = parse({"event": "unsubscribe", "openid": "o6_x", "time": 1731000000})
    assert party.subscribed is False
    assert party.observed_at == datetime(2024, 11, 7, 17, 20, tzinfo=UTC)
    blank = PartyRecord("wechat", "o6_x", PartyKind.PERSON)
    for field in ("names", "nickname", "phones", "emails", "gender", "addresses", "avatar_url"):
        assert getattr(party, field) == getattr(blank, field), field


def test_the_connector_overlays() -> None:
    assert WeChatConnector().overlays is True


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"event": "user_info", "nickname": "x"}, "missing_key:openid"),
        ({"event": "unsubscribe", "openid": " "}, "missing_key:openid"),
        ({"event": "phone_bound", "openid": ["o1"]}, "bad_type:openid"),
        ({"openid": "o1"}, "missing_key:event"),
        ({"event": "location", "openid": "o1"}, "unknown_type"),
        ({**USER_INFO, "nickname": {"text": "x"}}, "bad_type:nickname"),
    ],
)
def test_unusable_events_are_rejected(payload: dict[str, Any], reason: str) -> None:
    with pytest.raises(RejectedPayload) as caught:
        WeChatConnector().parse(payload)
    assert caught.value.reason == reason
