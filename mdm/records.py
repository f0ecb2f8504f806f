"""Canonical records: what every connector produces and the matcher consumes.

These frozen dataclasses are the contract between `connectors/` (which parse
source payloads into them), `mdm/` (which normalises, blocks, scores and
survives them) and the storage layer (which persists them as JSON). They carry
already-normalised values next to the raw text they came from, so evidence is
never lost: an invalid resident ID stays on the record with ``valid=False``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    UNKNOWN = "unknown"


class IdentifierKind(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证 (GB 11643)
    CREDIT_CODE = "credit_code"  # 统一社会信用代码 (GB 32100)
    UNIONID = "unionid"  # WeChat unionid, shared by all apps of one enterprise
    OPENID = "openid"  # WeChat openid, per app
    MEMBER_ID = "member_id"  # shop member id
    ERP_CUSTOMER = "erp_customer"  # ERP KUNNR
    PASSPORT = "passport"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number as written and as understood.

    ``e164`` is None when the text could not be parsed into a plausible number.
    """

    raw: str
    e164: str | None
    kind: PhoneKind
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class Email:
    raw: str
    value: str | None  # trimmed, lower-cased; None when not a valid address


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name, normalised for matching.

    ``full`` is simplified, half-width, without honorifics or spaces for hanzi
    names (``林嘉欣``) and lower-cased, single-spaced for latin ones
    (``lin jiaxin``). ``pinyin`` is the toneless syllables joined by spaces
    (``lin jia xin``) for both, so 林嘉欣 and "Lin Jiaxin" meet.
    """

    raw: str
    full: str
    surname: str | None
    given: str | None
    pinyin: str
    initials: str  # first letter of each pinyin syllable: "ljx"
    is_latin: bool
    honorific_only: bool = False  # "林小姐": only a surname and a title are known


@dataclass(frozen=True, slots=True)
class OrgName:
    """An organisation name with its legal form and branch split off."""

    raw: str
    full: str  # simplified, half-width, as written otherwise
    core: str  # without region prefix, legal suffix and branch: "林氏贸易"
    legal_form: str | None  # "有限公司", "股份有限公司", ...
    branch: str | None  # "徐汇分公司"


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: IdentifierKind
    raw: str
    value: str  # normalised (upper-cased, trimmed)
    valid: bool  # checksum passed (or no checksum defined for the kind)


@dataclass(frozen=True, slots=True)
class Address:
    raw: str
    province: str | None  # canonical short name: "上海", "广东"
    province_code: str | None  # GB/T 2260 two digits: "31"
    city: str | None  # canonical short name: "上海", "广州"
    district: str | None  # "徐汇区"
    detail: str | None  # normalised street detail
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class PartyRecord:
    """One source record that describes a party (person or organisation).

    ``(source_system, source_key)`` identifies it forever. ``observed_at`` is
    when the source says the data was true (registration, call time, ...), used
    by survivorship's recency rule.
    """

    source_system: str
    source_key: str
    kind: PartyKind
    names: tuple[PersonName, ...] = ()
    org_name: OrgName | None = None
    nickname: str | None = None
    phones: tuple[Phone, ...] = ()
    emails: tuple[Email, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    birth_date: date | None = None
    gender: str | None = None  # "M" or "F"
    addresses: tuple[Address, ...] = ()
    member_level: str | None = None
    subscribed: bool | None = None
    avatar_url: str | None = None
    observed_at: datetime | None = None
    # Where the record says the party belongs to another one (a person as the
    # contact of an organisation): (source_system, source_key) of that party.
    contact_of: tuple[str, str] | None = None
    # Business objects the record is tied to (see `order_reference`,
    # `ticket_reference`): two records citing the same order or ticket are
    # evidence of one party, weighed by the model like any other comparison.
    references: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


def order_reference(order_no: str) -> str:
    """The reference of an order by its number (shop ``tid``, ERP ``VBELN``).

    Without the source system: a call cites an order number without saying
    which system issued it; two systems' numbers colliding gives a candidate,
    never a merge on its own.
    """
    return f"order:{order_no.strip()}"


def ticket_reference(ticket_no: str) -> str:
    """The reference of a call-center ticket: the calls of one ticket share it."""
    return f"ticket:{ticket_no.strip()}"


def with_references(record: PartyRecord, extra: Iterable[str]) -> PartyRecord:
    """``record`` with ``extra`` references added (the same object when none is new)."""
    merged = tuple(dict.fromkeys((*record.references, *extra)))
    if len(merged) == len(record.references):
        return record
    return replace(record, references=merged)


@dataclass(frozen=True, slots=True)
class PartyRef:
    """The source record a fact belongs to; resolved to a golden id at read time."""

    source_system: str
    source_key: str


@dataclass(frozen=True, slots=True)
class OrderItem:
    line_no: str
    sku: str | None
    title: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal | None
    batch_no: str | None


@dataclass(frozen=True, slots=True)
class OrderFact:
    """An order header with the items this payload carries.

    ERP delivers one row per item: each row becomes an OrderFact with one item
    and storage upserts items by ``line_no``.
    """

    source_system: str
    order_no: str
    party: PartyRef | None
    channel: str
    status: str | None
    ordered_at: datetime | None
    paid_at: datetime | None
    total_amount: Decimal | None
    currency: str
    items: tuple[OrderItem, ...] = ()
    receiver: dict[str, str] = field(default_factory=dict)
    external_ref: str | None = None  # customer PO (BSTKD) and the like


@dataclass(frozen=True, slots=True)
class DeliveryFact:
    source_system: str
    delivery_no: str
    order_no: str
    carrier: str | None
    tracking_no: str | None
    shipped_at: datetime | None


@dataclass(frozen=True, slots=True)
class CallFact:
    """One call of a ticket; the caller is the party record keyed by call_id."""

    source_system: str
    call_id: str
    party: PartyRef
    ticket_no: str | None
    started_at: datetime | None
    duration_s: int | None
    agent_id: str | None
    category: str | None
    summary: str | None
    ticket_status: str | None
    order_no: str | None
    batch_no: str | None
    satisfaction: int | None
    caller_number: str | None


@dataclass(frozen=True, slots=True)
class LoyaltyEvent:
    """Points earned, redeemed or adjusted; ``entry_key`` makes it idempotent."""

    source_system: str
    entry_key: str
    party: PartyRef
    points: int  # signed: redemptions are negative
    kind: str  # "earn" | "redeem" | "adjust"
    order_no: str | None
    occurred_at: datetime | None
    note: str | None = None


Fact = OrderFact | DeliveryFact | CallFact | LoyaltyEvent


@dataclass(frozen=True, slots=True)
class ParsedPayload:
    """What one source payload (a JSONL line, a CSV row, a webhook item) yields."""

    parties: tuple[PartyRecord, ...] = ()
    facts: tuple[Fact, ...] = ()
