"""Match decisions: merge events, review candidates, cannot-links, match models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import CannotLink, MatchCandidate, MatchModelRow, MergeEvent, table_of
from cdhub.storage.repo.source_records import chunks
from cdhub.storage.repo.upsert import upsert


@dataclass(frozen=True, slots=True)
class EventWrite:
    event_type: str  # create|join|merge|unmerge|manual_merge|review_accept|pin|...
    golden_id: int
    other_golden_id: int | None
    source_record_id: int | None
    actor: str
    reason: str | None
    before: dict[str, Any]
    after: dict[str, Any]
    model_version: str | None


@dataclass(frozen=True, slots=True)
class CandidateWrite:
    source_record_id: int
    golden_id: int
    other_source_record_id: int | None
    match_weight: float
    probability: float
    explanation: dict[str, Any]
    model_version: str | None


async def add_events(session: AsyncSession, events: Sequence[EventWrite], now: datetime) -> None:
    if not events:
        return
    await session.execute(
        insert(table_of(MergeEvent)),
        [
            {
                "event_type": e.event_type,
                "golden_id": e.golden_id,
                "other_golden_id": e.other_golden_id,
                "source_record_id": e.source_record_id,
                "actor": e.actor,
                "reason": e.reason,
                "before": e.before,
                "after": e.after,
                "model_version": e.model_version,
                "created_at": now,
            }
            for e in events
        ],
    )


async def add_candidates(
    session: AsyncSession, candidates: Sequence[CandidateWrite], now: datetime
) -> None:
    """Open review candidates; a pair a steward already resolved is left as it is."""
    if not candidates:
        return
    keys = sorted({(c.source_record_id, c.golden_id) for c in candidates})
    resolved: set[tuple[int, int]] = set()
    for part in chunks(keys):
        rows = await session.execute(
            select(MatchCandidate.source_record_id, MatchCandidate.golden_id).where(
                MatchCandidate.source_record_id.in_([k[0] for k in part]),
                MatchCandidate.status != "open",
            )
        )
        resolved.update((int(r), int(g)) for r, g in rows)
    fresh = {
        (c.source_record_id, c.golden_id): c
        for c in candidates
        if (c.source_record_id, c.golden_id) not in resolved
    }
    await upsert(
        session,
        MatchCandidate,
        [
            {
                "source_record_id": c.source_record_id,
                "golden_id": c.golden_id,
                "other_source_record_id": c.other_source_record_id,
                "match_weight": c.match_weight,
                "probability": c.probability,
                "explanation": c.explanation,
                "status": "open",
                "model_version": c.model_version,
                "created_at": now,
            }
            for c in fresh.values()
        ],
        conflict=("source_record_id", "golden_id"),
        update=(
            "other_source_record_id",
            "match_weight",
            "probability",
            "explanation",
            "model_version",
            "created_at",
        ),
    )


async def supersede_candidates(session: AsyncSession, record_ids: Iterable[int]) -> None:
    """Open candidates of records that were just re-decided are replaced by new ones."""
    for part in chunks(sorted(set(record_ids))):
        await session.execute(
            update(MatchCandidate)
            .where(MatchCandidate.source_record_id.in_(part), MatchCandidate.status == "open")
            .values(status="superseded")
        )


async def cannot_links(session: AsyncSession, record_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Cannot-link pairs (low id, high id) touching any of ``record_ids``."""
    found: set[tuple[int, int]] = set()
    for part in chunks(sorted(set(record_ids))):
        rows = await session.execute(
            select(CannotLink.left_source_record_id, CannotLink.right_source_record_id).where(
                or_(
                    CannotLink.left_source_record_id.in_(part),
                    CannotLink.right_source_record_id.in_(part),
                )
            )
        )
        found.update((int(a), int(b)) for a, b in rows)
    return found


async def add_cannot_links(
    session: AsyncSession, pairs: Iterable[tuple[int, int]], actor: str, reason: str | None
) -> None:
    rows = [
        {
            "left_source_record_id": min(a, b),
            "right_source_record_id": max(a, b),
            "reason": reason,
            "created_by": actor,
        }
        for a, b in sorted({(min(p), max(p)) for p in pairs})
        if a != b
    ]
    await upsert(
        session,
        CannotLink,
        rows,
        conflict=("left_source_record_id", "right_source_record_id"),
    )


def _active(column: Any) -> Any:
    return (
        select(column)
        .where(MatchModelRow.active.is_(True))
        .order_by(MatchModelRow.id.desc())
        .limit(1)
    )


async def active_model(session: AsyncSession) -> dict[str, Any] | None:
    model = (await session.execute(_active(MatchModelRow.model))).scalar_one_or_none()
    return dict(model) if model is not None else None


async def trained_on(session: AsyncSession) -> dict[str, int] | None:
    """Per source system, the records the active trained model learned from; None while
    the prior serves. A model saved before source counts were kept gives ``{"": count}``."""
    row = (
        await session.execute(_active(MatchModelRow.record_count).add_columns(MatchModelRow.model))
    ).one_or_none()
    if row is None:
        return None
    count, model = row
    sources = (model or {}).get("source_counts") or {}
    return {str(s): int(n) for s, n in sources.items()} or {"": int(count)}


async def save_model(
    session: AsyncSession, version: str, model: dict[str, Any], record_count: int
) -> None:
    await session.execute(update(MatchModelRow).values(active=False))
    await upsert(
        session,
        MatchModelRow,
        [{"version": version, "model": model, "record_count": record_count, "active": True}],
        conflict=("version",),
        update=("model", "record_count", "active"),
    )
