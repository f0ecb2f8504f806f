"""Per-request DataLoaders: one statement per relation per level of the query.

Every batch function takes its keys, asks one repository function (one SQL
statement) and answers in key order with None (or an empty list) for misses.
Connections nested under a list (each customer's orders) are keyed by
``(parent id, page spec)``: keys sharing a spec are paged together with a
window function, so 50 customers cost what one does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from cdhub.storage.queries import customers, loyalty, orders, ownership, sources, stewardship
from cdhub.storage.queries import tickets as ticket_queries
from cdhub.storage.queries.customers import CustomerRecord
from cdhub.storage.queries.keyset import Page, PageRequest, Scope
from cdhub.storage.queries.loyalty import LedgerRow
from cdhub.storage.queries.orders import DeliveryRow, ItemRow, OrderCriteria, OrderRow
from cdhub.storage.queries.sources import LineageRow, RelationshipRow, SourceRecordRow
from cdhub.storage.queries.stewardship import CandidateRow, MergeEventRow, QuarantineRow
from cdhub.storage.queries.tickets import CallRow, TicketCriteria, TicketEventRow, TicketRow
from resolvers.session import RequestSession
from resolvers.views import CustomerViews

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
S = TypeVar("S", bound=Hashable)
R = TypeVar("R")

Fetch = Callable[[AsyncSession, list[K]], Awaitable[Mapping[K, V]]]


def _one(db: RequestSession, fetch: Fetch[K, V]) -> DataLoader[K, V | None]:
    async def load(keys: list[K]) -> list[V | None]:
        found = await db.run(lambda session: fetch(session, keys))
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _many(db: RequestSession, fetch: Fetch[K, list[V]]) -> DataLoader[K, list[V]]:
    async def load(keys: list[K]) -> list[list[V]]:
        found = await db.run(lambda session: fetch(session, keys))
        return [list(found.get(key, ())) for key in keys]

    return DataLoader(load_fn=load)


def _grouped(
    db: RequestSession,
    fetch: Callable[[AsyncSession, list[int], S], Awaitable[Mapping[int, V]]],
    missing: Callable[[], V],
) -> DataLoader[tuple[int, S], V]:
    """Keys ``(parent, spec)``: one statement per distinct spec, for all its parents."""

    async def load(keys: list[tuple[int, S]]) -> list[V]:
        by_spec: dict[S, list[int]] = {}
        for parent, spec in keys:
            by_spec.setdefault(spec, []).append(parent)
        found: dict[tuple[int, S], V] = {}
        for spec, parents in by_spec.items():
            wanted = sorted(set(parents))
            results = await db.run(lambda session: fetch(session, wanted, spec))  # noqa: B023
            found.update({(parent, spec): value for parent, value in results.items()})
        return [found.get(key, missing()) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """All DataLoaders of one request; build a fresh one per request."""

    def __init__(
        self, db: RequestSession, views: CustomerViews, scope: Scope | None = None
    ) -> None:
        async def load_customers(ids: list[int]) -> list[CustomerRecord | None]:
            return await views.get_many(ids)

        self.customer: DataLoader[int, CustomerRecord | None] = DataLoader(load_fn=load_customers)
        self.golden_of_party = _one(db, ownership.golden_of_parties)
        self.merged_from = _many(db, customers.merged_into)
        self.source_record = _one(db, sources.records_by_ids)
        self.source_record_by_key = _one(db, sources.records_by_keys)
        self.lineage: DataLoader[int, list[LineageRow]] = _many(db, sources.lineage_of)
        self.relationships: DataLoader[int, list[RelationshipRow]] = _many(
            db, sources.relationships_of
        )
        self.customer_sources: DataLoader[tuple[int, PageRequest], Page[SourceRecordRow]] = (
            _grouped(db, sources.sources_per_customer, Page.empty)
        )
        self.customer_source_count: DataLoader[tuple[int, None], int] = _grouped(
            db, lambda s, ids, _: sources.count_sources_per_customer(s, ids), int
        )

        async def order_pages(
            session: AsyncSession, ids: list[int], spec: tuple[OrderCriteria, PageRequest]
        ) -> dict[int, Page[OrderRow]]:
            return await orders.orders_per_customer(session, ids, *spec)

        self.customer_orders: DataLoader[
            tuple[int, tuple[OrderCriteria, PageRequest]], Page[OrderRow]
        ] = _grouped(db, order_pages, Page.empty)
        self.customer_order_count: DataLoader[tuple[int, OrderCriteria], int] = _grouped(
            db, orders.count_orders_per_customer, int
        )

        async def ticket_pages(
            session: AsyncSession, ids: list[int], spec: tuple[TicketCriteria, PageRequest]
        ) -> dict[int, Page[TicketRow]]:
            return await ticket_queries.tickets_per_customer(session, ids, *spec)

        self.customer_tickets: DataLoader[
            tuple[int, tuple[TicketCriteria, PageRequest]], Page[TicketRow]
        ] = _grouped(db, ticket_pages, Page.empty)
        self.customer_ticket_count: DataLoader[tuple[int, TicketCriteria], int] = _grouped(
            db, ticket_queries.count_tickets_per_customer, int
        )
        self.balance: DataLoader[int, int | None] = _one(db, loyalty.balances)
        self.ledger: DataLoader[tuple[int, PageRequest], Page[LedgerRow]] = _grouped(
            db, loyalty.ledger_per_customer, Page.empty
        )
        self.ledger_count: DataLoader[tuple[int, None], int] = _grouped(
            db, lambda s, ids, _: loyalty.count_ledger_per_customer(s, ids), int
        )
        self.order: DataLoader[int, OrderRow | None] = _one(
            db, lambda s, ids: orders.orders_by_ids(s, ids, scope)
        )
        self.order_by_no: DataLoader[str, OrderRow | None] = _one(db, orders.orders_by_number)
        self.order_items: DataLoader[int, list[ItemRow]] = _many(db, orders.items_of)
        self.deliveries: DataLoader[tuple[str, str], list[DeliveryRow]] = _many(
            db, orders.deliveries_of
        )
        self.ticket: DataLoader[int, TicketRow | None] = _one(
            db, lambda s, ids: ticket_queries.tickets_by_ids(s, ids, scope)
        )
        self.calls: DataLoader[tuple[str, str], list[CallRow]] = _many(db, ticket_queries.calls_of)
        self.ticket_events: DataLoader[int, list[TicketEventRow]] = _many(
            db, ticket_queries.events_of
        )
        self.ledger_entry: DataLoader[int, LedgerRow | None] = _one(
            db, lambda s, ids: loyalty.entries_by_ids(s, ids, scope)
        )
        self.candidate: DataLoader[int, CandidateRow | None] = _one(
            db, stewardship.candidates_by_ids
        )
        self.quarantined: DataLoader[int, QuarantineRow | None] = _one(
            db, stewardship.quarantined_by_ids
        )
        self.merge_event: DataLoader[int, MergeEventRow | None] = _one(
            db, stewardship.merge_events_by_ids
        )
