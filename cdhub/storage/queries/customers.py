"""Golden customers: by id (following merges), by source record, by identity, in lists."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cdhub.storage.models import GoldenCustomer, GoldenIdentity, SourceRecord, Ticket, Xref
from cdhub.storage.queries.keyset import (
    AnyRow,
    AnySelect,
    Expr,
    Ordering,
    Page,
    PageRequest,
    Scope,
    count,
    paginate,
    read_rows,
)
from cdhub.storage.queries.tickets import is_open

ACTIVE = "active"
_MAX_REDIRECTS = 16

_COLUMNS = (
    GoldenCustomer.id,
    GoldenCustomer.kind,
    GoldenCustomer.status,
    GoldenCustomer.display_name,
    GoldenCustomer.name_pinyin,
    GoldenCustomer.primary_phone,
    GoldenCustomer.primary_email,
    GoldenCustomer.province,
    GoldenCustomer.city,
    GoldenCustomer.tier,
    GoldenCustomer.view,
    GoldenCustomer.source_count,
    GoldenCustomer.channel_count,
    GoldenCustomer.version,
    GoldenCustomer.created_at,
    GoldenCustomer.updated_at,
)


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A golden customer's columns and its assembled view (``GoldenView.to_dict()``)."""

    id: int
    kind: str
    status: str
    display_name: str | None
    name_pinyin: str | None
    primary_phone: str | None
    primary_email: str | None
    province: str | None
    city: str | None
    tier: str | None
    view: dict[str, Any]
    source_count: int
    channel_count: int
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: AnyRow) -> CustomerRecord:
        m = row._mapping
        return cls(
            id=int(m["id"]),
            kind=m["kind"],
            status=m["status"],
            display_name=m["display_name"],
            name_pinyin=m["name_pinyin"],
            primary_phone=m["primary_phone"],
            primary_email=m["primary_email"],
            province=m["province"],
            city=m["city"],
            tier=m["tier"],
            view=dict(m["view"] or {}),
            source_count=int(m["source_count"] or 0),
            channel_count=int(m["channel_count"] or 0),
            version=int(m["version"] or 1),
            created_at=m["created_at"],
            updated_at=m["updated_at"],
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for a cache of assembled views."""
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        d["updated_at"] = self.updated_at.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CustomerRecord:
        return cls(
            **{
                **d,
                "created_at": datetime.fromisoformat(d["created_at"]),
                "updated_at": datetime.fromisoformat(d["updated_at"]),
            }
        )


@functools.cache
def _by_ids() -> AnySelect:
    golden = GoldenCustomer
    step = aliased(GoldenCustomer)
    chain = (
        select(golden.id.label("start_id"), golden.id.label("at_id"), literal(0).label("hops"))
        .where(golden.id.in_(bindparam("ids", expanding=True)))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(chain.c.start_id, step.merged_into_id, chain.c.hops + 1)
        .join(step, step.id == chain.c.at_id)
        .where(step.merged_into_id.is_not(None), chain.c.hops < _MAX_REDIRECTS)
    )
    return (
        select(chain.c.start_id, *_COLUMNS)
        .join(golden, golden.id == chain.c.at_id)
        .where(golden.merged_into_id.is_(None), golden.status == ACTIVE)
    )


async def customers_by_ids(
    session: AsyncSession, ids: Iterable[int], scope: Scope | None = None
) -> dict[int, CustomerRecord]:
    """Active customers by id; an absorbed id gives the customer it was merged into.

    The chain of ``merged_into_id`` is followed in SQL (recursive CTE), so any
    number of ids costs one statement. Erased and emptied customers are absent,
    and so are customers ``scope`` does not let the caller see.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = _by_ids() if scope is None else _by_ids().where(scope(GoldenCustomer.id))
    rows = await read_rows(session, stmt, {"ids": wanted})
    return {int(row._mapping["start_id"]): CustomerRecord.from_row(row) for row in rows}


async def golden_ids_by_identity(
    session: AsyncSession, kind: str, value: str, scope: Scope | None = None
) -> list[int]:
    """Golden ids holding the identity ``(kind, value)`` that ``scope`` lets the caller
    see, ascending (so a CONFLICT never counts customers the caller may not see)."""
    stmt = select(GoldenIdentity.golden_id).where(
        GoldenIdentity.kind == kind, GoldenIdentity.value == value
    )
    if scope is not None:
        stmt = stmt.where(scope(GoldenIdentity.golden_id))
    rows = await session.execute(stmt.distinct().order_by(GoldenIdentity.golden_id))
    return [int(gid) for gid in rows.scalars()]


async def merged_into(session: AsyncSession, ids: Iterable[int]) -> dict[int, list[int]]:
    """The ids absorbed into each customer (``merged_into_id`` = it), ascending."""
    wanted = sorted(set(ids))
    found: dict[int, list[int]] = {gid: [] for gid in wanted}
    if not wanted:
        return found
    rows = await session.execute(
        select(GoldenCustomer.merged_into_id, GoldenCustomer.id)
        .where(GoldenCustomer.merged_into_id.in_(wanted))
        .order_by(GoldenCustomer.id)
    )
    for survivor, absorbed in rows.all():
        assert survivor is not None  # by the WHERE clause
        found[int(survivor)].append(int(absorbed))
    return found


class CustomerSort(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class CustomerCriteria:
    kind: str | None = None
    province: str | None = None
    tier: str | None = None
    channel: str | None = None
    has_open_tickets: bool | None = None


def customer_ordering(sort: CustomerSort, descending: bool) -> Ordering:
    """Names sort by pinyin: hanzi code points say nothing about order to a reader."""
    column: Expr = {
        CustomerSort.CREATED_AT: GoldenCustomer.created_at,
        CustomerSort.UPDATED_AT: GoldenCustomer.updated_at,
        CustomerSort.NAME: GoldenCustomer.name_pinyin,
    }[sort]
    return Ordering(
        name=f"customers.{sort.value}.{'desc' if descending else 'asc'}",
        id_column=GoldenCustomer.id,
        column=column,
        descending=descending,
        nullable=sort is CustomerSort.NAME,
    )


def _has_open_ticket() -> ColumnElement[bool]:
    golden = GoldenCustomer
    linked = (
        select(SourceRecord.id)
        .join(Xref, Xref.source_record_id == SourceRecord.id)
        .where(
            Xref.golden_id == golden.id,
            SourceRecord.source_system == Ticket.party_system,
            SourceRecord.source_key == Ticket.party_key,
        )
        .correlate(golden, Ticket)  # two levels up: auto-correlation sees only one
    )
    owned = or_(Ticket.golden_id == golden.id, and_(Ticket.golden_id.is_(None), exists(linked)))
    return exists(select(Ticket.id).where(is_open(Ticket.status), owned))


def _listed(criteria: CustomerCriteria, scope: Scope | None) -> AnySelect:
    golden = GoldenCustomer
    stmt = select(*_COLUMNS).where(golden.status == ACTIVE)
    if scope is not None:
        stmt = stmt.where(scope(golden.id))
    if criteria.kind is not None:
        stmt = stmt.where(golden.kind == criteria.kind)
    if criteria.province is not None:
        stmt = stmt.where(golden.province == criteria.province)
    if criteria.tier is not None:
        stmt = stmt.where(golden.tier == criteria.tier)
    if criteria.channel is not None:
        stmt = stmt.where(
            exists(
                select(Xref.source_record_id)
                .join(SourceRecord, SourceRecord.id == Xref.source_record_id)
                .where(Xref.golden_id == golden.id, SourceRecord.source_system == criteria.channel)
            )
        )
    if criteria.has_open_tickets is not None:
        open_ticket = _has_open_ticket()
        stmt = stmt.where(open_ticket if criteria.has_open_tickets else ~open_ticket)
    return stmt


async def page_customers(
    session: AsyncSession,
    criteria: CustomerCriteria,
    ordering: Ordering,
    page: PageRequest,
    scope: Scope | None = None,
) -> Page[CustomerRecord]:
    stmt = _listed(criteria, scope)
    return await paginate(session, stmt, ordering, page, CustomerRecord.from_row)


async def count_customers(
    session: AsyncSession, criteria: CustomerCriteria, scope: Scope | None = None
) -> int:
    return await count(session, _listed(criteria, scope).with_only_columns(GoldenCustomer.id))


def columns() -> Sequence[Expr]:
    """The columns `CustomerRecord.from_row` reads, for other read modules."""
    return _COLUMNS
