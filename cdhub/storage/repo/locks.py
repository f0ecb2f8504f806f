"""Row locks that serialise hub writers on one golden customer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import GoldenCustomer


async def lock_golden(session: AsyncSession, golden_id: int) -> tuple[str, int | None] | None:
    """Lock a golden customer's row until commit; its ``(status, merged_into_id)``.

    ``SELECT ... FOR UPDATE`` on PostgreSQL: a second writer of the same
    customer waits here and then reads what the first committed. SQLite has no
    row locks (the clause is left out); its single writer lock, taken by the
    unit of work's first write, serialises writers instead. None when there is
    no such customer.
    """
    row = (
        await session.execute(
            select(GoldenCustomer.status, GoldenCustomer.merged_into_id)
            .where(GoldenCustomer.id == golden_id)
            .with_for_update()
        )
    ).one_or_none()
    if row is None:
        return None
    status, merged_into = row
    return str(status), None if merged_into is None else int(merged_into)


async def lock_surviving(session: AsyncSession, golden_id: int) -> tuple[int, str] | None:
    """Follow ``golden_id``'s merges, locking each row; the last id and its status.

    The row is read again after its lock is granted, so a merge that committed
    while we waited sends us on to its survivor. None for an unknown id.
    """
    current = golden_id
    seen: set[int] = set()
    while True:
        found = await lock_golden(session, current)
        if found is None:
            return None
        status, merged_into = found
        seen.add(current)
        if status != "merged" or merged_into is None or merged_into in seen:
            return current, status
        current = merged_into
