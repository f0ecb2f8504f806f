"""The golden customer: its surviving attributes, where each came from, and its facts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry

from cdhub.storage.queries import orders as order_queries
from cdhub.storage.queries import sources as source_queries
from cdhub.storage.queries import tickets as ticket_queries
from cdhub.storage.queries.customers import CustomerRecord
from cdhub.storage.queries.orders import OrderCriteria
from cdhub.storage.queries.sources import RelationshipRow
from cdhub.storage.queries.tickets import TicketCriteria
from mdm.normalize.pinyin import pinyin_of
from resolvers.context import Info
from resolvers.pagination import global_id
from schema.connection import Connection, connection
from schema.loyalty import LoyaltyAccount
from schema.node import Node, aware_now
from schema.orders import Order
from schema.paging import paging
from schema.sources import SourceRecord, source_records
from schema.tickets import Ticket


@strawberry.enum(description="A natural person or an organisation (company, shop, agency).")
class CustomerKind(Enum):
    PERSON = "person"
    ORGANISATION = "organisation"


@strawberry.enum
class Gender(Enum):
    FEMALE = "F"
    MALE = "M"


@strawberry.type(description="A phone number or e-mail address of the customer.")
class ContactValue:
    value: str = strawberry.field(description="E.164 phone number or normalised e-mail.")
    is_primary: bool
    kind: str | None = strawberry.field(description="For phones: mobile, landline or unknown.")
    rule: str | None = strawberry.field(description="Why the primary value won.")
    source_ids: strawberry.Private[tuple[int, ...]]

    @strawberry.field(description="The source records that carry this value.")
    async def sources(self, info: Info) -> list[SourceRecord]:
        return await source_records(info, self.source_ids)


@strawberry.type(description="An identifier: resident ID, credit code, unionid, member id, ...")
class IdentifierValue:
    kind: str
    value: str
    is_primary: bool
    valid: bool = strawberry.field(description="False when the checksum failed (kept as evidence).")
    rule: str | None
    source_ids: strawberry.Private[tuple[int, ...]]

    @strawberry.field(description="The source records that carry this value.")
    async def sources(self, info: Info) -> list[SourceRecord]:
        return await source_records(info, self.source_ids)


@strawberry.type(description="A postal address, normalised.")
class AddressValue:
    value: str = strawberry.field(description="The address as one line.")
    is_primary: bool
    province: str | None
    city: str | None
    district: str | None
    detail: str | None
    postcode: str | None
    rule: str | None
    source_ids: strawberry.Private[tuple[int, ...]]

    @strawberry.field(description="The source records that carry this value.")
    async def sources(self, info: Info) -> list[SourceRecord]:
        return await source_records(info, self.source_ids)


@strawberry.type(description="Where one golden value came from and the rule that chose it.")
class LineageEntry:
    attribute: str
    value: str | None
    rule: str
    source_ids: strawberry.Private[tuple[int, ...]]

    @strawberry.field(description="The source records the value came from.")
    async def sources(self, info: Info) -> list[SourceRecord]:
        return await source_records(info, self.source_ids)


@strawberry.type(description="A person as the contact of an organisation.")
class Relationship:
    kind: str
    organisation_system: str
    organisation_key: str
    row: strawberry.Private[RelationshipRow]

    @strawberry.field
    async def person(self, info: Info) -> Customer | None:
        return await _customer(info, self.row.person_golden_id)

    @strawberry.field(description="Null while the organisation's record is not in the hub.")
    async def organisation(self, info: Info) -> Customer | None:
        return await _customer(info, self.row.organisation_golden_id)


async def _customer(info: Info, golden_id: int | None) -> Customer | None:
    if golden_id is None:
        return None
    record = await info.context.loaders.customer.load(golden_id)
    return None if record is None else Customer.from_record(record)


async def customer_of_party(
    info: Info, party_system: str | None, party_key: str | None
) -> Customer | None:
    """The golden customer of a fact's party record, or None while it is not linked."""
    if party_system is None or party_key is None:
        return None
    golden_id = await info.context.loaders.golden_of_party.load((party_system, party_key))
    return await _customer(info, golden_id)


