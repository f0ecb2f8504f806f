"""Orders with their items and deliveries; newest first, per customer or over all."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnCollection

from cdhub.storage.models import Delivery, Order, OrderItem
from cdhub.storage.queries.fact_lists import FactListing
from cdhub.storage.queries.keyset import (
    AnyRow,
    AnySelect,
    Expr,
    Ordering,
    Scope,
    read_rows,
)
from cdhub.storage.queries.ownership import OWNER, Roots, owned_by, scoped_facts

ORDERING_NAME = "orders.ordered_at.desc"

_COLUMNS: tuple[Expr, ...] = (
    Order.id,
    Order.source_system,
    Order.order_no,
    Order.party_system,
    Order.party_key,
    Order.channel,
    Order.status,
    Order.ordered_at,
    Order.paid_at,
    Order.total_amount,
    Order.currency,
)


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    source_system: str
    order_no: str
    party_system: str | None
    party_key: str | None
    channel: str
    status: str | None
    ordered_at: datetime | None
    paid_at: datetime | None
    total_amount: Decimal | None
    currency: str

    @classmethod
    def from_row(cls, row: AnyRow) -> OrderRow:
        m = row._mapping
        return cls(
            id=int(m["id"]),
            source_system=m["source_system"],
            order_no=m["order_no"],
            party_system=m["party_system"],
            party_key=m["party_key"],
            channel=m["channel"],
            status=m["status"],
            ordered_at=m["ordered_at"],
            paid_at=m["paid_at"],
            total_amount=m["total_amount"],
            currency=m["currency"],
        )


@dataclass(frozen=True, slots=True)
class ItemRow:
    order_id: int
    line_no: str
    sku: str | None
    title: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal | None
    batch_no: str | None


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    source_system: str
    delivery_no: str
    order_no: str
    carrier: str | None
    tracking_no: str | None
    shipped_at: datetime | None


@dataclass(frozen=True, slots=True)
class OrderCriteria:
    status: str | None = None
    channel: str | None = None
    batch_no: str | None = None
    ordered_from: datetime | None = None
    ordered_to: datetime | None = None


def _ordering(c: ColumnCollection[str, ColumnElement[Any]]) -> Ordering:
    return Ordering(
        name=ORDERING_NAME,
        id_column=c["id"],
        column=c["ordered_at"],
        descending=True,
        nullable=True,
    )


def _where(criteria: OrderCriteria) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if criteria.status is not None:
        where.append(Order.status == criteria.status)
    if criteria.channel is not None:
        where.append(Order.channel == criteria.channel)
    if criteria.ordered_from is not None:
        where.append(Order.ordered_at >= criteria.ordered_from)
    if criteria.ordered_to is not None:
        where.append(Order.ordered_at < criteria.ordered_to)
    if criteria.batch_no is not None:
        where.append(
            exists(
                select(OrderItem.id).where(
                    OrderItem.order_id == Order.id, OrderItem.batch_no == criteria.batch_no
                )
            )
        )
    return where


def _listed(criteria: OrderCriteria, owners: Roots | None, scope: Scope | None = None) -> AnySelect:
    """Orders matching ``criteria``, of the ``owners`` customers when given."""
    if owners is None:
        stmt = select(*_COLUMNS).where(*_where(criteria))
        return scoped_facts(stmt, (Order.party_system, Order.party_key), None, scope)
    owned = owned_by(
        _COLUMNS, (Order.party_system, Order.party_key), None, owners, _where(criteria)
    )
    if scope is None:
        return select(owned)
    return select(owned).where(scope(owned.c[OWNER]))


LISTING: FactListing[OrderCriteria, OrderRow] = FactListing(_listed, _ordering, OrderRow.from_row)
orders_per_customer = LISTING.per_customer  # a page of each customer's orders, newest first
count_orders_per_customer = LISTING.count_per_customer


async def orders_by_ids(
    session: AsyncSession, ids: Iterable[int], scope: Scope | None = None
) -> dict[int, OrderRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(*_COLUMNS).where(Order.id.in_(wanted))
    rows = await session.execute(
        scoped_facts(stmt, (Order.party_system, Order.party_key), None, scope)
    )
    return {int(row.id): OrderRow.from_row(row) for row in rows.all()}


async def orders_by_number(session: AsyncSession, numbers: Iterable[str]) -> dict[str, OrderRow]:
    """The order with each number; the first stored wins where two systems share one."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    rows = await session.execute(
        select(*_COLUMNS).where(Order.order_no.in_(wanted)).order_by(Order.id.desc())
    )
    return {row.order_no: OrderRow.from_row(row) for row in rows.all()}


@functools.cache
def _items() -> AnySelect:
    item = OrderItem
    return (
        select(
            item.order_id,
            item.line_no,
            item.sku,
            item.title,
            item.quantity,
            item.unit_price,
            item.amount,
            item.batch_no,
        )
        .where(item.order_id.in_(bindparam("ids", expanding=True)))
        .order_by(item.order_id, item.id)
    )


async def items_of(session: AsyncSession, order_ids: Iterable[int]) -> dict[int, list[ItemRow]]:
    wanted = sorted(set(order_ids))
    found: dict[int, list[ItemRow]] = {oid: [] for oid in wanted}
    if not wanted:
        return found
    for row in await read_rows(session, _items(), {"ids": wanted}):
        found[int(row.order_id)].append(ItemRow(int(row.order_id), *row[1:]))
    return found


async def deliveries_of(
    session: AsyncSession, orders: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[DeliveryRow]]:
    """Deliveries of each ``(source_system, order_no)``, earliest shipped first."""
    wanted = sorted(set(orders))
    found: dict[tuple[str, str], list[DeliveryRow]] = {key: [] for key in wanted}
    if not wanted:
        return found
    d = Delivery
    rows = await session.execute(
        select(d.source_system, d.delivery_no, d.order_no, d.carrier, d.tracking_no, d.shipped_at)
        .where(tuple_(d.source_system, d.order_no).in_(wanted))
        .order_by(d.shipped_at.asc().nulls_last(), d.id)
    )
    for row in rows.all():
        found[(row.source_system, row.order_no)].append(DeliveryRow(*row))
    return found
