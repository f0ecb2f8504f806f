"""JSON-ready dictionaries for canonical records and facts, and their content hash.

Storage keeps every source record as JSON; these functions are the one place that
decides what that JSON looks like. The dictionaries round-trip exactly
(``party_from_dict(party_to_dict(r)) == r``), use only JSON types (dates and
datetimes as ISO 8601 strings, enums as their values, tuples as lists, Decimals
as strings) and keep a stable key order, so the same record always serialises
to the same text.

Example:
    >>> d = party_to_dict(record)
    >>> party_from_dict(d) == record
    True
    >>> content_hash(d)  # versions a source record: same content, same hash
    '3f1c...'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from mdm.records import (
    Address,
    CallFact,
    DeliveryFact,
    Email,
    Fact,
    Identifier,
    IdentifierKind,
    LoyaltyEvent,
    OrderFact,
    OrderItem,
    OrgName,
    PartyKind,
    PartyRecord,
    PartyRef,
    PersonName,
    Phone,
    PhoneKind,
)

__all__ = [
    "address_from_dict",
    "address_to_dict",
    "content_hash",
    "fact_from_dict",
    "fact_to_dict",
    "org_name_from_dict",
    "org_name_to_dict",
    "party_from_dict",
    "party_to_dict",
    "person_name_from_dict",
    "person_name_to_dict",
]


def content_hash(payload: Mapping[str, Any]) -> str:
    """Return the sha256 hex digest of ``payload`` as canonical JSON.

    Canonical means sorted keys, no whitespace and ``ensure_ascii=False`` (UTF-8),
    so key order and escaping never change the hash. Used to tell an unchanged
    redelivery (same hash: a no-op) from an update (new hash: a new version).
    """
    try:
        # orjson writes exactly these bytes, several times faster
        data = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # what orjson refuses (an integer beyond 64 bits) json still writes
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        data = text.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


# --- scalars ---------------------------------------------------------------


def _date_out(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_in(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _datetime_out(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime_in(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _decimal_out(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal_in(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# --- party parts -----------------------------------------------------------


def person_name_to_dict(name: PersonName) -> dict[str, Any]:
    return {
        "raw": name.raw,
        "full": name.full,
        "surname": name.surname,
        "given": name.given,
        "pinyin": name.pinyin,
        "initials": name.initials,
        "is_latin": name.is_latin,
        "honorific_only": name.honorific_only,
    }


def person_name_from_dict(d: Mapping[str, Any]) -> PersonName:
    return PersonName(
        raw=d["raw"],
        full=d["full"],
        surname=d.get("surname"),
        given=d.get("given"),
        pinyin=d["pinyin"],
        initials=d["initials"],
        is_latin=d["is_latin"],
        honorific_only=d.get("honorific_only", False),
    )


def org_name_to_dict(name: OrgName) -> dict[str, Any]:
    return {
        "raw": name.raw,
        "full": name.full,
        "core": name.core,
        "legal_form": name.legal_form,
        "branch": name.branch,
    }


def org_name_from_dict(d: Mapping[str, Any]) -> OrgName:
    return OrgName(
        raw=d["raw"],
        full=d["full"],
        core=d["core"],
        legal_form=d.get("legal_form"),
        branch=d.get("branch"),
    )


def address_to_dict(address: Address) -> dict[str, Any]:
    return {
        "raw": address.raw,
        "province": address.province,
        "province_code": address.province_code,
        "city": address.city,
        "district": address.district,
        "detail": address.detail,
        "postcode": address.postcode,
    }


def address_from_dict(d: Mapping[str, Any]) -> Address:
    return Address(
        raw=d["raw"],
        province=d.get("province"),
        province_code=d.get("province_code"),
        city=d.get("city"),
        district=d.get("district"),
        detail=d.get("detail"),
        postcode=d.get("postcode"),
    )


def _phone_to_dict(phone: Phone) -> dict[str, Any]:
    return {
        "raw": phone.raw,
        "e164": phone.e164,
        "kind": phone.kind.value,
        "extension": phone.extension,
    }


def _phone_from_dict(d: Mapping[str, Any]) -> Phone:
    return Phone(
        raw=d["raw"],
        e164=d.get("e164"),
        kind=PhoneKind(d["kind"]),
        extension=d.get("extension"),
    )


def _identifier_to_dict(identifier: Identifier) -> dict[str, Any]:
    return {
        "kind": identifier.kind.value,
        "raw": identifier.raw,
        "value": identifier.value,
        "valid": identifier.valid,
    }


def _identifier_from_dict(d: Mapping[str, Any]) -> Identifier:
    return Identifier(
        kind=IdentifierKind(d["kind"]), raw=d["raw"], value=d["value"], valid=d["valid"]
    )


# --- party record ----------------------------------------------------------


def party_to_dict(record: PartyRecord) -> dict[str, Any]:
    """Return ``record`` as a JSON-ready dict with keys in field order."""
    return {
        "source_system": record.source_system,
        "source_key": record.source_key,
        "kind": record.kind.value,
        "names": [person_name_to_dict(n) for n in record.names],
        "org_name": None if record.org_name is None else org_name_to_dict(record.org_name),
        "nickname": record.nickname,
        "phones": [_phone_to_dict(p) for p in record.phones],
        "emails": [{"raw": e.raw, "value": e.value} for e in record.emails],
        "identifiers": [_identifier_to_dict(i) for i in record.identifiers],
        "birth_date": _date_out(record.birth_date),
        "gender": record.gender,
        "addresses": [address_to_dict(a) for a in record.addresses],
        "member_level": record.member_level,
        "subscribed": record.subscribed,
        "avatar_url": record.avatar_url,
        "observed_at": _datetime_out(record.observed_at),
        "contact_of": None if record.contact_of is None else list(record.contact_of),
        # only when present: records without references keep their content hash
        **({"references": list(record.references)} if record.references else {}),
        "extra": {k: record.extra[k] for k in sorted(record.extra)},
    }


def party_from_dict(d: Mapping[str, Any]) -> PartyRecord:
    """Rebuild a `PartyRecord` from `party_to_dict` output (missing optional keys default)."""
    org_name = d.get("org_name")
    contact_of = d.get("contact_of")
    return PartyRecord(
        source_system=d["source_system"],
        source_key=d["source_key"],
        kind=PartyKind(d["kind"]),
        names=tuple(person_name_from_dict(n) for n in d.get("names", ())),
        org_name=None if org_name is None else org_name_from_dict(org_name),
        nickname=d.get("nickname"),
        phones=tuple(_phone_from_dict(p) for p in d.get("phones", ())),
        emails=tuple(Email(raw=e["raw"], value=e.get("value")) for e in d.get("emails", ())),
        identifiers=tuple(_identifier_from_dict(i) for i in d.get("identifiers", ())),
        birth_date=_date_in(d.get("birth_date")),
        gender=d.get("gender"),
        addresses=tuple(address_from_dict(a) for a in d.get("addresses", ())),
        member_level=d.get("member_level"),
        subscribed=d.get("subscribed"),
        avatar_url=d.get("avatar_url"),
        observed_at=_datetime_in(d.get("observed_at")),
        contact_of=None if contact_of is None else (contact_of[0], contact_of[1]),
        references=tuple(d.get("references", ())),
        extra=dict(d.get("extra", {})),
    )


# --- facts -----------------------------------------------------------------


def _ref_out(ref: PartyRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"source_system": ref.source_system, "source_key": ref.source_key}


def _ref_in(d: Mapping[str, Any] | None) -> PartyRef | None:
    if d is None:
        return None
    return PartyRef(source_system=d["source_system"], source_key=d["source_key"])


def _required_ref_in(d: Mapping[str, Any]) -> PartyRef:
    return PartyRef(source_system=d["source_system"], source_key=d["source_key"])


def _item_to_dict(item: OrderItem) -> dict[str, Any]:
    return {
        "line_no": item.line_no,
        "sku": item.sku,
        "title": item.title,
        "quantity": _decimal_out(item.quantity),
        "unit_price": _decimal_out(item.unit_price),
        "amount": _decimal_out(item.amount),
        "batch_no": item.batch_no,
    }


def _item_from_dict(d: Mapping[str, Any]) -> OrderItem:
    return OrderItem(
        line_no=d["line_no"],
        sku=d.get("sku"),
        title=d.get("title"),
        quantity=_decimal_in(d.get("quantity")),
        unit_price=_decimal_in(d.get("unit_price")),
        amount=_decimal_in(d.get("amount")),
        batch_no=d.get("batch_no"),
    )


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    """Return ``fact`` as a JSON-ready dict whose first key, ``"fact"``, names its type.

    The discriminator is ``"order"``, ``"delivery"``, ``"call"`` or ``"loyalty"``.
    """
    if isinstance(fact, OrderFact):
        return {
            "fact": "order",
            "source_system": fact.source_system,
            "order_no": fact.order_no,
            "party": _ref_out(fact.party),
            "channel": fact.channel,
            "status": fact.status,
            "ordered_at": _datetime_out(fact.ordered_at),
            "paid_at": _datetime_out(fact.paid_at),
            "total_amount": _decimal_out(fact.total_amount),
            "currency": fact.currency,
            "items": [_item_to_dict(i) for i in fact.items],
            "receiver": {k: fact.receiver[k] for k in sorted(fact.receiver)},
            "external_ref": fact.external_ref,
        }
    if isinstance(fact, DeliveryFact):
        return {
            "fact": "delivery",
            "source_system": fact.source_system,
            "delivery_no": fact.delivery_no,
            "order_no": fact.order_no,
            "carrier": fact.carrier,
            "tracking_no": fact.tracking_no,
            "shipped_at": _datetime_out(fact.shipped_at),
        }
    if isinstance(fact, CallFact):
        return {
            "fact": "call",
            "source_system": fact.source_system,
            "call_id": fact.call_id,
            "party": _ref_out(fact.party),
            "ticket_no": fact.ticket_no,
            "started_at": _datetime_out(fact.started_at),
            "duration_s": fact.duration_s,
            "agent_id": fact.agent_id,
            "category": fact.category,
            "summary": fact.summary,
            "ticket_status": fact.ticket_status,
            "order_no": fact.order_no,
            "batch_no": fact.batch_no,
            "satisfaction": fact.satisfaction,
            "caller_number": fact.caller_number,
        }
    return {
        "fact": "loyalty",
        "source_system": fact.source_system,
        "entry_key": fact.entry_key,
        "party": _ref_out(fact.party),
        "points": fact.points,
        "kind": fact.kind,
        "order_no": fact.order_no,
        "occurred_at": _datetime_out(fact.occurred_at),
        "note": fact.note,
    }


def fact_from_dict(d: Mapping[str, Any]) -> Fact:
    """Rebuild a fact from `fact_to_dict` output.

    Raises:
        ValueError: the ``"fact"`` discriminator is missing or unknown.
    """
    tag = d.get("fact")
    if tag == "order":
        return OrderFact(
            source_system=d["source_system"],
            order_no=d["order_no"],
            party=_ref_in(d.get("party")),
            channel=d["channel"],
            status=d.get("status"),
            ordered_at=_datetime_in(d.get("ordered_at")),
            paid_at=_datetime_in(d.get("paid_at")),
            total_amount=_decimal_in(d.get("total_amount")),
            currency=d["currency"],
            items=tuple(_item_from_dict(i) for i in d.get("items", ())),
            receiver=dict(d.get("receiver", {})),
            external_ref=d.get("external_ref"),
        )
    if tag == "delivery":
        return DeliveryFact(
            source_system=d["source_system"],
            delivery_no=d["delivery_no"],
            order_no=d["order_no"],
            carrier=d.get("carrier"),
            tracking_no=d.get("tracking_no"),
            shipped_at=_datetime_in(d.get("shipped_at")),
        )
    if tag == "call":
        return CallFact(
            source_system=d["source_system"],
            call_id=d["call_id"],
            party=_required_ref_in(d["party"]),
            ticket_no=d.get("ticket_no"),
            started_at=_datetime_in(d.get("started_at")),
            duration_s=d.get("duration_s"),
            agent_id=d.get("agent_id"),
            category=d.get("category"),
            summary=d.get("summary"),
            ticket_status=d.get("ticket_status"),
            order_no=d.get("order_no"),
            batch_no=d.get("batch_no"),
            satisfaction=d.get("satisfaction"),
            caller_number=d.get("caller_number"),
        )
    if tag == "loyalty":
        return LoyaltyEvent(
            source_system=d["source_system"],
            entry_key=d["entry_key"],
            party=_required_ref_in(d["party"]),
            points=d["points"],
            kind=d["kind"],
            order_no=d.get("order_no"),
            occurred_at=_datetime_in(d.get("occurred_at")),
            note=d.get("note"),
        )
    raise ValueError(
        f"fact: unknown discriminator {tag!r}; expected order, delivery, call or loyalty"
    )