def _ids(value: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in value or ())


def _contacts(values: Any) -> list[ContactValue]:
    return [
        ContactValue(
            value=v["value"],
            is_primary=bool(v.get("is_primary")),
            kind=v.get("kind"),
            rule=v.get("rule"),
            source_ids=_ids(v.get("sources")),
        )
        for v in values or ()
    ]


def _identifiers(values: Any) -> list[IdentifierValue]:
    return [
        IdentifierValue(
            kind=v.get("kind") or "other",
            value=v["value"],
            is_primary=bool(v.get("is_primary")),
            valid=bool(v.get("valid", True)),
            rule=v.get("rule"),
            source_ids=_ids(v.get("sources")),
        )
        for v in values or ()
    ]


def _addresses(values: Any) -> list[AddressValue]:
    found = []
    for v in values or ():
        parts: Mapping[str, Any] = v.get("address") or {}
        found.append(
            AddressValue(
                value=v["value"],
                is_primary=bool(v.get("is_primary")),
                province=parts.get("province"),
                city=parts.get("city"),
                district=parts.get("district"),
                detail=parts.get("detail"),
                postcode=parts.get("postcode"),
                rule=v.get("rule"),
                source_ids=_ids(v.get("sources")),
            )
        )
    return found


def _birth_date(value: Any) -> date | None:
    try:
        return None if not value else date.fromisoformat(str(value))
    except ValueError:
        return None


def _pinyin(record: CustomerRecord) -> str | None:
    person = record.view.get("person_name") or {}
    if person.get("pinyin"):
        return str(person["pinyin"])
    if record.kind == CustomerKind.PERSON.value:
        return record.name_pinyin
    return pinyin_of(record.display_name) or None if record.display_name else None


