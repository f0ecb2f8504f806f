"""What deciding whether to learn the model needs: the hub's size, the model's."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import MatchModelRow, SourceRecord


async def party_record_count(session: AsyncSession) -> int:
    """Stored party records that are not erased (an exact count)."""
    query = select(func.count(SourceRecord.id)).where(SourceRecord.erased.is_(False))
    return int(await session.scalar(query) or 0)


async def trained_on(session: AsyncSession) -> int | None:
    """How many records the active trained model learned from; None while the prior serves."""
    query = (
        select(MatchModelRow.record_count)
        .where(MatchModelRow.active.is_(True))
        .order_by(MatchModelRow.id.desc())
        .limit(1)
    )
    count = await session.scalar(query)
    return None if count is None else int(count)
