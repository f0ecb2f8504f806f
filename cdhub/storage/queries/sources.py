"""Source records and their cross-references, attribute lineage, relationships."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cdhub.storage.models import AttributeLineage, Relationship, SourceRecord, Xref
from cdhub.storage.queries.keyset import (
    ROOTS,
    STATEMENT_CACHE_SIZE,
    AnyRow,
    AnySelect,
    Expr,
    Ordering,
    Page,
    PageRequest,
    count_per_parent_query,
    per_parent_query,
    read_counts_per_parent,
    read_per_parent,
    roots_param,
)
from cdhub.storage.queries.ownership import Roots, family

ORDERING_NAME = "sources.id"

_COLUMNS: tuple[Expr, ...] = (
    SourceRecord.id,
    SourceRecord.source_system,
    SourceRecord.source_key,
    SourceRecord.party_kind,
    SourceRecord.version,
    SourceRecord.received_at,
    SourceRecord.observed_at,
    SourceRecord.updated_at,
    SourceRecord.erased,
    Xref.golden_id,
    Xref.link_method,
    Xref.match_weight,
    Xref.linked_by,
    Xref.linked_at,
    Xref.model_version,
)


@dataclass(frozen=True, slots=True)
class SourceRecordRow:
    """A source record with its cross-reference (None while it is not linked)."""

    id: int
    source_system: str
    source_key: str
    party_kind: str
    version: int
    received_at: datetime
    observed_at: datetime | None
    updated_at: datetime
    erased: bool
    golden_id: int | None
    link_method: str | None
    match_weight: float | None
    linked_by: str | None
    linked_at: datetime | None
    model_version: str | None

    @classmethod
    def from_row(cls, row: AnyRow) -> SourceRecordRow:
        m = row._mapping
        golden_id = m["golden_id"]
        return cls(
            id=int(m["id"]),
            source_system=m["source_system"],
            source_key=m["source_key"],
            party_kind=m["party_kind"],
            version=int(m["version"]),
            received_at=m["received_at"],
            observed_at=m["observed_at"],
            updated_at=m["updated_at"],
            erased=bool(m["erased"]),
            golden_id=None if golden_id is None else int(golden_id),
            link_method=m["link_method"],
            match_weight=m["match_weight"],
            linked_by=m["linked_by"],
            linked_at=m["linked_at"],
            model_version=m["model_version"],
        )


@dataclass(frozen=True, slots=True)
class LineageRow:
    golden_id: int
    attribute: str
    value: str | None
    source_record_ids: tuple[int, ...]
    rule: str
    is_primary: bool
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class RelationshipRow:
    id: int
    kind: str
    person_record_id: int
    person_golden_id: int | None
    organisation_system: str
    organisation_key: str
    organisation_golden_id: int | None


def _records() -> AnySelect:
    return select(*_COLUMNS).outerjoin(Xref, Xref.source_record_id == SourceRecord.id)


async def records_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, SourceRecordRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(_records().where(SourceRecord.id.in_(wanted)))
    return {int(row.id): SourceRecordRow.from_row(row) for row in rows.all()}


async def records_by_keys(
    session: AsyncSession, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], SourceRecordRow]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = await session.execute(
        _records().where(tuple_(SourceRecord.source_system, SourceRecord.source_key).in_(wanted))
    )
    return {(row.source_system, row.source_key): SourceRecordRow.from_row(row) for row in rows}


def _of_customers(roots: Roots) -> AnySelect:
    members = family(roots)
    return (
        select(*_COLUMNS, members.c.root_id)
        .join(Xref, Xref.source_record_id == SourceRecord.id)
        .join(members, members.c.golden_id == Xref.golden_id)
    )


@functools.lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _page_per_customer(page: PageRequest) -> AnySelect:
    stmt = _of_customers(roots_param())
    ordering = Ordering(name=ORDERING_NAME, id_column=SourceRecord.id)
    return per_parent_query(stmt, stmt.selected_columns["root_id"], ordering, page)


@functools.cache
def _count_per_customer() -> AnySelect:
    stmt = _of_customers(roots_param())
    return count_per_parent_query(stmt, stmt.selected_columns["root_id"])


async def sources_per_customer(
    session: AsyncSession, roots: Sequence[int], page: PageRequest
) -> dict[int, Page[SourceRecordRow]]:
    """A page of each customer's source records, in record id order, in one statement."""
    return await read_per_parent(
        session,
        _page_per_customer(page),
        roots,
        page,
        SourceRecordRow.from_row,
        {ROOTS: list(roots)},
    )


async def count_sources_per_customer(session: AsyncSession, roots: Sequence[int]) -> dict[int, int]:
    return await read_counts_per_parent(session, _count_per_customer(), roots, {ROOTS: list(roots)})


async def lineage_of(
    session: AsyncSession, golden_ids: Iterable[int]
) -> dict[int, list[LineageRow]]:
    """Stored lineage of each golden customer, in decision order."""
    wanted = sorted(set(golden_ids))
    found: dict[int, list[LineageRow]] = {gid: [] for gid in wanted}
    if not wanted:
        return found
    a = AttributeLineage
    rows = await session.execute(
        select(a.golden_id, a.attribute, a.value, a.source_record_ids, a.rule, a.is_primary)
        .add_columns(a.decided_at)
        .where(a.golden_id.in_(wanted))
        .order_by(a.golden_id, a.id)
    )
    for gid, attribute, value, sources, rule, primary, decided in rows.all():
        found[int(gid)].append(
            LineageRow(
                int(gid),
                attribute,
                value,
                tuple(int(s) for s in sources or ()),
                rule,
                bool(primary),
                decided,
            )
        )
    return found


async def relationships_of(
    session: AsyncSession, golden_ids: Iterable[int]
) -> dict[int, list[RelationshipRow]]:
    """Relationships in which each customer is the person or the organisation."""
    wanted = sorted(set(golden_ids))
    found: dict[int, list[RelationshipRow]] = {gid: [] for gid in wanted}
    if not wanted:
        return found
    rel = Relationship
    person_xref = aliased(Xref)
    org_record = aliased(SourceRecord)
    org_xref = aliased(Xref)
    records_of_wanted = select(Xref.source_record_id).where(Xref.golden_id.in_(wanted))
    keys_of_wanted = (
        select(SourceRecord.source_system, SourceRecord.source_key)
        .join(Xref, Xref.source_record_id == SourceRecord.id)
        .where(Xref.golden_id.in_(wanted))
    )
    rows = await session.execute(
        select(
            rel.id,
            rel.kind,
            rel.person_record_id,
            person_xref.golden_id,
            rel.organisation_system,
            rel.organisation_key,
            org_xref.golden_id,
        )
        .outerjoin(person_xref, person_xref.source_record_id == rel.person_record_id)
        .outerjoin(
            org_record,
            (org_record.source_system == rel.organisation_system)
            & (org_record.source_key == rel.organisation_key),
        )
        .outerjoin(org_xref, org_xref.source_record_id == org_record.id)
        .where(
            or_(
                rel.person_record_id.in_(records_of_wanted),
                tuple_(rel.organisation_system, rel.organisation_key).in_(keys_of_wanted),
            )
        )
        .order_by(rel.id)
    )
    for rid, kind, person_record, person_gid, org_system, org_key, org_gid in rows.all():
        row = RelationshipRow(
            int(rid),
            kind,
            int(person_record),
            None if person_gid is None else int(person_gid),
            org_system,
            org_key,
            None if org_gid is None else int(org_gid),
        )
        for gid in {row.person_golden_id, row.organisation_golden_id}:
            if gid is not None and gid in found:
                found[gid].append(row)
    return found
