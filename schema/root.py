"""The root of the graph: customers, their facts, stewardship lists and BI aggregates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from cdhub import __version__
from cdhub.security.errors import SecurityError
from cdhub.security.guards import security_extensions
from cdhub.security.policy import NODE_TYPES, require_node_type
from cdhub.settings import Settings
from cdhub.storage.queries import customers as customer_queries
from cdhub.storage.queries import orders as order_queries
from cdhub.storage.queries import search as search_queries
from cdhub.storage.queries import stewardship as steward_queries
from cdhub.storage.queries import tickets as ticket_queries
from cdhub.storage.queries.customers import CustomerCriteria, CustomerSort
from cdhub.storage.queries.fact_lists import FactListing
from cdhub.storage.queries.orders import OrderCriteria
from cdhub.storage.queries.tickets import TicketCriteria
from resolvers.answers import cached_answers
from resolvers.context import Info
from resolvers.errors import BadUserInput, Conflict, HubError, NotFound
from resolvers.identity import identity_key, search_terms
from resolvers.pagination import id_of, parse_global_id
from schema import access
from schema.access import AuditEntry, Me, Partner, PartnerAssignment
from schema.analytics import AggregateFilter, AggregateRow, Dimension, Fact, Measure, aggregate
from schema.connection import Connection, connection
from schema.customer import Customer
from schema.execution import HubExecutionContext
from schema.extensions import RequestLifecycle, validation_cache
from schema.inputs import CustomerFilter, CustomerOrderBy, OrderFilter, SortDirection, TicketFilter
from schema.loyalty import LedgerEntry
from schema.mutations import Mutation
from schema.node import Node
from schema.orders import Order
from schema.paging import paging
from schema.sources import SourceRecord
from schema.stewardship import (
    CandidateStatus,
    MatchCandidate,
    MergeEvent,
    QuarantinedRecord,
    QuarantineStatus,
)
from schema.subscriptions import Subscription
from schema.tickets import Ticket

T = TypeVar("T")
C = TypeVar("C", bound=Hashable)
R = TypeVar("R")


@strawberry.type(description="Facts about this hub instance.")
class HubInfo:
    version: str
    database: str
    cache: str


def _counter(
    info: Info, count: Callable[[AsyncSession], Awaitable[int]]
) -> Callable[[], Awaitable[int]]:
    async def count_all() -> int:
        return await info.context.db.run(count)

    return count_all


async def _customer_record(info: Info, ident: strawberry.ID) -> Customer:
    """The customer of a global or numeric id, following merges; NOT_FOUND otherwise."""
    record = await info.context.loaders.customer.load(id_of(ident, "Customer"))
    if record is None:
        raise NotFound(f"no customer has the id {ident!r}", id=ident)
    return Customer.from_record(record)


Window = tuple[int | None, str | None, int | None, str | None]  # first, after, last, before


async def _fact_connection(
    info: Info,
    listing: FactListing[C, R],
    ordering: str,
    criteria: C,
    customer_id: strawberry.ID | None,
    window: Window,
    node: Callable[[R], T],
) -> Connection[T]:
    """A keyset connection over one kind of fact, of one customer when ``customer_id``."""
    owners = None
    if customer_id is not None:
        owners = [(await _customer_record(info, customer_id)).golden_id]
    request = paging(info, ordering, *window)
    scope = info.context.scope
    page = await info.context.db.run(lambda s: listing.page(s, criteria, owners, request, scope))
    count = _counter(info, lambda s: listing.count(s, criteria, owners, scope))
    return connection(page, ordering, node, count)


async def _resolve_node(info: Info, ident: str) -> Node | None:
    kind, key = parse_global_id(ident)
    if kind in NODE_TYPES:  # an unknown type is NOT_FOUND below, for every role
        require_node_type(info.context.principal, kind)
    loaders = info.context.loaders
    if kind == "Customer":
        customer = await loaders.customer.load(key)
        return None if customer is None else Customer.from_record(customer)
    if kind == "Order":
        order = await loaders.order.load(key)
        return None if order is None else Order.from_row(order)
    if kind == "Ticket":
        ticket = await loaders.ticket.load(key)
        return None if ticket is None else Ticket.from_row(ticket)
    if kind == "SourceRecord":
        record = await loaders.source_record.load(key)
        return None if record is None else SourceRecord.from_row(record)
    if kind == "LedgerEntry":
        entry = await loaders.ledger_entry.load(key)
        return None if entry is None else LedgerEntry.from_row(entry)
    if kind == "MatchCandidate":
        candidate = await loaders.candidate.load(key)
        return None if candidate is None else MatchCandidate.from_row(candidate)
    if kind == "QuarantinedRecord":
        quarantined = await loaders.quarantined.load(key)
        return None if quarantined is None else QuarantinedRecord.from_row(quarantined)
    if kind == "MergeEvent":
        event = await loaders.merge_event.load(key)
        return None if event is None else MergeEvent.from_row(event)
    raise NotFound(f"no object has the id {ident!r}", id=ident)


@strawberry.type
class Query:
    @strawberry.field(description="Version and back-ends of this hub.")
    def hub(self, info: Info) -> HubInfo:
        settings = info.context.hub.settings
        return HubInfo(
            version=__version__,
            database="sqlite" if settings.is_sqlite else "postgresql",
            cache="redis" if settings.redis_url else "in-process",
        )

    me: Me = strawberry.field(resolver=access.me, description="Who is calling.")
    audit_log: list[AuditEntry] = strawberry.field(
        resolver=access.audit_log,
        description="Audited operations, oldest first (the latest `limit`); `operation` "
        "matches exactly or as a prefix ending in `*` (`Mutation.*`).",
    )
    partners: list[Partner] = strawberry.field(
        resolver=access.partner_list, description="Partners, with how many customers each sees."
    )
    partner_assignments: list[PartnerAssignment] = strawberry.field(
        resolver=access.partner_assignments,
        description="Assignments of customers to partners, ended ones too, oldest first.",
    )

    @strawberry.field(description="Any object by its global id; NOT_FOUND when there is none.")
    async def node(self, info: Info, id: strawberry.ID) -> Node:
        found = await _resolve_node(info, id)
        if found is None:
            raise NotFound(f"no object has the id {id!r}", id=id)
        return found

    @strawberry.field(description="Objects by global id, in order; null where there is none.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > info.context.settings.max_page_size:
            raise BadUserInput(
                f"at most {info.context.settings.max_page_size} ids at once", argument="ids"
            )
        return list(await asyncio.gather(*(_resolve_node(info, i) for i in ids)))

    @strawberry.field(
        description="A golden customer by global or numeric id. An id absorbed by a merge "
        "gives the customer it was merged into."
    )
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        return await _customer_record(info, id)

    @strawberry.field(description="The golden customer a source record belongs to.")
    async def customer_by_source(self, info: Info, system: str, key: str) -> Customer | None:
        golden_id = await info.context.loaders.golden_of_party.load((system, key))
        record = None if golden_id is None else await info.context.loaders.customer.load(golden_id)
        if record is None:  # the same answer for unlinked and out-of-scope records
            raise NotFound(f"no linked source record {system}:{key}", system=system, key=key)
        return Customer.from_record(record)

    @strawberry.field(
        description="The golden customer holding an identity; give exactly one argument. "
        "Input is normalised as ingest does (`+86 139-1234-5678` finds `+8613912345678`). "
        "CONFLICT when two customers share it (a family phone, say)."
    )
    async def customer_by_identity(
        self,
        info: Info,
        phone: str | None = None,
        email: str | None = None,
        unionid: str | None = None,
        resident_id: str | None = None,
        credit_code: str | None = None,
    ) -> Customer | None:
        kind, value = identity_key(
            phone=phone,
            email=email,
            unionid=unionid,
            resident_id=resident_id,
            credit_code=credit_code,
        )
        scope = info.context.scope
        found = await info.context.db.run(
            lambda s: customer_queries.golden_ids_by_identity(s, kind, value, scope)
        )
        records = await info.context.loaders.customer.load_many(found)
        ids = sorted({r.id for r in records if r is not None})
        if not ids:
            return None
        if len(ids) > 1:
            raise Conflict(
                f"{len(ids)} customers hold this {kind}",
                candidates=[str(i) for i in ids],
            )
        record = next(r for r in records if r is not None)
        return Customer.from_record(record)

    @strawberry.field(
        description="Customers by name (hanzi, traditional or latin), pinyin (spaced or "
        "not) or phone fragment (4+ digits), best first: exact name, exact pinyin, "
        "prefix, contained."
    )
    async def search_customers(
        self,
        info: Info,
        text: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Customer]:
        terms = search_terms(text)
        ordering = search_queries.ORDERING_NAME
        request = paging(info, ordering, first, after, last, before)
        scope = info.context.scope
        page = await info.context.db.run(
            lambda s: search_queries.search_customers(s, terms, request, scope)
        )
        count = _counter(info, lambda s: search_queries.count_matches(s, terms, scope))
        return connection(page, ordering, Customer.from_record, count)

    @strawberry.field(description="Active golden customers.")
    async def customers(
        self,
        info: Info,
        filter: CustomerFilter | None = None,
        order_by: CustomerOrderBy = CustomerOrderBy.CREATED_AT,
        direction: SortDirection = SortDirection.ASC,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Customer]:
        f = filter or CustomerFilter()
        criteria = CustomerCriteria(
            kind=None if f.kind is None else f.kind.value,
            province=f.province,
            tier=f.tier,
            channel=f.channel,
            has_open_tickets=f.has_open_tickets,
        )
        ordering = customer_queries.customer_ordering(
            CustomerSort(order_by.value), direction is SortDirection.DESC
        )
        request = paging(info, ordering.name, first, after, last, before)
        scope = info.context.scope
        page = await info.context.db.run(
            lambda s: customer_queries.page_customers(s, criteria, ordering, request, scope)
        )
        count = _counter(info, lambda s: customer_queries.count_customers(s, criteria, scope))
        return connection(page, ordering.name, Customer.from_record, count)

    @strawberry.field(description="Orders from every channel, newest first.")
    async def orders(
        self,
        info: Info,
        filter: OrderFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Order]:
        f = filter or OrderFilter()
        criteria = OrderCriteria(
            status=f.status,
            channel=f.channel,
            batch_no=f.batch_no,
            ordered_from=f.ordered_from,
            ordered_to=f.ordered_to,
        )
        window = (first, after, last, before)
        return await _fact_connection(
            info, order_queries.LISTING, order_queries.ORDERING_NAME, criteria, f.customer_id,
            window, Order.from_row,
        )  # fmt: skip

    @strawberry.field(description="Tickets, newest opened first.")
    async def tickets(
        self,
        info: Info,
        filter: TicketFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Ticket]:
        f = filter or TicketFilter()
        criteria = TicketCriteria(
            status=f.status,
            open_only=f.open_only,
            category=f.category,
            batch_no=f.batch_no,
            channel=f.channel,
            opened_from=f.opened_from,
            opened_to=f.opened_to,
        )
        window = (first, after, last, before)
        return await _fact_connection(
            info, ticket_queries.LISTING, ticket_queries.ORDERING_NAME, criteria, f.customer_id,
            window, Ticket.from_row,
        )  # fmt: skip

    @strawberry.field(description="Possible matches for review, oldest first.")
    async def match_candidates(
        self,
        info: Info,
        status: CandidateStatus | None = CandidateStatus.OPEN,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[MatchCandidate]:
        wanted = None if status is None else status.value
        ordering = steward_queries.CANDIDATES.name
        request = paging(info, ordering, first, after, last, before)
        page = await info.context.db.run(
            lambda s: steward_queries.page_candidates(s, wanted, request)
        )
        count = _counter(info, lambda s: steward_queries.count_candidates(s, wanted))
        return connection(page, ordering, MatchCandidate.from_row, count)

    @strawberry.field(description="Rejected input, newest first.")
    async def quarantine(
        self,
        info: Info,
        source: str | None = None,
        status: QuarantineStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[QuarantinedRecord]:
        wanted = None if status is None else status.value
        ordering = steward_queries.QUARANTINE.name
        request = paging(info, ordering, first, after, last, before)
        page = await info.context.db.run(
            lambda s: steward_queries.page_quarantine(s, source, wanted, request)
        )
        count = _counter(info, lambda s: steward_queries.count_quarantine(s, source, wanted))
        return connection(page, ordering, QuarantinedRecord.from_row, count)

    @strawberry.field(
        description="Merge, split and review events, newest first; with `customerId`, those "
        "of that customer and of the customers merged into it."
    )
    async def merge_events(
        self,
        info: Info,
        customer_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[MergeEvent]:
        customers = None
        if customer_id is not None:
            customers = [(await _customer_record(info, customer_id)).golden_id]
        ordering = steward_queries.EVENTS.name
        request = paging(info, ordering, first, after, last, before)
        page = await info.context.db.run(
            lambda s: steward_queries.page_merge_events(s, customers, request)
        )
        count = _counter(info, lambda s: steward_queries.count_merge_events(s, customers))
        return connection(page, ordering, MergeEvent.from_row, count)

    @strawberry.field(
        description="Facts grouped by dimensions. Each fact counts for the golden customer "
        "its source record links to, so DISTINCT_CUSTOMERS counts a customer seen in several "
        "channels once. `customersIn` says which facts DISTINCT_CUSTOMERS counts customers "
        "in (default: those of the other measures, else all active customers)."
    )
    async def aggregate(
        self,
        info: Info,
        dimensions: list[Dimension],
        measures: list[Measure],
        filter: AggregateFilter | None = None,
        customers_in: list[Fact] | None = None,
        limit: int = 1000,
    ) -> list[AggregateRow]:
        return await aggregate(info, dimensions, measures, filter, customers_in, limit)


# Parsed and validated documents are kept per query text; bounded, since clients choose it.
DOCUMENT_CACHE_SIZE = 512


class HubSchema(strawberry.Schema):
    """The schema, logging only errors that are the hub's fault.

    Typed client errors (BAD_USER_INPUT, NOT_FOUND, CONFLICT, ...) are answers,
    not incidents: they go to the client and the operation metrics, not the log.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        unexpected = [
            e
            for e in errors
            if not isinstance(e, SecurityError)
            and not isinstance(e.original_error, HubError | SecurityError)
        ]
        super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings) -> strawberry.Schema:
    """The hub's schema, guarded by the security extensions ``settings`` call for."""
    return HubSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[SourceRecord, LedgerEntry, MatchCandidate, QuarantinedRecord, MergeEvent],
        extensions=[
            RequestLifecycle,
            lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
            validation_cache(DOCUMENT_CACHE_SIZE),
            *security_extensions(settings),
            cached_answers(),  # last: only what the guards let through reaches the cache
        ],
        config=StrawberryConfig(disable_field_suggestions=settings.is_prod),
        execution_context_class=HubExecutionContext,
    )
