"""A data steward's operations: merge, unmerge, resolve a review candidate, pin.

Every operation is one unit of work in the caller's session, records a merge
event (who, when, why, before and after) and re-runs survivorship for the
golden customers it touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.services import golden_views
from cdhub.storage.models import (
    CannotLink,
    GoldenCustomer,
    MatchCandidate,
    Pin,
    SourceRecord,
    Xref,
)
from cdhub.storage.repo import decisions as decisions_repo
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo.decisions import EventWrite
from cdhub.storage.repo.golden import XrefWrite
from cdhub.storage.repo.upsert import upsert
from mdm.survivorship import PIN_ATTRIBUTES, SurvivorshipPolicy


class StewardError(Exception):
    """An operation that cannot be done; ``code`` is the GraphQL error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Steward:
    policy: SurvivorshipPolicy
    actor: str


async def active_golden(session: AsyncSession, golden_id: int) -> int:
    """The surviving id for ``golden_id`` (an absorbed id redirects)."""
    row = await session.execute(
        select(GoldenCustomer.status, GoldenCustomer.merged_into_id).where(
            GoldenCustomer.id == golden_id
        )
    )
    found = row.one_or_none()
    if found is None:
        raise StewardError("NOT_FOUND", f"no customer {golden_id}")
    status, merged_into = found
    if status == "merged" and merged_into is not None:
        return await active_golden(session, int(merged_into))
    if status not in ("active",):
        raise StewardError("CONFLICT", f"customer {golden_id} is {status}")
    return golden_id


async def _snapshot(session: AsyncSession, golden_id: int) -> dict[str, Any]:
    members = (await golden_repo.members(session, [golden_id])).get(golden_id, [])
    return {"members": [[m.source_system, m.source_key] for m in members]}


async def merge(
    session: AsyncSession,
    steward: Steward,
    first: int,
    second: int,
    reason: str | None,
    now: datetime,
) -> int:
    """Merge two golden customers; the older id survives and the other redirects to it."""
    a, b = await active_golden(session, first), await active_golden(session, second)
    if a == b:
        raise StewardError("CONFLICT", "both ids already name the same customer")
    kinds = await golden_repo.rows(session, [a, b])
    if kinds[a].kind != kinds[b].kind:
        raise StewardError("CONFLICT", "a person and an organisation are never merged")
    survivor, absorbed = min(a, b), max(a, b)
    before = {
        "survivor": await _snapshot(session, survivor),
        "absorbed": await _snapshot(session, absorbed),
    }
    members = await golden_repo.members(session, [survivor, absorbed])
    ids = [m.source_record_id for ms in members.values() for m in ms]
    # The steward overrides earlier "different" verdicts between the two.
    await session.execute(
        delete(CannotLink).where(
            CannotLink.left_source_record_id.in_(ids), CannotLink.right_source_record_id.in_(ids)
        )
    )
    await golden_repo.absorb(session, absorbed, survivor, now)
    await session.execute(
        update(Xref)
        .where(Xref.golden_id == survivor, Xref.source_record_id.in_(ids))
        .values(linked_by=steward.actor)
    )
    await golden_views.refresh(session, [survivor], steward.policy, now)
    await decisions_repo.add_events(
        session,
        [
            EventWrite(
                "manual_merge",
                survivor,
                absorbed,
                None,
                steward.actor,
                reason,
                before,
                await _snapshot(session, survivor),
                None,
            )
        ],
        now,
    )
    return survivor


