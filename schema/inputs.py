"""Filters and orderings of the top-level lists."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.customer import CustomerKind


@strawberry.enum
class CustomerOrderBy(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NAME = "name"


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input(description="All given conditions must hold.")
class CustomerFilter:
    kind: CustomerKind | None = None
    province: str | None = strawberry.field(default=None, description="Short name: 上海, 广东.")
    tier: str | None = None
    channel: str | None = strawberry.field(
        default=None, description="A source system holding a record of the customer."
    )
    has_open_tickets: bool | None = None


@strawberry.input(description="All given conditions must hold; time ranges are half-open.")
class OrderFilter:
    status: str | None = None
    channel: str | None = None
    batch_no: str | None = strawberry.field(
        default=None, description="Orders with a line of this batch."
    )
    ordered_from: datetime | None = None
    ordered_to: datetime | None = None
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Orders of this golden customer (from every channel)."
    )


@strawberry.input(description="All given conditions must hold; time ranges are half-open.")
class TicketFilter:
    status: str | None = None
    open_only: bool = False
    category: str | None = None
    batch_no: str | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    channel: str | None = strawberry.field(
        default=None, description="The source system that raised the ticket."
    )
    customer_id: strawberry.ID | None = None