@strawberry.type(
    description="A golden customer: every source record of one party, matched and merged. "
    "Attributes are the survivors of the survivorship rules; `lineage` says why."
)
class Customer(Node):
    golden_id: int = strawberry.field(description="The hub's numeric id of the customer.")
    kind: CustomerKind
    status: str
    name: str | None
    pinyin: str | None = strawberry.field(description="Toneless pinyin, syllables spaced.")
    gender: Gender | None
    birth_date: date | None
    nickname: str | None
    tier: str | None = strawberry.field(description="Membership level.")
    subscribed: bool | None = strawberry.field(description="Agreed to marketing messages.")
    avatar_url: str | None
    province: str | None
    city: str | None
    primary_phone: str | None
    primary_email: str | None
    source_count: int
    channel_count: int
    version: int = strawberry.field(description="Grows each time the golden view changes.")
    created_at: datetime
    updated_at: datetime
    phones: list[ContactValue]
    emails: list[ContactValue]
    addresses: list[AddressValue]
    identifiers: list[IdentifierValue]
    record: strawberry.Private[CustomerRecord]

    @classmethod
    def from_record(cls, record: CustomerRecord) -> Customer:
        view = record.view
        gender = view.get("gender")
        return cls(
            id=strawberry.ID(global_id("Customer", record.id)),
            golden_id=record.id,
            kind=CustomerKind(record.kind)
            if record.kind in {k.value for k in CustomerKind}
            else CustomerKind.PERSON,
            status=record.status,
            name=record.display_name,
            pinyin=_pinyin(record),
            gender=Gender(gender) if gender in {g.value for g in Gender} else None,
            birth_date=_birth_date(view.get("birth_date")),
            nickname=view.get("nickname"),
            tier=record.tier if record.tier is not None else view.get("member_level"),
            subscribed=view.get("subscribed"),
            avatar_url=view.get("avatar_url"),
            province=record.province,
            city=record.city,
            primary_phone=record.primary_phone,
            primary_email=record.primary_email,
            source_count=record.source_count,
            channel_count=record.channel_count,
            version=record.version,
            created_at=aware_now(record.created_at),
            updated_at=aware_now(record.updated_at),
            phones=_contacts(view.get("phones")),
            emails=_contacts(view.get("emails")),
            addresses=_addresses(view.get("addresses")),
            identifiers=_identifiers(view.get("identifiers")),
            record=record,
        )

    @strawberry.field(description="Where each golden value came from; loaded only when asked.")
    async def lineage(self, info: Info, attribute: str | None = None) -> list[LineageEntry]:
        stored = await info.context.loaders.lineage.load(self.record.id)
        entries = [
            LineageEntry(
                attribute=row.attribute,
                value=row.value,
                rule=row.rule,
                source_ids=row.source_record_ids,
            )
            for row in stored
        ]
        if not stored:  # views written before lineage rows were kept
            entries = [
                LineageEntry(
                    attribute=e["attribute"],
                    value=e.get("value"),
                    rule=e.get("rule", ""),
                    source_ids=_ids(e.get("source_record_ids")),
                )
                for e in self.record.view.get("lineage") or ()
            ]
        return [e for e in entries if attribute is None or e.attribute == attribute]

    @strawberry.field(description="The cross-referenced source records, in record id order.")
    async def sources(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SourceRecord]:
        loaders = info.context.loaders
        ordering = source_queries.ORDERING_NAME
        request = paging(info, ordering, first, after, last, before)
        page = await loaders.customer_sources.load((self.record.id, request))

        async def count_all() -> int:
            return await loaders.customer_source_count.load((self.record.id, None))

        return connection(page, ordering, SourceRecord.from_row, count_all)

    @strawberry.field(description="Organisations this person is a contact of, or its contacts.")
    async def relationships(self, info: Info) -> list[Relationship]:
        rows = await info.context.loaders.relationships.load(self.record.id)
        return [
            Relationship(
                kind=row.kind,
                organisation_system=row.organisation_system,
                organisation_key=row.organisation_key,
                row=row,
            )
            for row in rows
        ]

    @strawberry.field(
        description="Ids of the golden customers merged into this one (they now resolve here)."
    )
    async def merged_from(self, info: Info) -> list[strawberry.ID]:
        absorbed = await info.context.loaders.merged_from.load(self.record.id)
        return [strawberry.ID(global_id("Customer", gid)) for gid in absorbed]

    @strawberry.field(description="Orders from every channel, newest first.")
    async def orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: str | None = None,
        channel: str | None = None,
    ) -> Connection[Order]:
        loaders = info.context.loaders
        ordering = order_queries.ORDERING_NAME
        criteria = OrderCriteria(status=status, channel=channel)
        request = paging(info, ordering, first, after, last, before)
        page = await loaders.customer_orders.load((self.record.id, (criteria, request)))

        async def count_all() -> int:
            return await loaders.customer_order_count.load((self.record.id, criteria))

        return connection(page, ordering, Order.from_row, count_all)

    @strawberry.field(description="Tickets, newest opened first.")
    async def tickets(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        status: str | None = None,
        open_only: bool = False,
        category: str | None = None,
    ) -> Connection[Ticket]:
        loaders = info.context.loaders
        ordering = ticket_queries.ORDERING_NAME
        criteria = TicketCriteria(status=status, open_only=open_only, category=category)
        request = paging(info, ordering, first, after, last, before)
        page = await loaders.customer_tickets.load((self.record.id, (criteria, request)))

        async def count_all() -> int:
            return await loaders.customer_ticket_count.load((self.record.id, criteria))

        return connection(page, ordering, Ticket.from_row, count_all)

    @strawberry.field
    def loyalty(self) -> LoyaltyAccount:
        return LoyaltyAccount(tier=self.tier, customer_id=self.record.id)