async def unmerge(
    session: AsyncSession,
    steward: Steward,
    source_system: str,
    source_key: str,
    reason: str | None,
    now: datetime,
) -> int:
    """Split one source record out of its golden customer; returns its new golden id.

    When the record's first golden customer was absorbed by a merge, that id is
    revived, so merge-then-unmerge restores the golden records as they were.
    The record gets cannot-links to the members it leaves, so matching never
    puts it back by itself.
    """
    row = (
        await session.execute(
            select(Xref.source_record_id, Xref.golden_id, Xref.home_golden_id)
            .join_from(Xref, SourceRecord, SourceRecord.id == Xref.source_record_id)
            .where(
                SourceRecord.source_system == source_system,
                SourceRecord.source_key == source_key,
            )
        )
    ).one_or_none()
    if row is None:
        raise StewardError("NOT_FOUND", f"no source record {source_system}:{source_key}")
    record_id, current, home = int(row[0]), int(row[1]), row[2]
    members = (await golden_repo.members(session, [current])).get(current, [])
    others = [m.source_record_id for m in members if m.source_record_id != record_id]
    if not others:
        raise StewardError("CONFLICT", "the record is the only one in its customer")
    before = await _snapshot(session, current)
    home_row = (await golden_repo.rows(session, [int(home)])).get(int(home)) if home else None
    if home_row is not None and home_row.id != current and home_row.status in ("merged", "active"):
        # Back to the record's first golden: revived if a merge absorbed it, rejoined if
        # an earlier unmerge of one of its siblings revived it already.
        target = home_row.id
        if home_row.status == "merged":
            await golden_repo.reactivate(session, target, now)
    else:
        (target,) = await golden_repo.create(
            session, [home_row.kind if home_row else "person"], now
        )
    await golden_repo.set_xrefs(
        session,
        [
            XrefWrite(
                record_id, target, "unmerge", None, {"reason": reason}, None, steward.actor, target
            )
        ],
        now,
    )
    # Different from the members it leaves, not from the siblings of its own first golden.
    homes = await session.execute(
        select(Xref.source_record_id, Xref.home_golden_id).where(Xref.source_record_id.in_(others))
    )
    strangers = [int(r) for r, h in homes if h is None or home is None or int(h) != int(home)]
    await decisions_repo.add_cannot_links(
        session, [(record_id, other) for other in strangers], steward.actor, reason or "unmerge"
    )
    await golden_views.refresh(session, [current, target], steward.policy, now)
    await decisions_repo.add_events(
        session,
        [
            EventWrite(
                "unmerge",
                current,
                target,
                record_id,
                steward.actor,
                reason,
                before,
                {
                    "left": await _snapshot(session, current),
                    "split": await _snapshot(session, target),
                },
                None,
            )
        ],
        now,
    )
    return target


async def resolve_candidate(
    session: AsyncSession, steward: Steward, candidate_id: int, is_match: bool, now: datetime
) -> int:
    """Accept (merge) or reject (cannot-link, never proposed again) a review candidate."""
    candidate = await session.get(MatchCandidate, candidate_id)
    if candidate is None:
        raise StewardError("NOT_FOUND", f"no match candidate {candidate_id}")
    if candidate.status != "open":
        raise StewardError("CONFLICT", f"candidate {candidate_id} is already {candidate.status}")
    target = await active_golden(session, candidate.golden_id)
    record_golden = (await golden_repo.golden_of_records(session, [candidate.source_record_id]))[
        candidate.source_record_id
    ]
    if is_match:
        result = target
        if record_golden != target:
            result = await merge(
                session, steward, record_golden, target, f"review candidate {candidate_id}", now
            )
        status = "accepted"
    else:
        members = (await golden_repo.members(session, [target])).get(target, [])
        await decisions_repo.add_cannot_links(
            session,
            [(candidate.source_record_id, m.source_record_id) for m in members],
            steward.actor,
            f"review candidate {candidate_id} rejected",
        )
        result = record_golden
        status = "rejected"
    await session.execute(
        update(MatchCandidate)
        .where(MatchCandidate.id == candidate_id)
        .values(status=status, resolved_by=steward.actor, resolved_at=now)
    )
    await decisions_repo.add_events(
        session,
        [
            EventWrite(
                f"review_{status}",
                target,
                record_golden,
                candidate.source_record_id,
                steward.actor,
                None,
                {},
                {"candidate": candidate_id},
                candidate.model_version,
            )
        ],
        now,
    )
    return result


async def pin(
    session: AsyncSession,
    steward: Steward,
    golden_id: int,
    attribute: str,
    value: str | None,
    now: datetime,
) -> int:
    """Pin (or, with ``value`` None, unpin) an attribute value; it wins over every rule."""
    if attribute not in PIN_ATTRIBUTES:
        raise StewardError(
            "BAD_USER_INPUT",
            f"unknown attribute {attribute!r}; pinnable: {', '.join(PIN_ATTRIBUTES)}",
        )
    target = await active_golden(session, golden_id)
    if value is None:
        await session.execute(
            delete(Pin).where(Pin.golden_id == target, Pin.attribute == attribute)
        )
    else:
        await upsert(
            session,
            Pin,
            [
                {
                    "golden_id": target,
                    "attribute": attribute,
                    "value": value,
                    "pinned_by": steward.actor,
                    "pinned_at": now,
                }
            ],
            conflict=("golden_id", "attribute"),
            update=("value", "pinned_by", "pinned_at"),
        )
    try:
        await golden_views.refresh(session, [target], steward.policy, now)
    except ValueError as exc:  # a malformed pinned value
        raise StewardError("BAD_USER_INPUT", str(exc)) from None
    await decisions_repo.add_events(
        session,
        [
            EventWrite(
                "pin" if value is not None else "unpin",
                target,
                None,
                None,
                steward.actor,
                None,
                {},
                {"attribute": attribute, "value": value},
                None,
            )
        ],
        now,
    )
    return target
