"""Quarantine: rejected input kept with its reason until it is fixed and replayed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import QuarantinedRecord
from cdhub.storage.repo.upsert import upsert

MAX_RAW_CHARS = 1_000_000  # a 10 MB junk line is kept, but not all of it


@dataclass(frozen=True, slots=True)
class Rejection:
    source_system: str
    origin: str
    raw: str
    reason: str
    detail: str | None


async def add(session: AsyncSession, rejections: Sequence[Rejection], now: datetime) -> None:
    """Keep rejected payloads; the same payload from the same place is kept once."""
    rows = {}
    for r in rejections:
        raw = _keepable(r.raw)
        raw_hash = hashlib.sha256(r.raw.encode("utf-8", "replace")).hexdigest()
        rows[(r.source_system, r.origin[:500], raw_hash)] = {
            "source_system": r.source_system,
            "origin": r.origin[:500],
            "raw": raw,
            "raw_hash": raw_hash,
            "reason": r.reason[:200],
            "detail": r.detail,
            "status": "open",
            "received_at": now,
        }
    await upsert(
        session,
        QuarantinedRecord,
        list(rows.values()),
        conflict=("source_system", "origin", "raw_hash"),
        update=("reason", "detail"),
    )


def _keepable(raw: str) -> str:
    # PostgreSQL text cannot hold NUL; keep everything else, truncated with a marker.
    text = raw.replace("\x00", "\\x00")
    if len(text) > MAX_RAW_CHARS:
        return text[:MAX_RAW_CHARS] + f"...[truncated {len(text) - MAX_RAW_CHARS} chars]"
    return text


async def open_records(
    session: AsyncSession, source_system: str | None, limit: int, after_id: int = 0
) -> list[QuarantinedRecord]:
    query = (
        select(QuarantinedRecord)
        .where(QuarantinedRecord.status == "open", QuarantinedRecord.id > after_id)
        .order_by(QuarantinedRecord.id)
        .limit(limit)
    )
    if source_system:
        query = query.where(QuarantinedRecord.source_system == source_system)
    return list((await session.execute(query)).scalars())


async def mark_replayed(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    if ids:
        await session.execute(
            update(QuarantinedRecord)
            .where(QuarantinedRecord.id.in_(list(ids)))
            .values(status="replayed", replayed_at=now)
        )
