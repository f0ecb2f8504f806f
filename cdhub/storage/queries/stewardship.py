"""What data stewards read: match candidates, quarantined input and merge events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import MatchCandidate, MergeEvent, QuarantinedRecord
from cdhub.storage.queries.keyset import (
    AnyRow,
    AnySelect,
    Ordering,
    Page,
    PageRequest,
    count,
    paginate,
)
from cdhub.storage.queries.ownership import family


@dataclass(frozen=True, slots=True)
class CandidateRow:
    id: int
    source_record_id: int
    golden_id: int
    other_source_record_id: int | None
    match_weight: float
    probability: float
    explanation: dict[str, Any]
    status: str
    model_version: str | None
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class QuarantineRow:
    id: int
    source_system: str
    origin: str
    raw: str
    reason: str
    detail: str | None
    status: str
    received_at: datetime
    replayed_at: datetime | None


@dataclass(frozen=True, slots=True)
class MergeEventRow:
    id: int
    event_type: str
    golden_id: int
    other_golden_id: int | None
    source_record_id: int | None
    actor: str
    reason: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    model_version: str | None
    created_at: datetime


_CANDIDATE = (
    MatchCandidate.id,
    MatchCandidate.source_record_id,
    MatchCandidate.golden_id,
    MatchCandidate.other_source_record_id,
    MatchCandidate.match_weight,
    MatchCandidate.probability,
    MatchCandidate.explanation,
    MatchCandidate.status,
    MatchCandidate.model_version,
    MatchCandidate.created_at,
    MatchCandidate.resolved_by,
    MatchCandidate.resolved_at,
)
_QUARANTINE = (
    QuarantinedRecord.id,
    QuarantinedRecord.source_system,
    QuarantinedRecord.origin,
    QuarantinedRecord.raw,
    QuarantinedRecord.reason,
    QuarantinedRecord.detail,
    QuarantinedRecord.status,
    QuarantinedRecord.received_at,
    QuarantinedRecord.replayed_at,
)
_EVENT = (
    MergeEvent.id,
    MergeEvent.event_type,
    MergeEvent.golden_id,
    MergeEvent.other_golden_id,
    MergeEvent.source_record_id,
    MergeEvent.actor,
    MergeEvent.reason,
    MergeEvent.before,
    MergeEvent.after,
    MergeEvent.model_version,
    MergeEvent.created_at,
)

# Review queues are worked oldest first; audit trails read newest first.
CANDIDATES = Ordering(name="candidates.id", id_column=MatchCandidate.id)
QUARANTINE = Ordering(name="quarantine.id.desc", id_column=QuarantinedRecord.id, descending=True)
EVENTS = Ordering(name="merge_events.id.desc", id_column=MergeEvent.id, descending=True)


def _candidate(row: AnyRow) -> CandidateRow:
    m = dict(row._mapping)
    m["explanation"] = dict(m["explanation"] or {})
    return CandidateRow(**{k: m[k] for k in CandidateRow.__dataclass_fields__})


def _quarantined(row: AnyRow) -> QuarantineRow:
    m = row._mapping
    return QuarantineRow(**{k: m[k] for k in QuarantineRow.__dataclass_fields__})


def _event(row: AnyRow) -> MergeEventRow:
    m = dict(row._mapping)
    m["before"] = dict(m["before"] or {})
    m["after"] = dict(m["after"] or {})
    return MergeEventRow(**{k: m[k] for k in MergeEventRow.__dataclass_fields__})


def _candidates(status: str | None) -> AnySelect:
    stmt = select(*_CANDIDATE)
    return stmt if status is None else stmt.where(MatchCandidate.status == status)


async def page_candidates(
    session: AsyncSession, status: str | None, page: PageRequest
) -> Page[CandidateRow]:
    return await paginate(session, _candidates(status), CANDIDATES, page, _candidate)


async def count_candidates(session: AsyncSession, status: str | None) -> int:
    return await count(session, _candidates(status))


def _quarantine(source: str | None, status: str | None) -> AnySelect:
    where: list[ColumnElement[bool]] = []
    if source is not None:
        where.append(QuarantinedRecord.source_system == source)
    if status is not None:
        where.append(QuarantinedRecord.status == status)
    return select(*_QUARANTINE).where(*where)


async def page_quarantine(
    session: AsyncSession, source: str | None, status: str | None, page: PageRequest
) -> Page[QuarantineRow]:
    return await paginate(session, _quarantine(source, status), QUARANTINE, page, _quarantined)


async def count_quarantine(session: AsyncSession, source: str | None, status: str | None) -> int:
    return await count(session, _quarantine(source, status))


def _events(customers: Sequence[int] | None) -> AnySelect:
    """Events naming one of ``customers`` or a customer merged into one of them."""
    stmt = select(*_EVENT)
    if customers is None:
        return stmt
    members = select(family(customers).c.golden_id)
    return stmt.where(
        or_(MergeEvent.golden_id.in_(members), MergeEvent.other_golden_id.in_(members))
    )


async def page_merge_events(
    session: AsyncSession, customers: Sequence[int] | None, page: PageRequest
) -> Page[MergeEventRow]:
    return await paginate(session, _events(customers), EVENTS, page, _event)


async def count_merge_events(session: AsyncSession, customers: Sequence[int] | None) -> int:
    return await count(session, _events(customers))


async def candidates_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, CandidateRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(*_CANDIDATE).where(MatchCandidate.id.in_(wanted)))
    return {int(row.id): _candidate(row) for row in rows.all()}


async def quarantined_by_ids(session: AsyncSession, ids: Iterable[int]) -> dict[int, QuarantineRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(*_QUARANTINE).where(QuarantinedRecord.id.in_(wanted)))
    return {int(row.id): _quarantined(row) for row in rows.all()}


async def merge_events_by_ids(
    session: AsyncSession, ids: Iterable[int]
) -> dict[int, MergeEventRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(*_EVENT).where(MergeEvent.id.in_(wanted)))
    return {int(row.id): _event(row) for row in rows.all()}
