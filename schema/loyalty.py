"""Loyalty points: an account per golden customer, its balance the sum of its ledger."""

from __future__ import annotations

from datetime import datetime

import strawberry

from cdhub.storage.queries.loyalty import ORDERING_NAME, LedgerRow
from resolvers.context import Info
from resolvers.pagination import global_id
from schema.connection import Connection, connection
from schema.node import Node, aware, aware_now
from schema.paging import paging


@strawberry.type(description="One points movement: earn, redeem or adjust.")
class LedgerEntry(Node):
    kind: str
    points: int
    order_no: str | None
    source_system: str
    occurred_at: datetime | None
    note: str | None
    actor: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: LedgerRow) -> LedgerEntry:
        return cls(
            id=strawberry.ID(global_id("LedgerEntry", row.id)),
            kind=row.kind,
            points=row.points,
            order_no=row.order_no,
            source_system=row.source_system,
            occurred_at=aware(row.occurred_at),
            note=row.note,
            actor=row.actor,
            created_at=aware_now(row.created_at),
        )


@strawberry.type(
    description="A golden customer's points: entries from every source record of the "
    "customer and hub entries naming it (or a customer merged into it)."
)
class LoyaltyAccount:
    tier: str | None = strawberry.field(description="The golden customer's tier.")
    customer_id: strawberry.Private[int]

    @strawberry.field(description="Sum of all ledger entries.")
    async def balance(self, info: Info) -> int:
        return await info.context.loaders.balance.load(self.customer_id) or 0

    @strawberry.field(description="Ledger entries, latest first.")
    async def ledger(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[LedgerEntry]:
        loaders = info.context.loaders
        page = await loaders.ledger.load(
            (self.customer_id, paging(info, ORDERING_NAME, first, after, last, before))
        )

        async def count_all() -> int:
            return await loaders.ledger_count.load((self.customer_id, None))

        return connection(page, ORDERING_NAME, LedgerEntry.from_row, count_all)
