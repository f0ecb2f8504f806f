"""The audit log: every write, and every read of unmasked personal data.

One row per operation: when, which key (id and name) in which role, the
operation (``Mutation.updateContact``, ``Query.customer``, ``cli:erase``) and
the golden ids of the customers concerned. Personal data itself is never
written here: ``detail`` holds argument names, outcomes and counts only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.security.principal import Principal
from cdhub.security.scoping import utc
from cdhub.storage.models import AuditEntry

log = logging.getLogger("cdhub.audit")

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


def _row(
    principal: Principal,
    operation: str,
    customer_ids: Iterable[int],
    now: datetime,
    detail: str | None,
) -> dict[str, Any]:
    ids = sorted({int(i) for i in customer_ids})
    if len(ids) > MAX_IDS:
        detail = f"{detail or ''} (+{len(ids) - MAX_IDS} more customers)".strip()
        ids = ids[:MAX_IDS]
    return {
        "at": utc(now),
        "key_id": principal.key_id,
        "key_name": principal.name[:120],
        "role": principal.role.value,
        "operation": operation[:120],
        "customer_ids": ids,
        "detail": detail,
    }


async def record(
    session: AsyncSession,
    principal: Principal,
    operation: str,
    customer_ids: Iterable[int],
    now: datetime,
    detail: str | None = None,
) -> None:
    """Add one audit row in the caller's unit of work (never commits)."""
    await session.execute(
        insert(AuditEntry).values(**_row(principal, operation, customer_ids, now, detail))
    )


class AuditWriter:
    """Writes the audit rows of reads in batches, off the request path.

    A read queues its row (no I/O) and one background task inserts whatever is
    queued every ``interval_s`` in one statement: a cached answer costs no
    database round trip, and a busy hub one insert per interval, not one per
    read. The price is a window: rows queued but not yet written are lost if
    the process is killed (at most ``interval_s`` of reads; `close` writes the
    rest on a clean shutdown). While the database is down the rows wait and
    are retried; beyond ``max_pending`` the oldest are dropped with an error
    in the log naming how many. Rows of writes are not queued: they are
    committed with the write, durably.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        interval_s: float = 0.05,
        max_pending: int = 100_000,
    ) -> None:
        self._sessions = sessions
        self._interval_s = interval_s
        self._max_pending = max_pending
        self._pending: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.dropped = 0

    def add(
        self,
        principal: Principal,
        operation: str,
        customer_ids: Iterable[int],
        now: datetime,
        detail: str | None = None,
    ) -> None:
        self._pending.append(_row(principal, operation, customer_ids, now, detail))
        if len(self._pending) > self._max_pending:
            excess = len(self._pending) - self._max_pending
            del self._pending[:excess]
            self.dropped += excess
            log.error("audit: %d rows dropped (the database has not taken them)", excess)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._write_soon())

    async def _write_soon(self) -> None:
        delay = self._interval_s
        while self._pending:
            await asyncio.sleep(delay)
            delay = self._interval_s if await self.flush() else min(delay * 2, 5.0)

    async def flush(self) -> bool:
        """Write every queued row now; False when the database refused (they stay queued)."""
        async with self._lock:
            rows, self._pending = self._pending, []
            if not rows:
                return True
            try:
                async with self._sessions() as session, session.begin():
                    await session.execute(insert(AuditEntry), rows)
            except Exception as exc:  # kept for the next attempt, never silently lost
                log.warning("audit: %d rows wait for the database: %s", len(rows), exc)
                self._pending[:0] = rows
                return False
            return True

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if not await self.flush():
            log.error("audit: %d rows could not be written at shutdown", len(self._pending))


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
