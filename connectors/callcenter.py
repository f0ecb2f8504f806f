"""The call center: one CSV row (or webhook item) per call.

Each call yields the caller as a :class:`PartyRecord` keyed by ``call_id`` and
the call itself as a :class:`CallFact`; a ticket spans several calls through
``ticket_no``. ``customer_name`` is what the agent typed, often only a surname
and a title (林小姐): the name normaliser marks those ``honorific_only`` and the
title still tells the gender.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors import fields
from connectors.base import RejectedPayload, rejecting_unexpected
from mdm.normalize.gender import gender_from_honorific
from mdm.normalize.names import looks_like_organisation, normalize_org_name
from mdm.records import (
    CallFact,
    ParsedPayload,
    PartyKind,
    PartyRecord,
    PartyRef,
    order_reference,
    ticket_reference,
)

SYSTEM = "callcenter"


class CallCenterConnector:
    """Parses call-center rows into the caller and the call.

    Example:
        >>> parsed = CallCenterConnector().parse(
        ...     {"call_id": "C-1", "customer_name": "林小姐", "caller_number": "13912345678"}
        ... )
        >>> parsed.parties[0].gender, parsed.facts[0].call_id
        ('F', 'C-1')
    """

    system = SYSTEM
    overlays = False

    @rejecting_unexpected
    def parse(self, payload: Mapping[str, Any]) -> ParsedPayload:
        """Map one call row to the caller's party record and a call fact.

        Raises:
            RejectedPayload: no ``call_id``; ``started_at`` that does not parse;
                ``duration_s`` or ``satisfaction`` not a whole number
                (``bad_type``) or satisfaction outside 1-5 (``bad_value``).
        """
        call_id = fields.key(payload, "call_id")
        started = fields.timestamp(payload, "started_at")
        name = fields.text(payload, "customer_name")
        number = fields.text(payload, "caller_number")
        satisfaction = fields.integer(payload, "satisfaction")
        if satisfaction is not None and not 1 <= satisfaction <= 5:
            raise RejectedPayload(
                "bad_value:satisfaction", f"satisfaction must be 1-5, got {satisfaction}"
            )
        duration = fields.integer(payload, "duration_s")
        if duration is not None and duration < 0:
            raise RejectedPayload("bad_value:duration_s", f"negative duration: {duration}")
        is_org = name is not None and looks_like_organisation(name)
        ticket_no = fields.text(payload, "ticket_no")
        order_no = fields.text(payload, "order_no")
        caller = PartyRecord(
            source_system=SYSTEM,
            source_key=call_id,
            kind=PartyKind.ORGANISATION if is_org else PartyKind.PERSON,
            names=() if is_org else fields.person_names(name),
            org_name=normalize_org_name(name) if is_org and name else None,
            phones=fields.phones(number),
            gender=gender_from_honorific(name) if name and not is_org else None,
            observed_at=started,
            references=_references(ticket_no, order_no),
        )
        call = CallFact(
            source_system=SYSTEM,
            call_id=call_id,
            party=PartyRef(SYSTEM, call_id),
            ticket_no=ticket_no,
            started_at=started,
            duration_s=duration,
            agent_id=fields.text(payload, "agent_id"),
            category=fields.text(payload, "category"),
            summary=fields.text(payload, "summary"),
            ticket_status=fields.text(payload, "ticket_status"),
            order_no=order_no,
            batch_no=fields.text(payload, "batch_no"),
            satisfaction=satisfaction,
            caller_number=number,
        )
        return ParsedPayload(parties=(caller,), facts=(call,))


def _references(ticket_no: str | None, order_no: str | None) -> tuple[str, ...]:
    """The caller of a ticket's calls is one party, and a complaint cites the caller's order."""
    refs = []
    if ticket_no:
        refs.append(ticket_reference(ticket_no))
    if order_no:
        refs.append(order_reference(order_no))
    return tuple(refs)
