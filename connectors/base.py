"""The protocol every connector implements, and the one error it may raise.

A connector turns one raw payload (a JSON object, a CSV row as a dict of
strings, a webhook item) into canonical records (:mod:`mdm.records`). It never
touches storage; the shared ingest pipeline persists what it returns and
quarantines what it rejects.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from mdm.records import ParsedPayload

_Self = TypeVar("_Self")
MAX_REASON = 120


class RejectedPayload(Exception):
    """A payload the connector cannot use; the pipeline quarantines it.

    Attributes:
        reason: A short stable code for grouping and alerting:
            ``missing_key:<field>``, ``bad_type:<field>``, ``bad_value:<field>``,
            ``bad_timestamp:<field>``, ``unknown_type`` or ``internal_error``.
        detail: Human-readable text saying what was wrong.

    Example:
        >>> raise RejectedPayload("missing_key:member_id", "member without member_id")
        Traceback (most recent call last):
        connectors.base.RejectedPayload: missing_key:member_id: member without member_id
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        # Reasons may carry a payload's field name; keep them short enough to group and store.
        if len(reason) > MAX_REASON:
            reason = reason[: MAX_REASON - 1] + "…"
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail or reason


class Connector(Protocol):
    """Parses one source system's payloads into canonical records.

    Attributes:
        system: The source system the records belong to (``"shop"``,
            ``"wechat"``, ``"callcenter"``, ``"erp"`` or a generic mapping's
            ``source_system``).
        overlays: True when a party payload carries only the fields that
            changed (WeChat events): the pipeline then lays the non-empty
            fields of the new record over the stored one instead of replacing it.
    """

    system: str
    overlays: bool

    def parse(self, payload: Mapping[str, Any]) -> ParsedPayload:
        """Map one payload to canonical records.

        Raises:
            RejectedPayload: the payload cannot be used; never any other exception.
        """
        ...


def rejecting_unexpected(
    parse: Callable[[_Self, Mapping[str, Any]], ParsedPayload],
) -> Callable[[_Self, Mapping[str, Any]], ParsedPayload]:
    """Wrap a ``parse`` method so that only :class:`RejectedPayload` escapes it.

    A payload that is not a mapping is rejected as ``bad_type:payload``. What
    parses but would not fit the hub's storage is rejected as
    ``bad_value:<field>`` (:func:`connectors.limits.check_storable`). Any other
    exception (a bug, or a normaliser choking on odd input) becomes
    ``internal_error`` with the exception in ``detail``: one bad record must
    never stop a batch.
    """
    from connectors.limits import check_storable  # limits raises RejectedPayload from here

    @functools.wraps(parse)
    def guarded(self: _Self, payload: Mapping[str, Any]) -> ParsedPayload:
        if not isinstance(payload, Mapping):
            raise RejectedPayload("bad_type:payload", f"expected an object, got {_kind(payload)}")
        try:
            parsed = parse(self, payload)
            check_storable(parsed)
            return parsed
        except RejectedPayload:
            raise
        except Exception as exc:
            raise RejectedPayload("internal_error", f"{type(exc).__name__}: {exc}") from exc

    return guarded


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__
