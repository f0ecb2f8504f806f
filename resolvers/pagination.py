"""Opaque cursors and global ids, and the checks on paging arguments."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cdhub.storage.queries.keyset import Keyset, PageRequest, SortValue
from resolvers.errors import BadUserInput, NotFound

DEFAULT_PAGE_SIZE = 20


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _unb64(text: str) -> str:
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded, altchars=b"-_", validate=True).decode()


def _encode_value(value: SortValue) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(raw: Any) -> SortValue:
    if isinstance(raw, dict):
        if "t" in raw:
            return datetime.fromisoformat(raw["t"])
        if "d" in raw:
            return date.fromisoformat(raw["d"])
        if "n" in raw:
            return Decimal(raw["n"])
        raise ValueError("unknown cursor value")
    if raw is None or isinstance(raw, int | float | str):
        return raw
    raise ValueError("unknown cursor value")


def encode_cursor(ordering: str, key: Keyset) -> str:
    """An opaque cursor: the ordering's name, the row's sort value and its id."""
    return _b64(json.dumps([ordering, _encode_value(key.value), key.id], separators=(",", ":")))


def decode_cursor(cursor: str, ordering: str) -> Keyset:
    try:
        name, value, ident = json.loads(_unb64(cursor))
        key = Keyset(_decode_value(value), int(ident))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadUserInput(f"malformed cursor {cursor!r}", argument="cursor") from None
    if name != ordering:
        raise BadUserInput("the cursor belongs to another list or ordering", argument="cursor")
    return key


def page_request(
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    ordering: str,
    max_size: int,
) -> PageRequest:
    """Check Relay paging arguments: ``first``/``after`` forwards, ``last``/``before`` back.

    A size over ``max_size`` is refused, not clamped: a client that asked for
    500 rows and silently got 100 would believe it had them all.
    """
    if first is not None and last is not None:
        raise BadUserInput("give first or last, not both", argument="first")
    size = first if first is not None else last
    argument = "first" if first is not None else "last"
    if size is None:
        size = min(DEFAULT_PAGE_SIZE, max_size)
    if size < 0:
        raise BadUserInput(f"{argument} must not be negative", argument=argument)
    if size > max_size:
        raise BadUserInput(
            f"{argument} must be at most {max_size} (got {size})",
            argument=argument,
            maxPageSize=max_size,
        )
    return PageRequest(
        size=size,
        forward=last is None,
        after=None if after is None else decode_cursor(after, ordering),
        before=None if before is None else decode_cursor(before, ordering),
    )


def global_id(type_name: str, ident: int) -> str:
    """Relay global id: base64 of ``Type:id``."""
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


def parse_global_id(value: str) -> tuple[str, int]:
    """``(type, id)`` of a global id; NOT_FOUND for anything that is not one."""
    try:
        padded = value + "=" * (-len(value) % 4)
        type_name, _, ident = base64.b64decode(padded, validate=True).decode().partition(":")
        if not type_name or not ident.isdecimal():
            raise ValueError(value)
        return type_name, _storable(int(ident), value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise NotFound(f"no object has the id {value!r}", id=value) from None


MAX_ID = 2**63 - 1  # ids are BIGINT: a larger number names nothing (and overflows a driver)


def _storable(ident: int, value: str) -> int:
    if ident > MAX_ID:
        raise NotFound(f"no object has the id {value!r}", id=value)
    return ident


def id_of(value: str, type_name: str) -> int:
    """The database id in a global id of ``type_name``; a bare number is taken as is."""
    if value.isdecimal():
        return _storable(int(value), value)
    kind, ident = parse_global_id(value)
    if kind != type_name:
        raise NotFound(f"{value!r} is the id of a {kind}, not a {type_name}", id=value)
    return ident
