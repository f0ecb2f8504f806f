"""The audit log: every write, and every read of unmasked personal data.

One row per operation: when, which key (id and name) in which role, the
operation (``Mutation.updateContact``, ``Query.customer``, ``cli:erase``) and
the golden ids of the customers concerned. Personal data itself is never
written here: ``detail`` holds argument names, outcomes and counts only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.security.principal import Principal
from cdhub.security.scoping import utc
from cdhub.storage.models import AuditEntry

MAX_IDS = 1000  # a list page holds at most 100 customers; more is a bulk job


@dataclass(slots=True)
class ReadLog:
    """What one operation read, for its audit row: the golden customers it returned and
    whether any personal value went out unmasked. A cached answer replays its own."""

    customers: set[int] = field(default_factory=set)
    personal: bool = False


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    key_id: int | None
    key_name: str
    role: str
    operation: str
    customer_ids: tuple[int, ...]
    detail: str | None


async def record(
    session: AsyncSession,
    principal: Principal,
    operation: str,
    customer_ids: Iterable[int],
    now: datetime,
    detail: str | None = None,
) -> None:
    """Add one audit row in the caller's unit of work (never commits)."""
    ids = sorted({int(i) for i in customer_ids})
    if len(ids) > MAX_IDS:
        detail = f"{detail or ''} (+{len(ids) - MAX_IDS} more customers)".strip()
        ids = ids[:MAX_IDS]
    await session.execute(
        insert(AuditEntry).values(
            at=utc(now),
            key_id=principal.key_id,
            key_name=principal.name[:120],
            role=principal.role.value,
            operation=operation[:120],
            customer_ids=ids,
            detail=detail,
        )
    )


async def record_read(
    sessions: async_sessionmaker[AsyncSession],
    principal: Principal,
    operation: str,
    customer_ids: Iterable[int],
    now: datetime,
    detail: str | None = None,
) -> None:
    """Write the audit row of a read, with ``sessions`` of the hub's log engine
    (`HubState.log_sessions`).

    On PostgreSQL that is one statement committing by itself without waiting
    for the WAL flush: the row is durable a fraction of a second later (a
    server crash inside that window can lose it, never corrupt anything), and a
    read pays neither a disk flush nor BEGIN and COMMIT round trips. Rows of
    writes are committed with the write, durably.
    """
    async with sessions() as session:
        await record(session, principal, operation, customer_ids, now, detail)
        await session.commit()


async def entries(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    operation: str | None = None,
    customer_id: int | None = None,
    limit: int = 1000,
) -> list[AuditRow]:
    """The latest ``limit`` audit rows, oldest first; ``operation`` matches exactly or as
    a prefix ending in ``*`` (``Mutation.*``)."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= utc(since))
    if operation is not None:
        if operation.endswith("*"):
            stmt = stmt.where(AuditEntry.operation.startswith(operation[:-1], autoescape=True))
        else:
            stmt = stmt.where(AuditEntry.operation == operation)
    if customer_id is None:
        stmt = stmt.limit(limit)
    rows = list((await session.execute(stmt)).scalars())
    if customer_id is not None:  # JSON containment differs per backend; filter here
        rows = [r for r in rows if customer_id in (r.customer_ids or ())][:limit]
    return [
        AuditRow(
            id=r.id,
            at=r.at,
            key_id=r.key_id,
            key_name=r.key_name,
            role=r.role,
            operation=r.operation,
            customer_ids=tuple(int(i) for i in r.customer_ids or ()),
            detail=r.detail,
        )
        for r in reversed(rows)
    ]
