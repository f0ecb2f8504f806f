"""What the hub's storage can hold, checked on every parsed payload before it leaves a connector.

Connectors accept any text a source sends, but the hub keeps keys, codes and a
few derived values in bounded columns (``cdhub/storage/models.py``) and
PostgreSQL refuses a value that does not fit, failing the whole batch it came
in. :func:`check_storable` turns such a value into a rejection of its own
record instead (``bad_value:<field>``), so one absurd line is quarantined with
a reason and the rest of the batch goes on. The limits mirror the columns; a
column that grows should grow here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from connectors.base import RejectedPayload
from mdm.records import (
    CallFact,
    DeliveryFact,
    LoyaltyEvent,
    OrderFact,
    ParsedPayload,
    PartyRecord,
)

KEY = 200  # source keys, ledger entry keys, party references
FACT_KEY = 100  # order, delivery, call and ticket numbers, tracking numbers
NAME = 300  # display names and their pinyin
IDENTITY = 320  # phone, e-mail and identifier values
INT32 = 2**31 - 1
MONEY = Decimal(10) ** 14  # Numeric(16, 2)
QUANTITY = Decimal(10) ** 13  # Numeric(16, 3)

_Check = tuple[str, str | None, int]


def check_storable(parsed: ParsedPayload) -> None:
    """Reject ``parsed`` when a value would not fit the hub's storage.

    Raises:
        RejectedPayload: ``bad_value:<field>`` naming the first value that does
            not fit, with its length or size and the limit in ``detail``.

    Example:
        >>> from mdm.records import PartyKind
        >>> member = PartyRecord("shop", "M" * 201, PartyKind.PERSON)
        >>> check_storable(ParsedPayload(parties=(member,)))
        Traceback (most recent call last):
        connectors.base.RejectedPayload: bad_value:source_key: 201 characters, at most 200 fit
    """
    for party in parsed.parties:
        _texts(_party_texts(party))
    for fact in parsed.facts:
        if isinstance(fact, OrderFact):
            _order(fact)
        elif isinstance(fact, DeliveryFact):
            _texts(
                [
                    ("delivery_no", fact.delivery_no, FACT_KEY),
                    ("order_no", fact.order_no, FACT_KEY),
                    ("carrier", fact.carrier, 100),
                    ("tracking_no", fact.tracking_no, 100),
                ]
            )
        elif isinstance(fact, CallFact):
            _call(fact)
        elif isinstance(fact, LoyaltyEvent):
            _texts(
                [
                    ("entry_key", fact.entry_key, KEY),
                    ("party", fact.party.source_key, KEY),
                    ("order_no", fact.order_no, FACT_KEY),
                ]
            )
            _integer("points", fact.points)


def _party_texts(party: PartyRecord) -> Iterator[_Check]:
    yield "source_key", party.source_key, KEY
    for name in party.names:
        yield "name", name.raw.strip(), NAME
        yield "name", name.full, NAME
        yield "name", name.pinyin, NAME
    if party.org_name is not None:
        yield "org_name", party.org_name.full, NAME
        yield "org_name", party.org_name.core, NAME
    yield "nickname", party.nickname, NAME
    yield "member_level", party.member_level, 40
    for phone in party.phones:
        yield "phone", phone.e164, 40
    for email in party.emails:
        yield "email", email.raw, IDENTITY
        yield "email", email.value, IDENTITY
    for identifier in party.identifiers:
        yield f"identifier.{identifier.kind.value}", identifier.value, IDENTITY
    for address in party.addresses:
        yield "address.province", address.province, 40
        yield "address.city", address.city, 80
    if party.contact_of is not None:
        yield "contact_of", party.contact_of[1], KEY
    # Blocking keys need no check: mdm.blocking bounds them to what storage indexes.


def _order(fact: OrderFact) -> None:
    _texts(
        [
            ("order_no", fact.order_no, FACT_KEY),
            ("party", fact.party.source_key if fact.party else None, KEY),
            ("channel", fact.channel, 32),
            ("status", fact.status, 32),
            ("currency", fact.currency, 3),
            ("external_ref", fact.external_ref, 100),
        ]
    )
    _decimal("total_amount", fact.total_amount, MONEY)
    for index, item in enumerate(fact.items):
        where = f"items[{index}]"
        _texts(
            [
                (f"{where}.line_no", item.line_no, 20),
                (f"{where}.sku", item.sku, 100),
                (f"{where}.title", item.title, 300),
                (f"{where}.batch_no", item.batch_no, 60),
            ]
        )
        _decimal(f"{where}.quantity", item.quantity, QUANTITY)
        _decimal(f"{where}.unit_price", item.unit_price, MONEY)
        _decimal(f"{where}.amount", item.amount, MONEY)


def _call(fact: CallFact) -> None:
    _texts(
        [
            ("call_id", fact.call_id, FACT_KEY),
            ("ticket_no", fact.ticket_no, FACT_KEY),
            ("agent_id", fact.agent_id, 60),
            ("category", fact.category, 60),
            ("ticket_status", fact.ticket_status, 24),
            ("order_no", fact.order_no, FACT_KEY),
            ("batch_no", fact.batch_no, 60),
            ("caller_number", fact.caller_number, 60),
        ]
    )
    _integer("duration_s", fact.duration_s)
    _integer("satisfaction", fact.satisfaction)


def _texts(checks: Iterator[_Check] | list[_Check]) -> None:
    for field, value, limit in checks:
        if value is not None and len(value) > limit:
            raise RejectedPayload(
                f"bad_value:{field}", f"{len(value)} characters, at most {limit} fit"
            )


def _integer(field: str, value: int | None) -> None:
    if value is not None and not -INT32 <= value <= INT32:
        raise RejectedPayload(f"bad_value:{field}", f"{value} is out of range (|n| <= {INT32})")


def _decimal(field: str, value: Decimal | None, bound: Decimal) -> None:
    if value is not None and not -bound < value < bound:
        raise RejectedPayload(f"bad_value:{field}", f"{value} is out of range (|n| < {bound:.0E})")
