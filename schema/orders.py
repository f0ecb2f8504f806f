"""Orders from every channel, with their lines and deliveries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from cdhub.storage.queries.orders import DeliveryRow, ItemRow, OrderRow
from resolvers.context import Info
from resolvers.pagination import global_id
from schema.node import Node, aware

if TYPE_CHECKING:
    from schema.customer import Customer


@strawberry.type(description="One order line.")
class OrderItem:
    line_no: str
    sku: str | None
    title: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal | None
    batch_no: str | None = strawberry.field(description="Production batch of the goods.")

    @classmethod
    def from_row(cls, row: ItemRow) -> OrderItem:
        return cls(
            line_no=row.line_no,
            sku=row.sku,
            title=row.title,
            quantity=row.quantity,
            unit_price=row.unit_price,
            amount=row.amount,
            batch_no=row.batch_no,
        )


@strawberry.type(description="A shipment of (part of) an order.")
class Delivery:
    delivery_no: str
    carrier: str | None
    tracking_no: str | None
    shipped_at: datetime | None

    @classmethod
    def from_row(cls, row: DeliveryRow) -> Delivery:
        return cls(
            delivery_no=row.delivery_no,
            carrier=row.carrier,
            tracking_no=row.tracking_no,
            shipped_at=aware(row.shipped_at),
        )


@strawberry.type(description="An order as its source system recorded it.")
class Order(Node):
    order_no: str
    source_system: str
    channel: str
    status: str | None
    ordered_at: datetime | None
    paid_at: datetime | None
    total_amount: Decimal | None = strawberry.field(
        description="Exact amount as a decimal string, in `currency`."
    )
    currency: str
    row: strawberry.Private[OrderRow]

    @classmethod
    def from_row(cls, row: OrderRow) -> Order:
        return cls(
            id=strawberry.ID(global_id("Order", row.id)),
            order_no=row.order_no,
            source_system=row.source_system,
            channel=row.channel,
            status=row.status,
            ordered_at=aware(row.ordered_at),
            paid_at=aware(row.paid_at),
            total_amount=row.total_amount,
            currency=row.currency,
            row=row,
        )

    @strawberry.field
    async def items(self, info: Info) -> list[OrderItem]:
        rows = await info.context.loaders.order_items.load(self.row.id)
        return [OrderItem.from_row(r) for r in rows]

    @strawberry.field
    async def deliveries(self, info: Info) -> list[Delivery]:
        key = (self.row.source_system, self.row.order_no)
        return [Delivery.from_row(r) for r in await info.context.loaders.deliveries.load(key)]

    @strawberry.field(description="The golden customer who placed it; null until linked.")
    async def customer(
        self, info: Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customer")] | None:
        from schema.customer import customer_of_party

        return await customer_of_party(info, self.row.party_system, self.row.party_key)
