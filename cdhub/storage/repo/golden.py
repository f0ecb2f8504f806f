"""Golden customers: creation, membership (xrefs), absorption, views and lineage."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import (
    AttributeLineage,
    GoldenCustomer,
    GoldenIdentity,
    MatchCandidate,
    Pin,
    SourceRecord,
    Xref,
    table_of,
)
from cdhub.storage.repo.source_records import chunks, insert_many, update_many
from cdhub.storage.repo.upsert import upsert


@dataclass(frozen=True, slots=True)
class Member:
    """A source record in a golden customer, with what survivorship and matching need."""

    source_record_id: int
    source_system: str
    source_key: str
    attributes: dict[str, Any]
    received_at: datetime
    observed_at: datetime | None
    golden_id: int


@dataclass(frozen=True, slots=True)
class GoldenRow:
    id: int
    kind: str
    status: str
    merged_into_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class XrefWrite:
    source_record_id: int
    golden_id: int
    link_method: str
    match_weight: float | None
    explanation: dict[str, Any]
    model_version: str | None
    linked_by: str
    home_golden_id: int | None = None  # the golden the record first belonged to


async def create(session: AsyncSession, kinds: Sequence[str], now: datetime) -> list[int]:
    """New golden customers, ids in the order given (older ids survive merges)."""
    if not kinds:
        return []
    rows = [
        {"kind": kind, "status": "active", "view": {}, "created_at": now, "updated_at": now}
        for kind in kinds
    ]
    if session.get_bind().dialect.name == "sqlite":
        # SQLite does not promise the order of RETURNING rows, so SQLAlchemy would send
        # one INSERT per row. It has one writer at a time: after this insert the
        # transaction holds the write lock, and an INTEGER PRIMARY KEY takes max(id) + 1,
        # so the rows just inserted hold the highest ids, in the order given.
        await session.execute(insert(table_of(GoldenCustomer)), rows)
        newest = await session.execute(
            select(GoldenCustomer.id).order_by(GoldenCustomer.id.desc()).limit(len(rows))
        )
        return sorted(int(row[0]) for row in newest)
    result = await session.execute(
        insert(GoldenCustomer).returning(GoldenCustomer.id, sort_by_parameter_order=True), rows
    )
    return [row[0] for row in result]


async def golden_of_records(session: AsyncSession, record_ids: Iterable[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for part in chunks(sorted(set(record_ids))):
        rows = await session.execute(
            select(Xref.source_record_id, Xref.golden_id).where(Xref.source_record_id.in_(part))
        )
        found.update({int(r): int(g) for r, g in rows})
    return found


async def members(
    session: AsyncSession, golden_ids: Iterable[int], parsed: Collection[int] = frozenset()
) -> dict[int, list[Member]]:
    """Every current source record of each golden customer, in record id order.

    ``parsed`` records are held parsed by the caller already: their attributes are
    not read (``Member.attributes`` is empty), which spares decoding them.
    """
    found: dict[int, list[Member]] = {}
    for part in chunks(sorted(set(golden_ids))):
        rows = await session.execute(_MEMBERS.where(Xref.golden_id.in_(part)))
        _collect(found, rows)
    return await _with_attributes(session, found, parsed)


_MEMBERS = (
    select(
        SourceRecord.id,
        SourceRecord.source_system,
        SourceRecord.source_key,
        SourceRecord.received_at,
        SourceRecord.observed_at,
        Xref.golden_id,
    )
    .join(Xref, Xref.source_record_id == SourceRecord.id)
    .order_by(SourceRecord.id)
)


def _collect(found: dict[int, list[Member]], rows: Iterable[Any]) -> None:
    for rid, system, key, received, observed, golden_id in rows:
        found.setdefault(int(golden_id), []).append(
            Member(int(rid), system, key, {}, received, observed, int(golden_id))
        )


async def _with_attributes(
    session: AsyncSession, found: dict[int, list[Member]], parsed: Collection[int]
) -> dict[int, list[Member]]:
    """Members with the attributes read for every record not in ``parsed``."""
    unread = [m.source_record_id for held in found.values() for m in held]
    unread = [rid for rid in unread if rid not in parsed]
    if not unread:
        return found
    attributes = await _attributes(session, unread)
    return {
        golden: [
            replace(m, attributes=attributes[m.source_record_id])
            if m.source_record_id in attributes
            else m
            for m in held
        ]
        for golden, held in found.items()
    }


async def _attributes(session: AsyncSession, record_ids: Sequence[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for part in chunks(sorted(record_ids)):
        rows = await session.execute(
            select(SourceRecord.id, SourceRecord.attributes).where(SourceRecord.id.in_(part))
        )
        found.update({int(rid): attributes for rid, attributes in rows})
    return found


async def all_xrefs(session: AsyncSession) -> dict[int, int]:
    """The golden of every linked source record, in one scan (for batch work over all)."""
    rows = await session.execute(select(Xref.source_record_id, Xref.golden_id))
    return {int(r): int(g) for r, g in rows}


async def all_members(
    session: AsyncSession, parsed: Collection[int] = frozenset()
) -> dict[int, list[Member]]:
    """:func:`members` of every golden customer, in one scan instead of a query per chunk."""
    found: dict[int, list[Member]] = {}
    _collect(found, await session.execute(_MEMBERS))
    return await _with_attributes(session, found, parsed)


async def members_of_records(
    session: AsyncSession, record_ids: Iterable[int]
) -> tuple[dict[int, list[Member]], dict[int, str]]:
    """Every current member of the goldens holding ``record_ids``, and those goldens' kinds.

    What :func:`golden_of_records`, :func:`members` and :func:`rows` give, in one
    statement per chunk of records; members in record id order.
    """
    held = select(Xref.golden_id)
    found: dict[int, dict[int, Member]] = {}
    kinds: dict[int, str] = {}
    for part in chunks(sorted(set(record_ids))):
        result = await session.execute(
            select(
                SourceRecord.id,
                SourceRecord.source_system,
                SourceRecord.source_key,
                SourceRecord.attributes,
                SourceRecord.received_at,
                SourceRecord.observed_at,
                Xref.golden_id,
                GoldenCustomer.kind,
            )
            .join(Xref, Xref.source_record_id == SourceRecord.id)
            .join(GoldenCustomer, GoldenCustomer.id == Xref.golden_id)
            .where(
                Xref.golden_id.in_(held.where(Xref.source_record_id.in_(part)).scalar_subquery())
            )
        )
        for rid, system, key, attributes, received, observed, golden_id, kind in result:
            golden = int(golden_id)
            kinds[golden] = kind
            found.setdefault(golden, {})[int(rid)] = Member(
                int(rid), system, key, attributes, received, observed, golden
            )
    return {g: [by_id[r] for r in sorted(by_id)] for g, by_id in found.items()}, kinds


async def rows(session: AsyncSession, golden_ids: Iterable[int]) -> dict[int, GoldenRow]:
    found: dict[int, GoldenRow] = {}
    for part in chunks(sorted(set(golden_ids))):
        result = await session.execute(
            select(
                GoldenCustomer.id,
                GoldenCustomer.kind,
                GoldenCustomer.status,
                GoldenCustomer.merged_into_id,
                GoldenCustomer.created_at,
            ).where(GoldenCustomer.id.in_(part))
        )
        for gid, kind, status, merged_into, created in result:
            found[int(gid)] = GoldenRow(int(gid), kind, status, merged_into, created)
    return found


async def set_xrefs(session: AsyncSession, writes: Sequence[XrefWrite], now: datetime) -> None:
    await upsert(
        session,
        Xref,
        [
            {
                "source_record_id": w.source_record_id,
                "golden_id": w.golden_id,
                "link_method": w.link_method,
                "match_weight": w.match_weight,
                "explanation": w.explanation,
                "model_version": w.model_version,
                "linked_by": w.linked_by,
                "linked_at": now,
                "home_golden_id": w.home_golden_id or w.golden_id,
            }
            for w in writes
        ],
        conflict=("source_record_id",),
        update=(*_LINK_COLUMNS, "linked_at"),
    )


_LINK_COLUMNS = (
    "golden_id",
    "link_method",
    "match_weight",
    "explanation",
    "model_version",
    "linked_by",
)


async def add_xrefs(session: AsyncSession, writes: Sequence[XrefWrite], now: datetime) -> None:
    """:func:`set_xrefs` for records that have no xref yet: a plain bulk insert."""
    await insert_many(
        session,
        table_of(Xref),
        ("source_record_id", *_LINK_COLUMNS, "home_golden_id"),
        [
            (
                w.source_record_id,
                w.golden_id,
                w.link_method,
                w.match_weight,
                w.explanation,
                w.model_version,
                w.linked_by,
                w.home_golden_id or w.golden_id,
            )
            for w in writes
        ],
        {"linked_at": now},
    )


async def absorb(session: AsyncSession, absorbed: int, survivor: int, now: datetime) -> None:
    """Fold ``absorbed`` into ``survivor``; the absorbed id stays as a redirect."""
    await absorb_many(session, [(absorbed, survivor)], now)


async def absorb_many(
    session: AsyncSession, folds: Sequence[tuple[int, int]], now: datetime
) -> None:
    """Fold each absorbed golden into its survivor, all in a few set-wise statements.

    Survivors must be final (never absorbed in the same call). The absorbed ids
    stay as redirects.
    """
    if not folds:
        return
    target = dict(folds)
    absorbed = sorted(target)
    # Hub-created tickets and ledger entries keep the id they were made on; readers
    # follow the redirect, and an unmerge that revives the absorbed id gets them back.
    for part in chunks(absorbed):
        await session.execute(
            update(table_of(Xref))
            .where(table_of(Xref).c.golden_id.in_(part))
            .values(golden_id=_redirect(table_of(Xref).c.golden_id, target, part))
        )
    await _carry_pins(session, folds)
    for part in chunks(absorbed):
        await session.execute(
            delete(MatchCandidate).where(
                MatchCandidate.golden_id.in_(part), MatchCandidate.status == "open"
            )
        )
        goldens = table_of(GoldenCustomer)
        await session.execute(
            update(goldens)
            .where(goldens.c.merged_into_id.in_(part))
            .values(merged_into_id=_redirect(goldens.c.merged_into_id, target, part))
        )
        await session.execute(
            update(goldens)
            .where(goldens.c.id.in_(part))
            .values(
                status="merged",
                merged_into_id=_redirect(goldens.c.id, target, part),
                updated_at=now,
            )
        )
        await session.execute(delete(GoldenIdentity).where(GoldenIdentity.golden_id.in_(part)))


def _redirect(column: Any, target: dict[int, int], part: Sequence[int]) -> Any:
    """CASE column WHEN absorbed THEN survivor ... (for the absorbed ids in ``part``)."""
    return case({absorbed: target[absorbed] for absorbed in part}, value=column)


async def _carry_pins(session: AsyncSession, folds: Sequence[tuple[int, int]]) -> None:
    """Pins of a survivor win; the other pins of what it absorbs carry over (first fold first)."""
    involved = sorted({g for fold in folds for g in fold})
    held: dict[int, dict[str, int]] = {}
    for part in chunks(involved):
        rows = await session.execute(
            select(Pin.id, Pin.golden_id, Pin.attribute).where(Pin.golden_id.in_(part))
        )
        for pin_id, golden_id, attribute in rows:
            held.setdefault(int(golden_id), {})[attribute] = int(pin_id)
    if not held:
        return
    drop: list[int] = []
    for absorbed, survivor in folds:
        survivor_pins = held.setdefault(survivor, {})
        for attribute, pin_id in sorted(held.pop(absorbed, {}).items()):
            if attribute in survivor_pins:
                drop.append(pin_id)
            else:
                survivor_pins[attribute] = pin_id
                await session.execute(
                    update(Pin).where(Pin.id == pin_id).values(golden_id=survivor)
                )
    for part in chunks(drop):
        await session.execute(delete(Pin).where(Pin.id.in_(part)))


async def reactivate(session: AsyncSession, golden_id: int, now: datetime) -> None:
    await session.execute(
        update(GoldenCustomer)
        .where(GoldenCustomer.id == golden_id)
        .values(status="active", merged_into_id=None, updated_at=now)
    )


async def retire_empty(session: AsyncSession, golden_ids: Iterable[int], now: datetime) -> None:
    """A golden customer left without source records (all split away) becomes a tombstone."""
    for part in chunks(sorted(set(golden_ids))):
        await session.execute(
            update(GoldenCustomer)
            .where(GoldenCustomer.id.in_(part))
            .values(status="empty", updated_at=now)
        )
        await session.execute(delete(GoldenIdentity).where(GoldenIdentity.golden_id.in_(part)))


async def pins(session: AsyncSession, golden_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for part in chunks(sorted(set(golden_ids))):
        result = await session.execute(
            select(Pin.golden_id, Pin.attribute, Pin.value).where(Pin.golden_id.in_(part))
        )
        for gid, attribute, value in result:
            found.setdefault(int(gid), {})[attribute] = value
    return found


@dataclass(frozen=True, slots=True)
class ViewWrite:
    golden_id: int
    kind: str
    view: dict[str, Any]
    display_name: str | None
    name_pinyin: str | None
    search_text: str
    primary_phone: str | None
    primary_email: str | None
    province: str | None
    city: str | None
    tier: str | None
    source_count: int
    channel_count: int
    identities: Sequence[tuple[str, str, bool, Sequence[int]]]  # kind, value, primary, sources
    lineage: Sequence[tuple[str, str | None, Sequence[int], str, bool]]


VIEW_COLUMNS = (
    "id",
    "kind",
    "view",
    "display_name",
    "name_pinyin",
    "search_text",
    "primary_phone",
    "primary_email",
    "province",
    "city",
    "tier",
    "source_count",
    "channel_count",
)


def view_row(w: ViewWrite) -> tuple[Any, ...]:
    """The golden_customers columns of a view, in ``VIEW_COLUMNS`` order."""
    return (
        w.golden_id,
        w.kind,
        w.view,
        w.display_name,
        w.name_pinyin,
        w.search_text,
        w.primary_phone,
        w.primary_email,
        w.province,
        w.city,
        w.tier,
        w.source_count,
        w.channel_count,
    )


async def write_views(
    session: AsyncSession,
    writes: Sequence[ViewWrite],
    now: datetime,
    fresh: Collection[int] = frozenset(),
) -> None:
    """Store survivorship results: golden columns, identities and lineage, replaced whole.

    ``fresh`` goldens were created in this transaction: they have no identities or
    lineage to replace yet.
    """
    await update_many(
        session,
        table_of(GoldenCustomer),
        VIEW_COLUMNS,
        [view_row(w) for w in writes],
        {"updated_at": now},
    )
    ids = [w.golden_id for w in writes if w.golden_id not in fresh]
    for part in chunks(ids):
        await session.execute(delete(GoldenIdentity).where(GoldenIdentity.golden_id.in_(part)))
        await session.execute(delete(AttributeLineage).where(AttributeLineage.golden_id.in_(part)))
    await _insert_details(session, writes, now)


async def _insert_details(
    session: AsyncSession, writes: Sequence[ViewWrite], now: datetime
) -> None:
    """The identity and lineage rows of views."""
    await insert_many(session, table_of(GoldenIdentity), IDENTITY_COLUMNS, identity_rows(writes))
    await insert_many(
        session,
        table_of(AttributeLineage),
        LINEAGE_COLUMNS,
        lineage_rows(writes),
        {"decided_at": now},
    )


IDENTITY_COLUMNS = ("golden_id", "kind", "value", "is_primary", "source_record_ids")
LINEAGE_COLUMNS = ("golden_id", "attribute", "value", "source_record_ids", "rule", "is_primary")


def identity_rows(writes: Sequence[ViewWrite]) -> list[tuple[Any, ...]]:
    """The golden_identities rows of views, in ``IDENTITY_COLUMNS`` order."""
    return [
        (w.golden_id, kind, value[:320], primary, list(sources))
        for w in writes
        for kind, value, primary, sources in _unique_identities(w.identities)
    ]


def lineage_rows(writes: Sequence[ViewWrite]) -> list[tuple[Any, ...]]:
    """The attribute_lineage rows of views, in ``LINEAGE_COLUMNS`` order (but decided_at)."""
    return [
        (w.golden_id, attribute, value, list(sources), rule[:64], primary)
        for w in writes
        for attribute, value, sources, rule, primary in w.lineage
    ]


def _unique_identities(
    identities: Iterable[tuple[str, str, bool, Sequence[int]]],
) -> list[tuple[str, str, bool, Sequence[int]]]:
    seen: dict[tuple[str, str], tuple[str, str, bool, Sequence[int]]] = {}
    for kind, value, primary, sources in identities:
        key = (kind, value[:320])
        if key not in seen or (primary and not seen[key][2]):
            seen[key] = (kind, value, primary, sources)
    return list(seen.values())
