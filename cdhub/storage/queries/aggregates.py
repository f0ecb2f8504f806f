"""BI aggregates over orders, tickets, the loyalty ledger and golden customers.

Every fact is attributed to its golden customer through the cross-references
(`ownership.fact_owner`), so DISTINCT_CUSTOMERS counts a customer seen in the
shop and in the ERP once, and golden attributes (province, tier, channel count)
apply to facts from any source. Each fact table is one statement: an inner
query computes the dimension values and the owner per fact row, an outer one
groups them (grouping on the inner columns keeps PostgreSQL happy about
bound parameters inside the month expression). Measures from several fact
tables are joined on the dimension values in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Interval,
    Numeric,
    Subquery,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cdhub.storage.models import (
    GoldenCustomer,
    LoyaltyEntry,
    Order,
    OrderItem,
    SourceRecord,
    Ticket,
    Xref,
)
from cdhub.storage.queries.keyset import AnySelect, Expr, Scope
from cdhub.storage.queries.ownership import fact_owner


class Dimension(StrEnum):
    CHANNEL = "channel"
    PROVINCE = "province"
    TIER = "tier"
    MONTH = "month"
    TICKET_CATEGORY = "ticket_category"
    BATCH_NO = "batch_no"
    CHANNEL_COUNT = "channel_count"
    CUSTOMER = "customer"


class Measure(StrEnum):
    DISTINCT_CUSTOMERS = "distinct_customers"
    ORDER_COUNT = "order_count"
    REVENUE = "revenue"
    REVENUE_PER_CUSTOMER = "revenue_per_customer"
    POINTS = "points"
    AVG_SATISFACTION = "avg_satisfaction"
    TICKET_COUNT = "ticket_count"


class Fact(StrEnum):
    ORDERS = "orders"
    TICKETS = "tickets"
    LOYALTY = "loyalty"
    CUSTOMERS = "customers"


MEASURE_FACT = {
    Measure.ORDER_COUNT: Fact.ORDERS,
    Measure.REVENUE: Fact.ORDERS,
    Measure.REVENUE_PER_CUSTOMER: Fact.ORDERS,
    Measure.POINTS: Fact.LOYALTY,
    Measure.AVG_SATISFACTION: Fact.TICKETS,
    Measure.TICKET_COUNT: Fact.TICKETS,
}
_ZERO_WHEN_ABSENT = frozenset(
    {
        Measure.DISTINCT_CUSTOMERS,
        Measure.ORDER_COUNT,
        Measure.REVENUE,
        Measure.POINTS,
        Measure.TICKET_COUNT,
    }
)


class AggregateError(ValueError):
    """The request combines dimensions, measures or filters that do not fit together."""


@dataclass(frozen=True, slots=True)
class AggregateFilter:
    """Restrictions on the facts counted; the time range applies to each fact's own time
    (ordered, opened, occurred, created) and is half-open: ``since <= t < until``."""

    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    province: str | None = None
    tier: str | None = None
    kind: str | None = None
    ticket_category: str | None = None
    batch_no: str | None = None
    utc_offset_minutes: int = 480  # months are China Standard Time months by default


@dataclass(frozen=True, slots=True)
class AggregateRow:
    dimensions: tuple[str | None, ...]
    measures: tuple[Decimal | None, ...]


@dataclass
class _Source:
    fact: Fact
    stmt: AnySelect
    owner: Expr
    time: Expr
    channel: Expr
    golden: Any
    fact_id: Expr
    category: Expr | None = None
    batch: Expr | None = None
    amount: Expr | None = None
    points: Expr | None = None
    satisfaction: Expr | None = None


def _with_owner(
    stmt: AnySelect, party: tuple[Any, Any], golden: Any
) -> tuple[AnySelect, Expr, Any]:
    joins, owner = fact_owner(party, golden)
    for target, onclause in joins:
        stmt = stmt.outerjoin(target, onclause)
    owner_golden = aliased(GoldenCustomer)
    return stmt.outerjoin(owner_golden, owner_golden.id == owner), owner, owner_golden


def _source(fact: Fact, dimensions: Sequence[Dimension], where: AggregateFilter) -> _Source:
    if fact is Fact.ORDERS:
        stmt, owner, golden = _with_owner(
            select(Order.id).select_from(Order), (Order.party_system, Order.party_key), None
        )
        by_batch = Dimension.BATCH_NO in dimensions or where.batch_no is not None
        if by_batch:
            # Revenue per batch is the revenue of that batch's order lines.
            stmt = stmt.join(OrderItem, OrderItem.order_id == Order.id)
        return _Source(
            fact,
            stmt,
            owner,
            Order.ordered_at,
            Order.channel,
            golden,
            Order.id,
            batch=OrderItem.batch_no if by_batch else None,
            amount=OrderItem.amount if by_batch else Order.total_amount,
        )
    if fact is Fact.TICKETS:
        stmt, owner, golden = _with_owner(
            select(Ticket.id).select_from(Ticket),
            (Ticket.party_system, Ticket.party_key),
            Ticket.golden_id,
        )
        return _Source(
            fact,
            stmt,
            owner,
            Ticket.opened_at,
            Ticket.source_system,
            golden,
            Ticket.id,
            category=Ticket.category,
            batch=Ticket.batch_no,
            satisfaction=Ticket.satisfaction,
        )
    if fact is Fact.LOYALTY:
        stmt, owner, golden = _with_owner(
            select(LoyaltyEntry.id).select_from(LoyaltyEntry),
            (LoyaltyEntry.party_system, LoyaltyEntry.party_key),
            LoyaltyEntry.golden_id,
        )
        return _Source(
            fact,
            stmt,
            owner,
            LoyaltyEntry.occurred_at,
            LoyaltyEntry.source_system,
            golden,
            LoyaltyEntry.id,
            points=LoyaltyEntry.points,
        )
    golden_customer = GoldenCustomer
    stmt = (
        select(golden_customer.id)
        .select_from(golden_customer)
        .where(golden_customer.status == "active")
    )
    channel: Expr = null()
    if Dimension.CHANNEL in dimensions or where.channel is not None:
        # A customer counts once in each channel that holds one of its records.
        stmt = stmt.join(Xref, Xref.golden_id == golden_customer.id).join(
            SourceRecord, SourceRecord.id == Xref.source_record_id
        )
        channel = SourceRecord.source_system
    return _Source(
        fact,
        stmt,
        golden_customer.id,
        golden_customer.created_at,
        channel,
        golden_customer,
        golden_customer.id,
    )


def _month(time: Expr, dialect: str, offset_minutes: int) -> Expr:
    if dialect == "postgresql":
        shifted = func.timezone("UTC", time) + literal(timedelta(minutes=offset_minutes), Interval)
        return func.to_char(shifted, "YYYY-MM")
    # SQLite stores UTC wall time as text; strftime shifts it by a modifier.
    return func.strftime("%Y-%m", time, f"{offset_minutes:+d} minutes")


def _dimension(source: _Source, dimension: Dimension, dialect: str, offset: int) -> Expr:
    golden = source.golden
    expressions: dict[Dimension, Expr | None] = {
        Dimension.CHANNEL: source.channel,
        Dimension.PROVINCE: golden.province,
        Dimension.TIER: golden.tier,
        Dimension.CHANNEL_COUNT: golden.channel_count,
        Dimension.CUSTOMER: source.owner,
        Dimension.TICKET_CATEGORY: source.category,
        Dimension.BATCH_NO: source.batch,
        Dimension.MONTH: _month(source.time, dialect, offset),
    }
    expression = expressions[dimension]
    if expression is None:
        raise AggregateError(f"dimension {dimension.name} does not apply to {source.fact.name}")
    return expression


def _filtered(source: _Source, where: AggregateFilter, scope: Scope | None) -> AnySelect:
    stmt = source.stmt
    if scope is not None:  # facts of customers the caller may see; unlinked ones drop out
        stmt = stmt.where(scope(source.owner))
    if where.since is not None:
        stmt = stmt.where(source.time >= where.since)
    if where.until is not None:
        stmt = stmt.where(source.time < where.until)
    if where.channel is not None:
        stmt = stmt.where(source.channel == where.channel)
    for value, column in (
        (where.province, source.golden.province),
        (where.tier, source.golden.tier),
        (where.kind, source.golden.kind),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    for value, column, name in (
        (where.ticket_category, source.category, "ticketCategory"),
        (where.batch_no, source.batch, "batchNo"),
    ):
        if value is None:
            continue
        if column is None:
            raise AggregateError(f"filter {name} does not apply to {source.fact.name}")
        stmt = stmt.where(column == value)
    return stmt


def _facts(
    source: _Source,
    dimensions: Sequence[Dimension],
    where: AggregateFilter,
    dialect: str,
    scope: Scope | None = None,
) -> Subquery:
    """One row per fact row: its dimension values (d0, d1, ...) and what measures read."""
    columns: list[Expr] = [
        _dimension(source, d, dialect, where.utc_offset_minutes).label(f"d{i}")
        for i, d in enumerate(dimensions)
    ]
    columns += [
        source.owner.label("owner"),
        source.fact_id.label("fact_id"),
        (source.amount if source.amount is not None else null()).label("amount"),
        (source.points if source.points is not None else null()).label("points"),
        (source.satisfaction if source.satisfaction is not None else null()).label("score"),
    ]
    return (
        _filtered(source, where, scope).with_only_columns(*columns).subquery(f"{source.fact}_facts")
    )


def _measure(facts: Subquery, measure: Measure) -> Expr:
    c = facts.c
    if measure is Measure.DISTINCT_CUSTOMERS:
        return func.count(c.owner.distinct())
    if measure in (Measure.ORDER_COUNT, Measure.TICKET_COUNT):
        return func.count(c.fact_id.distinct())
    if measure is Measure.REVENUE:
        return func.sum(c.amount)
    if measure is Measure.POINTS:
        return func.sum(c.points)
    if measure is Measure.AVG_SATISFACTION:
        return func.avg(cast(c.score, Numeric(10, 4)))
    raise AggregateError(f"{measure.name} is computed, not selected")


async def _grouped(
    session: AsyncSession, facts: Subquery, size: int, measures: Sequence[Measure]
) -> dict[tuple[Any, ...], dict[Measure, Decimal | None]]:
    keys = [facts.c[f"d{i}"] for i in range(size)]
    stmt = select(*keys, *(_measure(facts, m) for m in measures))
    if keys:
        stmt = stmt.group_by(*keys)
    found: dict[tuple[Any, ...], dict[Measure, Decimal | None]] = {}
    for row in (await session.execute(stmt)).all():
        values = [_exact(m, v) for m, v in zip(measures, row[size:], strict=True)]
        found[tuple(row[:size])] = dict(zip(measures, values, strict=True))
    return found


_CENTS = Decimal("0.01")
_COUNTS = frozenset(
    {Measure.DISTINCT_CUSTOMERS, Measure.ORDER_COUNT, Measure.TICKET_COUNT, Measure.POINTS}
)


def _exact(measure: Measure, value: Any) -> Decimal | None:
    """The same value from SQLite (floats) and PostgreSQL (numerics): counts whole,
    money and averages to the cent."""
    if value is None:
        return None
    if measure in _COUNTS:
        return Decimal(int(value))
    return Decimal(str(value)).quantize(_CENTS)


def _customer_facts(
    measures: Sequence[Measure],
    dimensions: Sequence[Dimension],
    where: AggregateFilter,
    customers_in: Sequence[Fact],
) -> set[Fact]:
    """The facts in which DISTINCT_CUSTOMERS counts customers."""
    if customers_in:
        return set(customers_in)
    facts = {MEASURE_FACT[m] for m in measures if m in MEASURE_FACT}
    if facts:
        return facts
    if Dimension.TICKET_CATEGORY in dimensions or where.ticket_category is not None:
        return {Fact.TICKETS}
    if Dimension.BATCH_NO in dimensions or where.batch_no is not None:
        raise AggregateError("BATCH_NO is on orders and tickets: say which with customersIn")
    return {Fact.CUSTOMERS}


async def aggregate(
    session: AsyncSession,
    dimensions: Sequence[Dimension],
    measures: Sequence[Measure],
    where: AggregateFilter,
    customers_in: Sequence[Fact] = (),
    scope: Scope | None = None,
) -> list[AggregateRow]:
    """Group facts by ``dimensions`` and compute ``measures``, one statement per fact table.

    Rows are sorted by their dimension values (unknown values last).
    """
    if len(set(dimensions)) != len(dimensions) or len(set(measures)) != len(measures):
        raise AggregateError("dimensions and measures must not repeat")
    if not measures:
        raise AggregateError("ask for at least one measure")
    dialect = session.get_bind().dialect.name
    wanted: dict[Fact, list[Measure]] = {}
    for measure in measures:
        if measure in MEASURE_FACT:
            wanted.setdefault(MEASURE_FACT[measure], []).append(measure)
    counted_in: set[Fact] = set()
    if Measure.DISTINCT_CUSTOMERS in measures:
        counted_in = _customer_facts(measures, dimensions, where, customers_in)
    if len(counted_in) == 1:
        wanted.setdefault(next(iter(counted_in)), []).append(Measure.DISTINCT_CUSTOMERS)
    results: dict[tuple[Any, ...], dict[Measure, Decimal | None]] = {}

    def merge(found: dict[tuple[Any, ...], dict[Measure, Decimal | None]]) -> None:
        for key, values in found.items():
            results.setdefault(key, {}).update(values)

    size = len(dimensions)
    for fact, fact_measures in wanted.items():
        facts = _facts(_source(fact, dimensions, where), dimensions, where, dialect, scope)
        asked = [m for m in fact_measures if m is not Measure.REVENUE_PER_CUSTOMER]
        if Measure.REVENUE_PER_CUSTOMER in fact_measures:
            asked += [m for m in (Measure.REVENUE, Measure.DISTINCT_CUSTOMERS) if m not in asked]
        found = await _grouped(session, facts, size, asked)
        if Measure.REVENUE_PER_CUSTOMER in fact_measures:
            for values in found.values():
                revenue, customers = values[Measure.REVENUE], values[Measure.DISTINCT_CUSTOMERS]
                values[Measure.REVENUE_PER_CUSTOMER] = (
                    None
                    if not customers or revenue is None
                    else (revenue / customers).quantize(_CENTS)
                )
        merge(found)
    if len(counted_in) > 1:
        merge(
            await _customers_across(session, sorted(counted_in), dimensions, where, dialect, scope)
        )
    return _rows(results, measures)


async def _customers_across(
    session: AsyncSession,
    facts: Sequence[Fact],
    dimensions: Sequence[Dimension],
    where: AggregateFilter,
    dialect: str,
    scope: Scope | None = None,
) -> dict[tuple[Any, ...], dict[Measure, Decimal | None]]:
    """Distinct customers over several fact tables at once: union the owners, then count."""
    size = len(dimensions)
    parts = []
    for fact in facts:
        sub = _facts(_source(fact, dimensions, where), dimensions, where, dialect, scope)
        parts.append(select(*(sub.c[f"d{i}"] for i in range(size)), sub.c.owner))
    union = union_all(*parts).subquery("owners")
    return await _grouped(session, union, size, [Measure.DISTINCT_CUSTOMERS])


def _rows(
    results: dict[tuple[Any, ...], dict[Measure, Decimal | None]], measures: Sequence[Measure]
) -> list[AggregateRow]:
    rows = []
    # Values of one dimension share a type (text, or integers for counts and ids).
    for key in sorted(results, key=lambda k: tuple((v is None, v or 0) for v in k)):
        values = results[key]
        measured = tuple(
            values.get(m, Decimal(0) if m in _ZERO_WHEN_ABSENT else None) for m in measures
        )
        rows.append(AggregateRow(tuple(None if v is None else str(v) for v in key), measured))
    return rows
