"""WeChat: official-account followers, mini-program phone bindings, unsubscribes.

Every event becomes a person :class:`PartyRecord` keyed by ``openid``. WeChat
events are partial (an unsubscribe carries only the openid and a time), so this
connector ``overlays``: the pipeline lays the fields an event carries over the
stored record instead of replacing it, and each record here sets only the
fields its event actually carries.

The nickname is not a name: WeChat never gives a real name, so ``names`` stays
empty and the nickname (emoji and all) goes to ``nickname``. The ``remark``
the account operator typed is kept in ``extra`` unread; operators use it for
anything from real names to "VIP".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors import fields
from connectors.base import RejectedPayload, rejecting_unexpected
from mdm.normalize.addresses import normalize_address
from mdm.records import Identifier, IdentifierKind, ParsedPayload, PartyKind, PartyRecord

SYSTEM = "wechat"
_SEX = {0: None, 1: "M", 2: "F"}
_HOME_COUNTRIES = frozenset({"中国", "china", "cn"})


class WeChatConnector:
    """Parses WeChat ``user_info``, ``phone_bound``, ``subscribe`` and ``unsubscribe`` events.

    Example:
        >>> record = WeChatConnector().parse({"event": "unsubscribe", "openid": "o6_b"}).parties[0]
        >>> record.source_key, record.subscribed, record.nickname
        ('o6_b', False, None)
    """

    system = SYSTEM
    overlays = True

    @rejecting_unexpected
    def parse(self, payload: Mapping[str, Any]) -> ParsedPayload:
        """Map one WeChat event to a partial party record; see the module docstring.

        Raises:
            RejectedPayload: no ``openid``, no or unknown ``event``, wrong types.
        """
        event = fields.text(payload, "event")
        if event == "user_info":
            record = _user_info(payload)
        elif event == "phone_bound":
            record = _phone_bound(payload)
        elif event in {"subscribe", "unsubscribe"}:
            record = _subscription(payload, subscribed=event == "subscribe")
        elif event is None:
            raise RejectedPayload("missing_key:event", "a WeChat payload needs an event")
        else:
            raise RejectedPayload("unknown_type", f"unknown WeChat event {event!r}")
        return ParsedPayload(parties=(record,))


def _user_info(payload: Mapping[str, Any]) -> PartyRecord:
    openid = fields.key(payload, "openid")
    extra: dict[str, str] = {}
    for name in ("language", "remark", "country"):
        value = fields.text(payload, name)
        if value is not None and not (name == "country" and value.lower() in _HOME_COUNTRIES):
            extra[name] = value
    tags = payload.get("tagid_list")
    if isinstance(tags, list) and tags:
        extra["tagid_list"] = ",".join(str(tag) for tag in tags)
    province = fields.text(payload, "province")
    city = fields.text(payload, "city")
    address = normalize_address(province=province, city=city) if province or city else None
    subscribe = _lenient_int(payload, "subscribe", extra)
    return PartyRecord(
        source_system=SYSTEM,
        source_key=openid,
        kind=PartyKind.PERSON,
        nickname=fields.text(payload, "nickname"),
        identifiers=_ids(payload, openid),
        gender=_sex(payload, extra),
        addresses=(address,) if address is not None else (),
        subscribed=None if subscribe is None else subscribe == 1,
        avatar_url=fields.text(payload, "headimgurl"),
        observed_at=fields.party_timestamp(payload, "subscribe_time", extra),
        extra=extra,
    )


def _phone_bound(payload: Mapping[str, Any]) -> PartyRecord:
    openid = fields.key(payload, "openid")
    extra: dict[str, str] = {}
    pure = fields.text(payload, "purePhoneNumber")
    country = fields.text(payload, "countryCode")
    phone: str | None = None
    if pure and country:
        phone = f"+{country.lstrip('+')} {pure}"
    else:
        phone = fields.text(payload, "phoneNumber") or pure
    return PartyRecord(
        source_system=SYSTEM,
        source_key=openid,
        kind=PartyKind.PERSON,
        phones=fields.phones(phone),
        identifiers=_ids(payload, openid),
        observed_at=fields.party_timestamp(payload, "bound_at", extra),
        extra=extra,
    )


def _subscription(payload: Mapping[str, Any], *, subscribed: bool) -> PartyRecord:
    openid = fields.key(payload, "openid")
    extra: dict[str, str] = {}
    return PartyRecord(
        source_system=SYSTEM,
        source_key=openid,
        kind=PartyKind.PERSON,
        identifiers=_ids(payload, openid),
        subscribed=subscribed,
        observed_at=fields.party_timestamp(payload, "time", extra),
        extra=extra,
    )


def _ids(payload: Mapping[str, Any], openid: str) -> tuple[Identifier, ...]:
    return fields.identifiers(
        fields.identifier(IdentifierKind.OPENID, openid),
        fields.identifier(IdentifierKind.UNIONID, fields.text(payload, "unionid")),
    )


def _sex(payload: Mapping[str, Any], extra: dict[str, str]) -> str | None:
    sex = _lenient_int(payload, "sex", extra)
    if sex is not None and sex not in _SEX:
        extra["invalid_sex"] = str(payload.get("sex"))
    return _SEX.get(sex) if sex is not None else None


def _lenient_int(payload: Mapping[str, Any], field: str, extra: dict[str, str]) -> int | None:
    """An optional flag of the follower: junk is kept in ``extra``, not fatal."""
    try:
        return fields.integer(payload, field)
    except RejectedPayload:
        extra[f"invalid_{field}"] = str(payload.get(field))
        return None
