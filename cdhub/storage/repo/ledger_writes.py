"""Loyalty ledger entries written by the hub; they name the golden customer directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import LoyaltyEntry


@dataclass(frozen=True, slots=True)
class NewEntry:
    entry_key: str
    golden_id: int
    kind: str  # earn | redeem | adjust
    points: int  # signed: redemptions are negative
    order_no: str | None
    note: str | None
    actor: str


async def add_entry(session: AsyncSession, entry: NewEntry, now: datetime) -> int:
    result = await session.execute(
        insert(LoyaltyEntry)
        .values(
            entry_key=entry.entry_key,
            source_system="hub",
            golden_id=entry.golden_id,
            kind=entry.kind,
            points=entry.points,
            order_no=entry.order_no,
            note=entry.note,
            actor=entry.actor,
            occurred_at=now,
            created_at=now,
        )
        .returning(LoyaltyEntry.id)
    )
    return int(result.scalar_one())
