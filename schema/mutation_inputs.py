"""Inputs of the mutations. Every one carries an ``idempotencyKey``: the same key with the
same input answers with the first result without doing it again; with another input
it is CONFLICT."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

KEY_DESCRIPTION = "Unique per intended change (a UUID, say), up to 200 characters."


def idempotency_key() -> str:
    return strawberry.field(description=KEY_DESCRIPTION)  # type: ignore[no-any-return]


@strawberry.enum(description="Statuses the hub sets on tickets.")
class TicketStatus(Enum):
    OPEN = "open"
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@strawberry.input(description="An address as one line of text, or as parts (not both).")
class AddressInput:
    text: str | None = strawberry.field(
        default=None, description="Free text, e.g. 广东省广州市天河区天河路385号."
    )
    province: str | None = None
    city: str | None = None
    district: str | None = None
    detail: str | None = strawberry.field(default=None, description="Street and number.")
    postcode: str | None = None


@strawberry.input(description="New contact values an agent recorded; give at least one.")
class UpdateContactInput:
    idempotency_key: str = idempotency_key()
    customer_id: strawberry.ID
    phone: str | None = strawberry.field(default=None, description="Any common writing.")
    email: str | None = None
    address: AddressInput | None = None
    confirmed_by_customer: bool = strawberry.field(
        default=False,
        description="The customer confirmed the values; they then outrank every source.",
    )


@strawberry.input
class CreateTicketInput:
    idempotency_key: str = idempotency_key()
    customer_id: strawberry.ID
    category: str = strawberry.field(description="complaint, refund, inquiry, ...")
    order_no: str | None = None
    batch_no: str | None = None
    note: str | None = None


@strawberry.input(description="A call about a ticket; a status or score given applies to it.")
class AddTicketCallInput:
    idempotency_key: str = idempotency_key()
    ticket_id: strawberry.ID
    call_id: str | None = strawberry.field(
        default=None, description="The telephony system's call id; generated when absent."
    )
    started_at: datetime | None = strawberry.field(default=None, description="Default: now.")
    duration_s: int | None = None
    agent_id: str | None = None
    summary: str | None = None
    status: TicketStatus | None = None
    satisfaction: int | None = strawberry.field(default=None, description="1 to 5.")


@strawberry.input
class ChangeTicketStatusInput:
    idempotency_key: str = idempotency_key()
    ticket_id: strawberry.ID
    status: TicketStatus
    note: str | None = None


@strawberry.input
class RecordSatisfactionInput:
    idempotency_key: str = idempotency_key()
    ticket_id: strawberry.ID
    score: int = strawberry.field(description="1 (very unhappy) to 5 (very happy).")
    note: str | None = None


@strawberry.input(description="Points to earn or redeem: a positive amount.")
class PointsInput:
    idempotency_key: str = idempotency_key()
    customer_id: strawberry.ID
    points: int
    order_no: str | None = None
    note: str | None = None


@strawberry.input(description="A correction: a signed, non-zero amount and why.")
class AdjustPointsInput:
    idempotency_key: str = idempotency_key()
    customer_id: strawberry.ID
    points: int
    note: str


@strawberry.input(description="Two customers that are one; the older id survives.")
class MergeCustomersInput:
    idempotency_key: str = idempotency_key()
    first_id: strawberry.ID
    second_id: strawberry.ID
    reason: str | None = None


@strawberry.input(description="A source record to split out of its customer.")
class UnmergeSourceInput:
    idempotency_key: str = idempotency_key()
    system: str
    key: str
    reason: str | None = None


@strawberry.input
class ResolveMatchCandidateInput:
    idempotency_key: str = idempotency_key()
    candidate_id: strawberry.ID
    is_match: bool = strawberry.field(description="True merges the pair; false keeps it apart.")


@strawberry.input
class PinAttributeInput:
    idempotency_key: str = idempotency_key()
    customer_id: strawberry.ID
    attribute: str = strawberry.field(description="email, phone, person_name, gender, ...")
    value: str | None = strawberry.field(default=None, description="Null removes the pin.")
