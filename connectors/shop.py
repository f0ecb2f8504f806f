"""The online shop: members and orders, one JSON object per line or webhook item.

A member becomes a person :class:`PartyRecord` keyed by ``member_id``. An
order becomes an :class:`OrderFact`, a :class:`DeliveryFact` when it carries
logistics and a :class:`LoyaltyEvent` when it earned points. A guest order (no
``member_id``) also yields the buyer as a party of its own, keyed by ``tid``
and built from the receiver and buyer mobile, so the hub can match the guest to
known customers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from connectors import fields
from connectors.base import RejectedPayload, rejecting_unexpected
from mdm.normalize.addresses import normalize_address, parse_address_text
from mdm.normalize.gender import normalize_gender
from mdm.normalize.names import looks_like_organisation, normalize_org_name
from mdm.records import (
    Address,
    DeliveryFact,
    Fact,
    IdentifierKind,
    LoyaltyEvent,
    OrderFact,
    OrderItem,
    ParsedPayload,
    PartyKind,
    PartyRecord,
    PartyRef,
    order_reference,
)

SYSTEM = "shop"


class ShopConnector:
    """Parses shop ``member`` and ``order`` payloads.

    Example:
        >>> parsed = ShopConnector().parse(
        ...     {"type": "member", "member_id": "M100234", "name": "林嘉欣", "gender": "F"}
        ... )
        >>> parsed.parties[0].source_key, parsed.parties[0].gender
        ('M100234', 'F')
    """

    system = SYSTEM
    overlays = False

    @rejecting_unexpected
    def parse(self, payload: Mapping[str, Any]) -> ParsedPayload:
        """Map one shop payload to canonical records; see the module docstring.

        Raises:
            RejectedPayload: no or unknown ``type``, no key, wrong structural
                types, unparseable amounts or order times.
        """
        kind = fields.text(payload, "type")
        if kind == "member":
            return ParsedPayload(parties=(_member(payload),))
        if kind == "order":
            return _order(payload)
        if kind is None:
            raise RejectedPayload("missing_key:type", "a shop payload needs a type")
        raise RejectedPayload("unknown_type", f"unknown shop payload type {kind!r}")


def _member(payload: Mapping[str, Any]) -> PartyRecord:
    member_id = fields.key(payload, "member_id")
    extra: dict[str, str] = {}
    gender_raw = fields.text(payload, "gender")
    gender = normalize_gender(gender_raw) if gender_raw else None
    if gender_raw and gender is None:
        extra["invalid_gender"] = gender_raw
    return PartyRecord(
        source_system=SYSTEM,
        source_key=member_id,
        kind=PartyKind.PERSON,
        names=fields.person_names(fields.text(payload, "name")),
        nickname=fields.text(payload, "nickname"),  # emoji kept: clean_text leaves them
        phones=fields.phones(fields.text(payload, "mobile"), fields.text(payload, "phone")),
        emails=fields.emails(fields.text(payload, "email")),
        identifiers=fields.identifiers(
            fields.identifier(IdentifierKind.MEMBER_ID, member_id),
            fields.identifier(IdentifierKind.UNIONID, fields.text(payload, "unionid")),
        ),
        birth_date=fields.party_date(payload, "birthday", extra),
        gender=gender,
        addresses=_addresses(payload, "address"),
        member_level=fields.text(payload, "level"),
        observed_at=fields.party_timestamp(payload, "registered_at", extra),
        extra=extra,
    )


def _order(payload: Mapping[str, Any]) -> ParsedPayload:
    tid = fields.key(payload, "tid")
    member_id = fields.optional_key(payload, "member_id")
    created = fields.timestamp(payload, "created")
    paid = fields.timestamp(payload, "pay_time")
    receiver = fields.sub_object(payload, "receiver") or {}
    parties: tuple[PartyRecord, ...] = ()
    if member_id is not None:
        party = PartyRef(SYSTEM, member_id)
    else:
        parties = (_guest(payload, tid, receiver, created),)
        party = PartyRef(SYSTEM, tid)
    facts: list[Fact] = [
        OrderFact(
            source_system=SYSTEM,
            order_no=tid,
            party=party,
            channel="shop",
            status=fields.text(payload, "status"),
            ordered_at=created,
            paid_at=paid,
            total_amount=fields.decimal(payload, "payment"),
            currency=fields.text(payload, "currency") or "CNY",
            items=_items(payload),
            receiver=_receiver_dict(receiver),
        )
    ]
    logistics = fields.sub_object(payload, "logistics")
    if logistics is not None:
        carrier = fields.text(logistics, "company", label="logistics.company")
        tracking = fields.text(logistics, "tracking_no", label="logistics.tracking_no")
        if carrier or tracking:
            shipped = fields.timestamp(logistics, "shipped_at", label="logistics.shipped_at")
            facts.append(DeliveryFact(SYSTEM, tid, tid, carrier, tracking, shipped))
    points = fields.integer(payload, "points_earned")
    if points is not None and points < 0:
        raise RejectedPayload("bad_value:points_earned", f"negative points earned: {points}")
    if points:
        facts.append(
            LoyaltyEvent(
                source_system=SYSTEM,
                entry_key=f"shop:order:{tid}:earn",
                party=party,
                points=points,
                kind="earn",
                order_no=tid,
                occurred_at=paid or created,
            )
        )
    return ParsedPayload(parties=parties, facts=tuple(facts))


def _guest(
    payload: Mapping[str, Any], tid: str, receiver: Mapping[str, Any], created: datetime | None
) -> PartyRecord:
    """The buyer of a guest order, known only by the receiver and the buyer mobile.

    A receiver reached on another number than the buyer's is someone else (a
    gift, a relative): then only the buyer mobile describes the buyer, and the
    receiver's name, phones and address stay in ``extra`` as evidence.
    """
    name = fields.text(receiver, "name", label="receiver.name")
    mobile = fields.text(receiver, "mobile", label="receiver.mobile")
    phone = fields.text(receiver, "phone", label="receiver.phone")
    buyer_mobile = fields.text(payload, "buyer_mobile")
    buyer_phones = fields.phones(buyer_mobile)
    receiver_phones = fields.phones(mobile, phone)
    if (
        buyer_phones
        and receiver_phones
        and not {p.e164 for p in buyer_phones} & {p.e164 for p in receiver_phones}
    ):
        evidence = {"receiver_name": name or "", "receiver_mobile": mobile or ""}
        return PartyRecord(
            source_system=SYSTEM,
            source_key=tid,
            kind=PartyKind.PERSON,
            phones=buyer_phones,
            observed_at=created,
            references=(order_reference(tid),),
            extra={"role": "guest_buyer", **{k: v for k, v in evidence.items() if v}},
        )
    is_org = name is not None and looks_like_organisation(name)
    address = normalize_address(
        province=fields.text(receiver, "province", label="receiver.province"),
        city=fields.text(receiver, "city", label="receiver.city"),
        district=fields.text(receiver, "district", label="receiver.district"),
        detail=fields.text(receiver, "address", label="receiver.address"),
        postcode=fields.text(receiver, "zip", label="receiver.zip"),
    )
    return PartyRecord(
        source_system=SYSTEM,
        source_key=tid,
        kind=PartyKind.ORGANISATION if is_org else PartyKind.PERSON,
        names=() if is_org else fields.person_names(name),
        org_name=normalize_org_name(name) if is_org and name else None,
        phones=fields.phones(buyer_mobile, mobile, phone),
        addresses=(address,) if address is not None else (),
        observed_at=created,
        references=(order_reference(tid),),
        extra={"role": "guest_buyer"},
    )


def _items(payload: Mapping[str, Any]) -> tuple[OrderItem, ...]:
    items = []
    for index, item in enumerate(fields.object_list(payload, "items")):
        where = f"items[{index}]"
        quantity = fields.decimal(item, "num", label=f"{where}.num")
        price = fields.decimal(item, "price", label=f"{where}.price")
        amount = fields.decimal(item, "payment", label=f"{where}.payment")
        if amount is None and quantity is not None and price is not None:
            amount = quantity * price
        items.append(
            OrderItem(
                line_no=fields.text(item, "oid", label=f"{where}.oid") or str(index + 1),
                sku=fields.text(item, "sku", label=f"{where}.sku"),
                title=fields.text(item, "title", label=f"{where}.title"),
                quantity=quantity,
                unit_price=price,
                amount=amount,
                batch_no=fields.text(item, "batch_no", label=f"{where}.batch_no"),
            )
        )
    return tuple(items)


def _receiver_dict(receiver: Mapping[str, Any]) -> dict[str, str]:
    """Every non-blank receiver field as clean text (name, mobile, address parts, ...)."""
    cleaned = {}
    for name, raw in receiver.items():
        value = fields.as_text(raw, f"receiver.{name}")
        if value is not None:
            cleaned[str(name)] = value
    return cleaned


def _addresses(payload: Mapping[str, Any], field: str) -> tuple[Address, ...]:
    """An address object, or free text (some shops send one line), as a 0/1-tuple."""
    value = payload.get(field)
    if isinstance(value, str):
        text = fields.as_text(value, field)
        address = parse_address_text(text) if text else None
        return (address,) if address is not None else ()
    parts = fields.sub_object(payload, field)
    if parts is None:
        return ()

    def part(name: str) -> str | None:
        return fields.text(parts, name, label=f"{field}.{name}")

    address = normalize_address(
        province=part("province"),
        city=part("city"),
        district=part("district"),
        detail=part("detail"),
        postcode=part("postcode"),
    )
    return (address,) if address is not None else ()
