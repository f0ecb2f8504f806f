"""BI aggregates: facts grouped by dimensions, each customer counted once across channels."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from cdhub.storage.queries import aggregates as queries
from resolvers.context import Info
from resolvers.errors import BadUserInput
from schema.customer import CustomerKind


@strawberry.enum(description="What to group by.")
class Dimension(Enum):
    CHANNEL = "channel"
    PROVINCE = "province"
    TIER = "tier"
    MONTH = "month"
    TICKET_CATEGORY = "ticket_category"
    BATCH_NO = "batch_no"
    CHANNEL_COUNT = "channel_count"
    CUSTOMER = "customer"


@strawberry.enum(description="What to compute per group.")
class Measure(Enum):
    DISTINCT_CUSTOMERS = "distinct_customers"
    ORDER_COUNT = "order_count"
    REVENUE = "revenue"
    REVENUE_PER_CUSTOMER = "revenue_per_customer"
    POINTS = "points"
    AVG_SATISFACTION = "avg_satisfaction"
    TICKET_COUNT = "ticket_count"


@strawberry.enum(description="A kind of fact a customer can be counted in.")
class Fact(Enum):
    ORDERS = "orders"
    TICKETS = "tickets"
    LOYALTY = "loyalty"
    CUSTOMERS = "customers"


@strawberry.input(description="Restrictions on the facts counted; `from` <= time < `to`.")
class AggregateFilter:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    channel: str | None = None
    province: str | None = None
    tier: str | None = None
    kind: CustomerKind | None = None
    ticket_category: str | None = None
    batch_no: str | None = None
    utc_offset_minutes: int = strawberry.field(
        default=480, description="MONTH buckets in this offset from UTC (China: 480)."
    )


@strawberry.type
class DimensionValue:
    dimension: Dimension
    value: str | None = strawberry.field(description="Null: unknown (e.g. no province).")


@strawberry.type
class MeasureValue:
    measure: Measure
    value: float | None = strawberry.field(description="For charts; see `exact`.")
    exact: Decimal | None = strawberry.field(description="The exact value, e.g. money.")


@strawberry.type
class AggregateRow:
    dimensions: list[DimensionValue]
    measures: list[MeasureValue]


MAX_AGGREGATE_ROWS = 10_000


async def aggregate(
    info: Info,
    dimensions: list[Dimension],
    measures: list[Measure],
    where: AggregateFilter | None,
    customers_in: list[Fact] | None,
    limit: int,
) -> list[AggregateRow]:
    if not 0 <= limit <= MAX_AGGREGATE_ROWS:
        raise BadUserInput(f"limit must be between 0 and {MAX_AGGREGATE_ROWS}", argument="limit")
    f = where or AggregateFilter()
    criteria = queries.AggregateFilter(
        since=f.from_,
        until=f.to,
        channel=f.channel,
        province=f.province,
        tier=f.tier,
        kind=None if f.kind is None else f.kind.value,
        ticket_category=f.ticket_category,
        batch_no=f.batch_no,
        utc_offset_minutes=f.utc_offset_minutes,
    )
    dims = [queries.Dimension(d.value) for d in dimensions]
    wanted = [queries.Measure(m.value) for m in measures]
    facts = [queries.Fact(c.value) for c in customers_in or ()]
    try:
        scope = info.context.scope
        rows = await info.context.db.run(
            lambda session: queries.aggregate(session, dims, wanted, criteria, facts, scope)
        )
    except queries.AggregateError as exc:
        raise BadUserInput(str(exc)) from None
    return [
        AggregateRow(
            dimensions=[
                DimensionValue(dimension=d, value=v)
                for d, v in zip(dimensions, row.dimensions, strict=True)
            ],
            measures=[
                MeasureValue(measure=m, value=None if v is None else float(v), exact=v)
                for m, v in zip(measures, row.measures, strict=True)
            ],
        )
        for row in rows[:limit]
    ]
