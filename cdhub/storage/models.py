"""SQLAlchemy models: the hub's tables on SQLite and PostgreSQL.

Facts (orders, calls, ledger entries) point at the *source record* of the party
they name (``party_system``, ``party_key``), never at a golden id: the golden
customer is found through the cross-reference at read time. An order that
arrives before its member therefore links itself the moment the member does,
and merge or unmerge moves facts without rewriting them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# BIGINT ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")
Money = Numeric(16, 2)
Tz = DateTime(timezone=True)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: Json, list[Any]: Json}  # noqa: RUF012


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for fast executemany statements."""
    return Base.metadata.tables[model.__tablename__]


def _now() -> Any:
    return func.now()


class GoldenCustomer(Base):
    __tablename__ = "golden_customers"
    __table_args__ = (Index(None, "status", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # person | organisation
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|merged|erased
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("golden_customers.id"), index=True
    )
    display_name: Mapped[str | None] = mapped_column(String(300))
    name_pinyin: Mapped[str | None] = mapped_column(String(300), index=True)
    search_text: Mapped[str | None] = mapped_column(Text)
    primary_phone: Mapped[str | None] = mapped_column(String(40))
    primary_email: Mapped[str | None] = mapped_column(String(320))
    province: Mapped[str | None] = mapped_column(String(40), index=True)
    city: Mapped[str | None] = mapped_column(String(80))
    tier: Mapped[str | None] = mapped_column(String(40), index=True)
    view: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_count: Mapped[int] = mapped_column(Integer, default=0)
    channel_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class GoldenIdentity(Base):
    """Every identifying value of a golden record (phone, email, ids), for lookups."""

    __tablename__ = "golden_identities"
    __table_args__ = (
        Index(None, "kind", "value"),
        UniqueConstraint("golden_id", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    golden_id: Mapped[int] = mapped_column(
        ForeignKey("golden_customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    value: Mapped[str] = mapped_column(String(320))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    source_record_ids: Mapped[list[Any]] = mapped_column(default=list)


class SourceRecord(Base):
    """The current version of one (source system, source key)."""

    __tablename__ = "source_records"
    __table_args__ = (UniqueConstraint("source_system", "source_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(200))
    party_kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    observed_at: Mapped[datetime | None] = mapped_column(Tz)
    received_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())
    erased: Mapped[bool] = mapped_column(Boolean, default=False)


class SourceRecordVersion(Base):
    __tablename__ = "source_record_versions"
    __table_args__ = (UniqueConstraint("source_record_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class Xref(Base):
    """Cross-reference: which golden customer a source record belongs to, and why."""

    __tablename__ = "xrefs"

    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), primary_key=True
    )
    golden_id: Mapped[int] = mapped_column(ForeignKey("golden_customers.id"), index=True)
    # The golden the record was first linked to: an unmerge revives it when absorbed.
    home_golden_id: Mapped[int | None] = mapped_column(BigInteger)
    link_method: Mapped[str] = mapped_column(String(32))
    match_weight: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_version: Mapped[str | None] = mapped_column(String(64))
    linked_by: Mapped[str] = mapped_column(String(120), default="system")
    linked_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class BlockingKey(Base):
    __tablename__ = "blocking_keys"
    __table_args__ = (
        Index(None, "key_type", "key_value"),
        UniqueConstraint("source_record_id", "key_type", "key_value"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE")
    )
    key_type: Mapped[str] = mapped_column(String(24))
    key_value: Mapped[str] = mapped_column(String(320))


class AttributeLineage(Base):
    __tablename__ = "attribute_lineage"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    golden_id: Mapped[int] = mapped_column(
        ForeignKey("golden_customers.id", ondelete="CASCADE"), index=True
    )
    attribute: Mapped[str] = mapped_column(String(48))
    value: Mapped[str | None] = mapped_column(Text)
    source_record_ids: Mapped[list[Any]] = mapped_column(default=list)
    rule: Mapped[str] = mapped_column(String(64))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
    decided_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class Pin(Base):
    """A steward's pinned attribute value; wins over every survivorship rule."""

    __tablename__ = "pins"
    __table_args__ = (UniqueConstraint("golden_id", "attribute"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    golden_id: Mapped[int] = mapped_column(ForeignKey("golden_customers.id", ondelete="CASCADE"))
    attribute: Mapped[str] = mapped_column(String(48))
    value: Mapped[str] = mapped_column(Text)
    pinned_by: Mapped[str] = mapped_column(String(120))
    pinned_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class MergeEvent(Base):
    """Every change of a golden record's membership: who, when, why, before, after."""

    __tablename__ = "merge_events"
    __table_args__ = (Index(None, "golden_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(String(24))
    golden_id: Mapped[int] = mapped_column(BigInteger)
    other_golden_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    source_record_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(120), default="system")
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class MatchCandidate(Base):
    """A POSSIBLE_MATCH waiting for a data steward, with its score breakdown."""

    __tablename__ = "match_candidates"
    __table_args__ = (
        UniqueConstraint("source_record_id", "golden_id"),
        Index(None, "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE")
    )
    golden_id: Mapped[int] = mapped_column(ForeignKey("golden_customers.id"), index=True)
    other_source_record_id: Mapped[int | None] = mapped_column(BigInteger)
    match_weight: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    model_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None] = mapped_column(Tz)


class CannotLink(Base):
    """Two source records a steward (or a rule) said are different parties."""

    __tablename__ = "cannot_links"
    __table_args__ = (UniqueConstraint("left_source_record_id", "right_source_record_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    left_source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), index=True
    )
    right_source_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120), default="system")
    created_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class Relationship(Base):
    """A person as the contact of an organisation (never a merge)."""

    __tablename__ = "relationships"
    __table_args__ = (
        UniqueConstraint("person_record_id", "organisation_system", "organisation_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE")
    )
    organisation_system: Mapped[str] = mapped_column(String(32))
    organisation_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), default="contact_of")


class QuarantinedRecord(Base):
    """A rejected payload; (source, origin, raw hash) is unique so re-runs add nothing."""

    __tablename__ = "quarantine"
    __table_args__ = (
        Index(None, "source_system", "status", "id"),
        UniqueConstraint("source_system", "origin", "raw_hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(500))
    raw: Mapped[str] = mapped_column(Text)
    raw_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|replayed|discarded
    received_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())
    replayed_at: Mapped[datetime | None] = mapped_column(Tz)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("source_system", "order_no"),
        Index(None, "party_system", "party_key"),
        Index(None, "ordered_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(32))
    order_no: Mapped[str] = mapped_column(String(100))
    party_system: Mapped[str | None] = mapped_column(String(32))
    party_key: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str | None] = mapped_column(String(32))
    ordered_at: Mapped[datetime | None] = mapped_column(Tz)
    paid_at: Mapped[datetime | None] = mapped_column(Tz)
    total_amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    receiver: Mapped[dict[str, Any]] = mapped_column(default=dict)
    external_ref: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[str] = mapped_column(String(20))
    sku: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(16, 3))
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    batch_no: Mapped[str | None] = mapped_column(String(60), index=True)


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("source_system", "delivery_no"),
        Index(None, "source_system", "order_no"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(32))
    delivery_no: Mapped[str] = mapped_column(String(100))
    order_no: Mapped[str] = mapped_column(String(100))
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_no: Mapped[str | None] = mapped_column(String(100), index=True)
    shipped_at: Mapped[datetime | None] = mapped_column(Tz)
    content_hash: Mapped[str] = mapped_column(String(64))


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("source_system", "ticket_no"),
        Index(None, "status", "id"),
        Index(None, "party_system", "party_key"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(32))
    ticket_no: Mapped[str] = mapped_column(String(100))
    party_system: Mapped[str | None] = mapped_column(String(32))
    party_key: Mapped[str | None] = mapped_column(String(200))
    golden_id: Mapped[int | None] = mapped_column(ForeignKey("golden_customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(24), default="open")
    category: Mapped[str | None] = mapped_column(String(60), index=True)
    order_no: Mapped[str | None] = mapped_column(String(100))
    batch_no: Mapped[str | None] = mapped_column(String(60), index=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime | None] = mapped_column(Tz, index=True)
    status_at: Mapped[datetime | None] = mapped_column(Tz)
    updated_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class Call(Base):
    """One call-center call; its caller is the source record (callcenter, call_id)."""

    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("source_system", "call_id"), Index(None, "ticket_no"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[str] = mapped_column(String(100))
    ticket_no: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime | None] = mapped_column(Tz)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    agent_id: Mapped[str | None] = mapped_column(String(60))
    category: Mapped[str | None] = mapped_column(String(60))
    summary: Mapped[str | None] = mapped_column(Text)
    ticket_status: Mapped[str | None] = mapped_column(String(24))
    order_no: Mapped[str | None] = mapped_column(String(100))
    batch_no: Mapped[str | None] = mapped_column(String(60))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    caller_number: Mapped[str | None] = mapped_column(String(60))
    content_hash: Mapped[str] = mapped_column(String(64))


class TicketEvent(Base):
    """Status changes, notes and satisfaction recorded through the hub."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index(None, "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))  # status|note|satisfaction|call
    status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(120), default="system")
    occurred_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class LoyaltyEntry(Base):
    """A points ledger entry; the balance is their sum, so it never drifts."""

    __tablename__ = "loyalty_ledger"
    __table_args__ = (
        Index(None, "party_system", "party_key"),
        Index(None, "golden_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_key: Mapped[str] = mapped_column(String(200), unique=True)
    source_system: Mapped[str] = mapped_column(String(32))
    # Entries from a source name the party's source record; hub entries name the golden.
    party_system: Mapped[str | None] = mapped_column(String(32))
    party_key: Mapped[str | None] = mapped_column(String(200))
    golden_id: Mapped[int | None] = mapped_column(ForeignKey("golden_customers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # earn|redeem|adjust
    points: Mapped[int] = mapped_column(Integer)
    order_no: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120), default="system")
    occurred_at: Mapped[datetime | None] = mapped_column(Tz)
    created_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    operation: Mapped[str] = mapped_column(String(60))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class MatchModelRow(Base):
    """A trained (or default) Fellegi-Sunter model; decisions record its version."""

    __tablename__ = "match_models"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    model: Mapped[dict[str, Any]] = mapped_column(default=dict)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    trained_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class IngestCheckpoint(Base):
    """How far a file ingest got, so a killed run resumes where it stopped."""

    __tablename__ = "ingest_checkpoints"
    __table_args__ = (UniqueConstraint("source_system", "path", "fingerprint"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(1000))
    fingerprint: Mapped[str] = mapped_column(String(64))
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    line_no: Mapped[int] = mapped_column(BigInteger, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


# --- Access control, audit and erasure (docs/security.md) ---


class Partner(Base):
    """A dealer or distributor whose portal sees only the customers assigned to it."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # dealer|distributor
    created_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class PartnerAssignment(Base):
    """A customer assigned to a partner from ``starts_at`` until ``ends_at`` (open: NULL).

    Rows are never deleted: ending an assignment sets ``ends_at``, so the
    history of who could see a customer when stays answerable.
    """

    __tablename__ = "partner_assignments"
    __table_args__ = (Index(None, "partner_id", "golden_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    golden_id: Mapped[int] = mapped_column(ForeignKey("golden_customers.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(Tz)
    ends_at: Mapped[datetime | None] = mapped_column(Tz)
    source: Mapped[str] = mapped_column(String(16))  # manual|bulk|rule
    rule: Mapped[str | None] = mapped_column(String(200))
    assigned_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())


class ApiKey(Base):
    """An API key: only its SHA-256 is kept; ``prefix`` finds the row to compare against."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    grants: Mapped[list[Any]] = mapped_column(default=list)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    # Self-service keys: the customer's golden id (customers merged into it included).
    golden_id: Mapped[int | None] = mapped_column(ForeignKey("golden_customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(Tz, server_default=_now())
    revoked_at: Mapped[datetime | None] = mapped_column(Tz)
    last_used_at: Mapped[datetime | None] = mapped_column(Tz)


class AuditEntry(Base):
    """Who wrote, or read unmasked personal data of, which customers, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Tz, index=True, server_default=_now())
    key_id: Mapped[int | None] = mapped_column(BigInteger)
    key_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    operation: Mapped[str] = mapped_column(String(120), index=True)
    customer_ids: Mapped[list[Any]] = mapped_column(default=list)
    detail: Mapped[str | None] = mapped_column(Text)


class ErasedSourceKey(Base):
    """A source record whose subject was erased: a re-delivery is held for review."""

    __tablename__ = "erased_source_keys"
    __table_args__ = (UniqueConstraint("source_system", "source_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_system: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(200))
    erased_at: Mapped[datetime] = mapped_column(Tz)
    erased_by: Mapped[str] = mapped_column(String(120))
    golden_id: Mapped[int] = mapped_column(BigInteger)  # the tombstone golden customer
