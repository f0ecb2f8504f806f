"""Partners (dealers, distributors) and the customers assigned to them.

An assignment runs from ``starts_at`` until ``ends_at`` (open when NULL) and
is never deleted: ending one closes it, so the history of who could see a
customer when is kept. Assignments come from three places, recorded in
``source``: one by one (``manual``), from a CSV file (``bulk``) and from a
rule over source records (``rule``): every record of a source system whose
raw field equals a value, e.g. ERP customers of sales office ``VKBUR=1010``.
Assigning what is already assigned and in force changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.security.scoping import active_assignment, utc
from cdhub.storage.models import GoldenCustomer, Partner, PartnerAssignment, SourceRecord, Xref

PARTNER_KINDS = ("dealer", "distributor")
SOURCES = ("manual", "bulk", "rule")
CHINA = timezone(timedelta(hours=8))  # naive times in files are Beijing time


class PartnerError(ValueError):
    """A partner or assignment request that cannot be carried out (the message says why)."""


@dataclass(frozen=True, slots=True)
class PartnerInfo:
    id: int
    code: str
    name: str
    kind: str
    created_at: datetime
    assigned: int  # customers assigned now


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    id: int
    partner_code: str
    golden_id: int
    starts_at: datetime
    ends_at: datetime | None
    source: str
    rule: str | None
    assigned_by: str


@dataclass
class AssignResult:
    created: int = 0
    unchanged: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (where, why)
    golden_ids: set[int] = field(default_factory=set)


def parse_time(value: str | None) -> datetime | None:
    """An ISO date or timestamp in UTC; naive ones are Beijing time."""
    if value is None or not value.strip():
        return None
    parsed = datetime.fromisoformat(value.strip())
    return utc(parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CHINA))


async def create_partner(
    session: AsyncSession, code: str, name: str, kind: str, now: datetime
) -> int:
    if kind not in PARTNER_KINDS:
        raise PartnerError(f"kind must be one of {', '.join(PARTNER_KINDS)} (got {kind!r})")
    if not code.strip() or len(code) > 40:
        raise PartnerError("a partner code is 1 to 40 characters")
    if await session.scalar(select(Partner.id).where(Partner.code == code)) is not None:
        raise PartnerError(f"a partner with the code {code!r} exists already")
    partner = Partner(code=code, name=name, kind=kind, created_at=now)
    session.add(partner)
    await session.flush()
    return partner.id


async def partner_id(session: AsyncSession, code: str) -> int:
    found = await session.scalar(select(Partner.id).where(Partner.code == code))
    if found is None:
        raise PartnerError(f"no partner has the code {code!r}")
    return int(found)


async def list_partners(session: AsyncSession, now: datetime) -> list[PartnerInfo]:
    counts = (
        select(PartnerAssignment.partner_id, func.count().label("n"))
        .where(active_assignment(now))
        .group_by(PartnerAssignment.partner_id)
        .subquery()
    )
    rows = await session.execute(
        select(Partner, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.partner_id == Partner.id)
        .order_by(Partner.code)
    )
    return [PartnerInfo(p.id, p.code, p.name, p.kind, p.created_at, int(n)) for p, n in rows.all()]


async def _survivors(session: AsyncSession, golden_ids: Iterable[int]) -> dict[int, int]:
    """Each known, not erased golden id -> the customer it is now (merges followed)."""
    ids = sorted(set(golden_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(GoldenCustomer.id, GoldenCustomer.merged_into_id, GoldenCustomer.status).where(
            GoldenCustomer.id.in_(ids)
        )
    )
    return {int(gid): int(into or gid) for gid, into, status in rows.all() if status != "erased"}


async def assign(
    session: AsyncSession,
    partner_code: str,
    golden_ids: Sequence[int],
    *,
    assigned_by: str,
    now: datetime,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    source: str = "manual",
    rule: str | None = None,
) -> AssignResult:
    """Assign customers to a partner (flushes). Absorbed ids assign their survivor."""
    if source not in SOURCES:
        raise PartnerError(f"source must be one of {', '.join(SOURCES)}")
    start = utc(starts_at or now)
    ends_at = utc(ends_at) if ends_at is not None else None
    if ends_at is not None and ends_at <= start:
        raise PartnerError("an assignment must end after it starts")
    pid = await partner_id(session, partner_code)
    result = AssignResult()
    survivors = await _survivors(session, golden_ids)
    for gid in golden_ids:
        if gid not in survivors:
            result.rejected.append((str(gid), "no such customer (or erased)"))
    wanted = sorted(set(survivors.values()))
    existing = set()
    if wanted:
        rows = await session.execute(
            select(PartnerAssignment.golden_id).where(
                PartnerAssignment.partner_id == pid,
                PartnerAssignment.golden_id.in_(wanted),
                active_assignment(start),
            )
        )
        existing = {int(g) for g in rows.scalars()}
    for gid in wanted:
        result.golden_ids.add(gid)
        if gid in existing:
            result.unchanged += 1
            continue
        session.add(
            PartnerAssignment(
                partner_id=pid,
                golden_id=gid,
                starts_at=start,
                ends_at=ends_at,
                source=source,
                rule=rule,
                assigned_by=assigned_by,
                created_at=now,
            )
        )
        result.created += 1
    await session.flush()
    return result


async def end_assignment(
    session: AsyncSession, partner_code: str, golden_id: int, *, ends_at: datetime
) -> int:
    """Close the open assignments of a customer (or one merged into it) to a partner."""
    pid = await partner_id(session, partner_code)
    survivor = (await _survivors(session, [golden_id])).get(golden_id, golden_id)
    result = await session.execute(
        update(PartnerAssignment)
        .where(
            PartnerAssignment.partner_id == pid,
            PartnerAssignment.golden_id.in_({golden_id, survivor}),
            active_assignment(ends_at),
        )
        .values(ends_at=utc(ends_at))
        .returning(PartnerAssignment.id)
    )
    return len(result.all())


async def history(
    session: AsyncSession, *, golden_id: int | None = None, partner_code: str | None = None
) -> list[AssignmentRow]:
    """Every assignment (ended ones too), oldest first."""
    stmt = (
        select(PartnerAssignment, Partner.code)
        .join(Partner, Partner.id == PartnerAssignment.partner_id)
        .order_by(PartnerAssignment.starts_at, PartnerAssignment.id)
    )
    if golden_id is not None:
        stmt = stmt.where(PartnerAssignment.golden_id == golden_id)
    if partner_code is not None:
        stmt = stmt.where(Partner.code == partner_code)
    return [
        AssignmentRow(
            a.id, code, a.golden_id, a.starts_at, a.ends_at, a.source, a.rule, a.assigned_by
        )
        for a, code in (await session.execute(stmt)).all()
    ]


async def _golden_of_source(session: AsyncSession, system: str, key: str) -> int | None:
    found = await session.scalar(
        select(Xref.golden_id)
        .join(SourceRecord, SourceRecord.id == Xref.source_record_id)
        .where(SourceRecord.source_system == system, SourceRecord.source_key == key)
    )
    return None if found is None else int(found)


async def assign_from_csv(
    session: AsyncSession, text: str, *, assigned_by: str, now: datetime
) -> AssignResult:
    """Assign from CSV text with a header: ``partner`` and either ``customer_id`` or
    ``source_system`` + ``source_key``; optional ``starts_at``, ``ends_at``. Bad lines
    are reported in ``rejected`` and do not stop the others."""
    total = AssignResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = set(reader.fieldnames or ())
    if "partner" not in columns or not (
        "customer_id" in columns or {"source_system", "source_key"} <= columns
    ):
        raise PartnerError("the CSV needs partner and customer_id (or source_system, source_key)")
    for line_no, row in enumerate(reader, start=2):
        where = f"line {line_no}"
        try:
            gid = await _row_golden(session, row)
            if gid is None:
                total.rejected.append((where, "the customer is not in the hub"))
                continue
            one = await assign(
                session,
                (row.get("partner") or "").strip(),
                [gid],
                assigned_by=assigned_by,
                now=now,
                starts_at=parse_time(row.get("starts_at")),
                ends_at=parse_time(row.get("ends_at")),
                source="bulk",
            )
        except (PartnerError, ValueError) as exc:
            total.rejected.append((where, str(exc)))
            continue
        total.created += one.created
        total.unchanged += one.unchanged
        total.golden_ids |= one.golden_ids
        total.rejected += [(where, why) for _, why in one.rejected]
    return total


async def _row_golden(session: AsyncSession, row: dict[str, Any]) -> int | None:
    customer = (row.get("customer_id") or "").strip()
    if customer:
        return int(customer)
    system, key = (row.get("source_system") or "").strip(), (row.get("source_key") or "").strip()
    return await _golden_of_source(session, system, key) if system and key else None


def parse_rule(rule: str) -> tuple[str, str, str]:
    """``"erp.VKBUR=1010"`` -> ``("erp", "VKBUR", "1010")``."""
    target, eq, value = rule.partition("=")
    system, dot, column = target.partition(".")
    if not (eq and dot and system.strip() and column.strip()):
        raise PartnerError("a rule reads SYSTEM.FIELD=VALUE, e.g. erp.VKBUR=1010")
    return system.strip(), column.strip(), value.strip()


async def assign_by_rule(
    session: AsyncSession,
    partner_code: str,
    rule: str,
    *,
    assigned_by: str,
    now: datetime,
    starts_at: datetime | None = None,
) -> AssignResult:
    """Assign every customer with a (not erased) record of ``SYSTEM`` whose raw
    ``FIELD`` equals ``VALUE``; run it again after new records arrive."""
    system, column, value = parse_rule(rule)
    rows = await session.execute(
        select(Xref.golden_id)
        .join(SourceRecord, SourceRecord.id == Xref.source_record_id)
        .where(
            SourceRecord.source_system == system,
            SourceRecord.erased.is_(False),
            SourceRecord.raw[column].as_string() == value,
        )
        .distinct()
    )
    golden_ids = sorted(int(g) for g in rows.scalars())
    return await assign(
        session,
        partner_code,
        golden_ids,
        assigned_by=assigned_by,
        now=now,
        starts_at=starts_at,
        source="rule",
        rule=f"{system}.{column}={value}"[:200],
    )
