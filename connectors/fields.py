"""Typed, validated reads of raw payload fields, shared by the connectors.

Each reader takes the payload and a field name and either returns a clean
value (``None`` for missing, ``null``, empty or placeholder text) or raises
:class:`RejectedPayload` with a stable reason naming the field: ``missing_key``,
``bad_type``, ``bad_value`` or ``bad_timestamp``. JSON payloads carry any
types; CSV rows carry only strings, so numbers and timestamps are accepted in
either form.

The ``party_*`` readers are lenient instead: they are for optional attributes
of a party (a birthday, a registration time), where junk should not cost the
whole record. They drop the value and keep the raw text in
``extra["invalid_<field>"]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors import limits
from connectors.base import RejectedPayload
from mdm.normalize.emails import normalize_email
from mdm.normalize.identifiers import make_identifier
from mdm.normalize.names import normalize_person_name
from mdm.normalize.phones import normalize_phone
from mdm.normalize.text import clean_text, is_blank
from mdm.normalize.timestamps import parse_date, parse_timestamp
from mdm.records import Email, Identifier, IdentifierKind, PersonName, Phone

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def key(payload: Mapping[str, Any], field: str) -> str:
    """Return the source key in ``field``, rejecting the payload without one.

    Keys are only trimmed, never otherwise rewritten (leading zeros stay, as do
    case and width), so they match what the source system itself uses.
    Integers are accepted and turned into text.

    Raises:
        RejectedPayload: ``missing_key:<field>`` when absent or blank,
            ``bad_type:<field>`` when not text or an integer.
    """
    value = payload.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is not None and not isinstance(value, str):
        raise RejectedPayload(f"bad_type:{field}", f"{field} must be text, got {_kind(value)}")
    if value is None or is_blank(value):
        raise RejectedPayload(f"missing_key:{field}", f"the record has no {field}")
    return value.strip().strip("\ufeff\u200b")


def optional_key(payload: Mapping[str, Any], field: str) -> str | None:
    """Like :func:`key`, but None when the field is absent or blank (a reference, not the key)."""
    value = payload.get(field)
    if value is None or (isinstance(value, str) and is_blank(value)):
        return None
    return key(payload, field)


def text(payload: Mapping[str, Any], field: str, *, label: str | None = None) -> str | None:
    """Return ``field`` as cleaned text (:func:`clean_text`), None when blank.

    Numbers become text (a mobile number written as a JSON integer is common).

    Raises:
        RejectedPayload: ``bad_type:<label>`` for objects, lists and booleans.
    """
    return as_text(payload.get(field), label or field)


def as_text(value: Any, label: str) -> str | None:
    """Clean one value already taken from a payload; see :func:`text`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise RejectedPayload(f"bad_type:{label}", f"{label} must be text, got {_kind(value)}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = clean_text(str(value))
    return None if is_blank(cleaned) else cleaned


def sub_object(
    payload: Mapping[str, Any], field: str, *, label: str | None = None
) -> Mapping[str, Any] | None:
    """Return the object in ``field``, None when missing, null or empty text.

    Raises:
        RejectedPayload: ``bad_type:<label>`` for anything else that is not an object.
    """
    value = payload.get(field)
    if value is None or (isinstance(value, str) and is_blank(value)):
        return None
    if not isinstance(value, Mapping):
        name = label or field
        raise RejectedPayload(f"bad_type:{name}", f"{name} must be an object, got {_kind(value)}")
    return value


def object_list(payload: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    """Return the list of objects in ``field``, ``[]`` when missing or null.

    Raises:
        RejectedPayload: ``bad_type:<field>`` when not a list,
            ``bad_type:<field>[i]`` when an element is not an object.
    """
    value = payload.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RejectedPayload(f"bad_type:{field}", f"{field} must be a list, got {_kind(value)}")
    for index, element in enumerate(value):
        if not isinstance(element, Mapping):
            label = f"{field}[{index}]"
            raise RejectedPayload(
                f"bad_type:{label}", f"{label} must be an object, got {_kind(element)}"
            )
    return value


def decimal(payload: Mapping[str, Any], field: str, *, label: str | None = None) -> Decimal | None:
    """Return ``field`` as a Decimal: ``"398.00"``, ``398``, ``"12,000.00"``, SAP's ``"5.00-"``.

    Raises:
        RejectedPayload: ``bad_type:<label>`` when it is not a finite number.
    """
    name = label or field
    value = payload.get(field)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    raw = as_text(value, name)
    if raw is None:
        return None
    number = raw.replace(",", "").replace(" ", "").removeprefix("¥").removeprefix("￥")
    if number.endswith("-"):  # SAP writes negative amounts with a trailing minus
        number = "-" + number[:-1]
    try:
        result = Decimal(number)
    except InvalidOperation:
        result = None
    if result is None or not result.is_finite():
        raise RejectedPayload(f"bad_type:{name}", f"{name} is not a number: {raw!r}")
    return result


def integer(payload: Mapping[str, Any], field: str, *, label: str | None = None) -> int | None:
    """Return ``field`` as an int (``312``, ``"312"``, ``"312.0"``).

    Raises:
        RejectedPayload: ``bad_type:<label>`` when it is not a whole number.
    """
    name = label or field
    number = decimal(payload, field, label=name)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise RejectedPayload(f"bad_type:{name}", f"{name} is not a whole number: {number}")
    return int(number)


def timestamp(
    payload: Mapping[str, Any], field: str, *, label: str | None = None
) -> datetime | None:
    """Return ``field`` as a UTC-aware datetime; naive text means Asia/Shanghai.

    Accepts what :func:`parse_timestamp` does: ISO 8601, ``YYYY-MM-DD HH:MM:SS``,
    Unix seconds (number or digits) and SAP's ``YYYYMMDD`` (midnight Asia/Shanghai).

    Raises:
        RejectedPayload: ``bad_timestamp:<label>`` when it does not parse.
    """
    name = label or field
    value = payload.get(field)
    if value is None or (isinstance(value, str) and is_blank(value)):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RejectedPayload(f"bad_timestamp:{name}", f"{name} is not a time: {_kind(value)}")
    try:
        parsed = parse_timestamp(value)
    except ValueError as exc:
        raise RejectedPayload(f"bad_timestamp:{name}", f"{name}: {exc}") from exc
    return parsed


def party_timestamp(
    payload: Mapping[str, Any], field: str, extra: dict[str, str]
) -> datetime | None:
    """Like :func:`timestamp`, but junk goes to ``extra["invalid_<field>"]`` instead."""
    try:
        return timestamp(payload, field)
    except RejectedPayload:
        extra[f"invalid_{field}"] = _raw(payload.get(field))
        return None


def party_date(
    payload: Mapping[str, Any], field: str, extra: dict[str, str], *, fmt: str | None = None
) -> date | None:
    """Return ``field`` as a date (optionally by strptime ``fmt``); junk goes to ``extra``."""
    value = payload.get(field)
    if value is None or (isinstance(value, str) and is_blank(value)):
        return None
    try:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError(f"not a date: {_kind(value)}")
        raw = clean_text(str(value))
        if fmt is not None:
            return datetime.strptime(raw, fmt).date()
        return parse_date(raw)
    except ValueError:
        extra[f"invalid_{field}"] = _raw(value)
        return None


def phones(*raws: str | None) -> tuple[Phone, ...]:
    """Normalise phone texts, skipping blanks and repeats of the same number."""
    found: dict[str, Phone] = {}
    for raw in raws:
        if raw is None:
            continue
        phone = normalize_phone(raw)
        if phone is not None:
            found.setdefault(phone.e164 or phone.raw, phone)
    return tuple(found.values())


def emails(*raws: str | None) -> tuple[Email, ...]:
    """Normalise e-mail texts, skipping blanks and repeats of the same address."""
    found: dict[str, Email] = {}
    for raw in raws:
        if raw is None:
            continue
        email = normalize_email(raw)
        if email is not None:
            found.setdefault(email.value or email.raw, email)
    return tuple(found.values())


def person_names(*raws: str | None) -> tuple[PersonName, ...]:
    """Normalise person-name texts, skipping blanks, junk and repeats.

    Raises:
        RejectedPayload: ``bad_value:name`` for a text longer than any name the
            hub stores (normalising it would also take time growing faster than
            its length).
    """
    found: dict[str, PersonName] = {}
    for raw in raws:
        if raw is None:
            continue
        if len(raw) > limits.NAME:
            raise RejectedPayload(
                "bad_value:name", f"{len(raw)} characters, at most {limits.NAME} fit"
            )
        name = normalize_person_name(raw)
        if name is not None:
            found.setdefault(name.full, name)
    return tuple(found.values())


def joined_name(family: str | None, given: str | None) -> str | None:
    """Put a family and a given name together for the name normaliser.

    Hanzi parts are concatenated (``林`` + ``嘉欣`` -> ``林嘉欣``). Latin ones are
    written ``"family, given"``: the comma is the one spelling that tells the
    normaliser which token is the surname (``"Neumann Michaela"`` alone reads as
    a western given-family name), and it yields ``full == "neumann michaela"``.

    Example:
        >>> joined_name("Neumann", "Michaela"), joined_name("林", "嘉欣"), joined_name("Lin", None)
        ('Neumann, Michaela', '林嘉欣', 'Lin,')
    """
    if not family and not given:
        return None
    if any(_CJK.search(part) for part in (family, given) if part):
        return (family or "") + (given or "")
    if family and given:
        return f"{family}, {given}"
    return f"{family}," if family else given


def identifier(kind: IdentifierKind, raw: str | None) -> Identifier | None:
    """Make an identifier of ``kind`` from ``raw``; None when ``raw`` is blank."""
    return make_identifier(kind, raw) if raw else None


def identifiers(*found: Identifier | None) -> tuple[Identifier, ...]:
    """Collect identifiers, skipping missing ones and repeats of the same (kind, value)."""
    unique: dict[tuple[IdentifierKind, str], Identifier] = {}
    for identifier in found:
        if identifier is not None:
            unique.setdefault((identifier.kind, identifier.value), identifier)
    return tuple(unique.values())


def _raw(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
