"""Re-run survivorship for golden customers and store the result."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo.golden import Member, ViewWrite
from cdhub.storage.repo.source_records import chunks
from mdm.golden import GoldenView, SourceContribution
from mdm.records import PartyRecord
from mdm.serialization import party_from_dict
from mdm.survivorship import SurvivorshipPolicy, survive

HUB_SYSTEM = "hub"
PIPELINE_CHUNK = 5000  # goldens composed (in a worker thread) while the previous ones are stored


def contribution(member: Member, record: PartyRecord | None = None) -> SourceContribution:
    party = record or party_from_dict(member.attributes)
    return SourceContribution(
        source_record_id=member.source_record_id,
        source_system=member.source_system,
        source_key=member.source_key,
        received_at=member.received_at,
        observed_at=member.observed_at,
        record=party,
        confirmed=party.extra.get("confirmed") == "true",
    )


def view_write(golden_id: int, view: GoldenView, members: list[Member]) -> ViewWrite:
    """Project a golden view onto the columns, identities and lineage rows storage keeps."""
    identities: list[tuple[str, str, bool, tuple[int, ...]]] = []
    identities += [("phone", v.value, v.is_primary, v.sources) for v in view.phones]
    identities += [("email", v.value, v.is_primary, v.sources) for v in view.emails]
    identities += [(v.kind or "other", v.value, v.is_primary, v.sources) for v in view.identifiers]
    name = view.person_name
    pinyin = name.pinyin if name else (view.org_name.core if view.org_name else None)
    search_parts = [
        view.display_name or "",
        name.full if name else "",
        name.pinyin.replace(" ", "") if name else "",
        view.org_name.full if view.org_name else "",
        *(v.value for v in view.phones),
        *(v.value for v in view.emails),
    ]
    address = view.primary_address
    systems = {m.source_system for m in members if m.source_system != HUB_SYSTEM}
    return ViewWrite(
        golden_id=golden_id,
        kind=view.kind.value,
        view=view.to_dict(),
        display_name=view.display_name,
        name_pinyin=pinyin,
        search_text=" ".join(part for part in search_parts if part).lower(),
        primary_phone=view.primary_phone,
        primary_email=view.primary_email,
        province=address.province if address else None,
        city=address.city if address else None,
        tier=view.member_level,
        source_count=len(members),
        channel_count=len(systems),
        identities=identities,
        lineage=[
            (entry.attribute, entry.value, entry.source_record_ids, entry.rule, True)
            for entry in view.lineage
        ],
    )


async def refresh(
    session: AsyncSession,
    golden_ids: Iterable[int],
    policy: SurvivorshipPolicy,
    now: datetime,
    known: dict[int, PartyRecord] | None = None,
    members_of: dict[int, list[Member]] | None = None,
    fresh: Collection[int] = frozenset(),
    pipeline_chunk: int = PIPELINE_CHUNK,
) -> None:
    """Recompute and store the view of each golden customer from its current members.

    ``known`` holds already-parsed records by source record id (saves re-parsing);
    ``members_of`` the complete current members of every golden id, when the
    caller has them already (saves reading them back); ``fresh`` the goldens
    created in this transaction (no pins, identities or lineage to read or replace).
    """
    ids = sorted(set(golden_ids))
    if not ids:
        return
    by_golden = (
        members_of
        if members_of is not None
        else await golden_repo.members(session, ids, parsed=known or {})
    )
    pins = await golden_repo.pins(session, [g for g in ids if g not in fresh])
    empty = [golden_id for golden_id in ids if not by_golden.get(golden_id)]
    parts = list(chunks(ids, pipeline_chunk))
    if len(parts) == 1:
        await golden_repo.write_views(
            session, compose(ids, by_golden, policy, pins, known), now, fresh
        )
    else:
        # Survivorship is pure CPU work: a worker thread composes the next chunk of
        # views while the database stores this one (rows land in the same order).
        def composed(part: Sequence[int]) -> asyncio.Future[list[ViewWrite]]:
            return asyncio.ensure_future(
                asyncio.to_thread(compose, part, by_golden, policy, pins, known)
            )

        pending = composed(parts[0])
        for following in [*parts[1:], None]:
            writes = await pending
            if following is not None:
                pending = composed(following)
            try:
                await golden_repo.write_views(session, writes, now, fresh)
            except BaseException:
                if following is not None:
                    await pending
                raise
    await golden_repo.retire_empty(session, empty, now)


def compose(
    golden_ids: Iterable[int],
    members_of: Mapping[int, list[Member]],
    policy: SurvivorshipPolicy,
    pins: Mapping[int, dict[str, str]] | None = None,
    known: Mapping[int, PartyRecord] | None = None,
) -> list[ViewWrite]:
    """Survivorship for each golden that has members, projected for storage (no I/O)."""
    parsed = known or {}
    writes: list[ViewWrite] = []
    for golden_id in golden_ids:
        members = members_of.get(golden_id, [])
        if not members:
            continue
        contributions = [contribution(m, parsed.get(m.source_record_id)) for m in members]
        view = survive(contributions, policy, (pins or {}).get(golden_id, {}))
        writes.append(view_write(golden_id, view, members))
    return writes
