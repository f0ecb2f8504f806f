"""Erasure of a person under PIPL art. 47: personal data goes, accounting facts stay.

`erase_customer` works on a golden customer and every customer merged into
it, in the caller's unit of work (flushes, never commits):

- golden rows keep their ids; the survivor becomes a tombstone (status
  ``erased``); names, contacts, search text and views are cleared; identities
  and pins are deleted, lineage values nulled;
- source records and all their versions keep (system, key) but their raw
  payload and attributes become a tombstone (``erased = True``); their
  blocking keys are deleted, so nothing matches them again;
- match explanations, call caller numbers and summaries, order receiver
  blocks, ticket notes, ledger notes are cleared; quarantined payloads,
  stored idempotent responses, merge-event and cannot-link notes that carry
  the person's phones, e-mails or identifiers are wiped;
- orders (totals, items), deliveries, tickets and ledger points stay, still
  owned by the tombstone, so revenue and points still add up;
- self-service keys of the customer are revoked;
- each erased (system, key) is listed in ``erased_source_keys``: `is_erased`
  lets ingest hold a re-delivery for review instead of recreating the person.

The result names the golden ids whose cached views must be dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.security import api_keys
from cdhub.security.scoping import utc
from cdhub.security.traces import Traces, key_pattern, scrub
from cdhub.storage.models import (
    ApiKey,
    AttributeLineage,
    AuditEntry,
    BlockingKey,
    Call,
    CannotLink,
    ErasedSourceKey,
    GoldenCustomer,
    GoldenIdentity,
    IdempotencyKey,
    LoyaltyEntry,
    MatchCandidate,
    MergeEvent,
    Order,
    Pin,
    QuarantinedRecord,
    SourceRecord,
    SourceRecordVersion,
    Ticket,
    TicketEvent,
    Xref,
)
from cdhub.storage.repo.key_pairs import pair_chunks, pair_in
from cdhub.storage.repo.source_records import chunks
from cdhub.storage.repo.upsert import upsert
from mdm.records import PartyKind, PartyRecord
from mdm.serialization import party_to_dict

ERASED_STATUS = "erased"
TOMBSTONE_RAW: dict[str, Any] = {"erased": True}
SCAN_CHUNK = 1000


class ErasureError(ValueError):
    """The customer cannot be erased (unknown id)."""


@dataclass
class ErasureReport:
    golden_id: int  # the tombstone
    family: list[int]  # every golden id erased (the tombstone and those merged into it)
    source_keys: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def cache_ids(self) -> list[int]:
        """Golden ids whose cached views (and redirects) must be dropped."""
        return list(self.family)


def _tombstone_attributes(system: str, key: str, kind: str) -> dict[str, Any]:
    party_kind = PartyKind(kind) if kind in PartyKind._value2member_map_ else PartyKind.PERSON
    attributes = party_to_dict(PartyRecord(source_system=system, source_key=key, kind=party_kind))
    attributes["extra"] = {"erased": "true"}
    return attributes


async def _family(session: AsyncSession, golden_id: int) -> tuple[int, list[int]]:
    row = (
        await session.execute(
            select(GoldenCustomer.id, GoldenCustomer.merged_into_id).where(
                GoldenCustomer.id == golden_id
            )
        )
    ).first()
    if row is None:
        raise ErasureError(f"no customer has the id {golden_id}")
    survivor = int(row[1] or row[0])
    family = {survivor}
    frontier = {survivor}
    while frontier:  # merged_into_id points at the survivor; follow any older chains too
        rows = await session.execute(
            select(GoldenCustomer.id).where(GoldenCustomer.merged_into_id.in_(frontier))
        )
        frontier = {int(i) for i in rows.scalars()} - family
        family |= frontier
    return survivor, sorted(family)


async def _records(session: AsyncSession, family: Sequence[int]) -> list[tuple[Any, ...]]:
    rows = await session.execute(
        select(
            SourceRecord.id,
            SourceRecord.source_system,
            SourceRecord.source_key,
            SourceRecord.party_kind,
            SourceRecord.attributes,
        )
        .join(Xref, Xref.source_record_id == SourceRecord.id)
        .where(Xref.golden_id.in_(family))
        .order_by(SourceRecord.id)
    )
    return [tuple(r) for r in rows.all()]


async def _traces(
    session: AsyncSession, family: Sequence[int], records: Sequence[tuple[Any, ...]]
) -> Traces:
    traces = Traces()
    for _, _, _, _, attributes in records:
        traces.add_party(attributes or {})
    views = await session.execute(select(GoldenCustomer.view).where(GoldenCustomer.id.in_(family)))
    for view in views.scalars():
        traces.add_view(view or {})
    identities = await session.execute(
        select(GoldenIdentity.kind, GoldenIdentity.value).where(
            GoldenIdentity.golden_id.in_(family)
        )
    )
    for kind, value in identities.all():
        traces.add_identity(kind, value)
    versions = await session.execute(
        select(SourceRecordVersion.attributes).where(
            SourceRecordVersion.source_record_id.in_([r[0] for r in records])
        )
    )
    for attributes in versions.scalars():
        traces.add_party(attributes or {})
    return traces


async def erase_customer(
    session: AsyncSession, golden_id: int, actor: str, now: datetime
) -> ErasureReport:
    """Erase the person of ``golden_id`` (absorbed ids erase their survivor's family)."""
    now = utc(now)
    survivor, family = await _family(session, golden_id)
    records = await _records(session, family)
    traces = await _traces(session, family, records)
    record_ids = [int(r[0]) for r in records]
    keys = [(str(r[1]), str(r[2])) for r in records]
    report = ErasureReport(golden_id=survivor, family=family, source_keys=keys)
    counts = report.counts

    await _erase_records(session, records, now)
    counts["source_records"] = len(records)
    await _erase_goldens(session, survivor, family, now)
    counts["matching"] = await _erase_matching(session, family, record_ids, actor, now)
    counts["facts"] = await _erase_facts(session, family, keys, traces)
    counts["quarantine"] = await _erase_quarantine(session, keys, traces, now)
    counts["notes"] = await _erase_notes(session, family, record_ids, traces)
    counts["keys_revoked"] = await _erase_keys(session, family, now)
    await upsert(
        session,
        ErasedSourceKey,
        [
            {
                "source_system": system,
                "source_key": key,
                "erased_at": now,
                "erased_by": actor,
                "golden_id": survivor,
            }
            for system, key in keys
        ],
        conflict=("source_system", "source_key"),
    )
    session.add(
        MergeEvent(
            event_type="erase",
            golden_id=survivor,
            actor=actor,
            after={"source_records": len(records), "customers": len(family)},
            created_at=now,
        )
    )
    await session.flush()
    return report


async def _erase_records(
    session: AsyncSession, records: Sequence[tuple[Any, ...]], now: datetime
) -> None:
    for record_id, system, key, kind, _ in records:
        attributes = _tombstone_attributes(system, key, kind)
        stamp = hashlib.sha256(f"erased:{record_id}".encode()).hexdigest()
        values = {"raw": TOMBSTONE_RAW, "attributes": attributes, "content_hash": stamp}
        await session.execute(
            update(SourceRecord)
            .where(SourceRecord.id == record_id)
            .values(**values, erased=True, updated_at=now, observed_at=None)
        )
        await session.execute(
            update(SourceRecordVersion)
            .where(SourceRecordVersion.source_record_id == record_id)
            .values(**values)
        )
    ids = [int(r[0]) for r in records]
    for part in chunks(ids):
        await session.execute(delete(BlockingKey).where(BlockingKey.source_record_id.in_(part)))
        await session.execute(
            update(Xref).where(Xref.source_record_id.in_(part)).values(explanation={})
        )


async def _erase_goldens(
    session: AsyncSession, survivor: int, family: Sequence[int], now: datetime
) -> None:
    kind = await session.scalar(select(GoldenCustomer.kind).where(GoldenCustomer.id == survivor))
    await session.execute(
        update(GoldenCustomer)
        .where(GoldenCustomer.id.in_(family))
        .values(
            display_name=None,
            name_pinyin=None,
            search_text=None,
            primary_phone=None,
            primary_email=None,
            province=None,
            city=None,
            tier=None,
            view={"kind": kind, "erased": True},
            version=GoldenCustomer.version + 1,
            updated_at=now,
        )
    )
    await session.execute(
        update(GoldenCustomer).where(GoldenCustomer.id == survivor).values(status=ERASED_STATUS)
    )
    await session.execute(delete(GoldenIdentity).where(GoldenIdentity.golden_id.in_(family)))
    await session.execute(delete(Pin).where(Pin.golden_id.in_(family)))
    await session.execute(
        update(AttributeLineage).where(AttributeLineage.golden_id.in_(family)).values(value=None)
    )


async def _erase_matching(
    session: AsyncSession,
    family: Sequence[int],
    record_ids: Sequence[int],
    actor: str,
    now: datetime,
) -> int:
    concerned = or_(
        MatchCandidate.golden_id.in_(family),
        MatchCandidate.source_record_id.in_(record_ids),
        MatchCandidate.other_source_record_id.in_(record_ids),
    )
    await session.execute(
        update(MatchCandidate)
        .where(concerned, MatchCandidate.status == "open")
        .values(status="superseded", resolved_by=actor, resolved_at=now)
    )
    result = await session.execute(
        update(MatchCandidate).where(concerned).values(explanation={}).returning(MatchCandidate.id)
    )
    return len(result.all())


def _owned(party: tuple[Any, Any], keys: Sequence[tuple[str, str]]) -> Any:
    return tuple_(*party).in_(keys)


async def _erase_facts(
    session: AsyncSession,
    family: Sequence[int],
    keys: Sequence[tuple[str, str]],
    traces: Traces,
) -> int:
    """Clear receiver blocks, caller numbers, call summaries and notes; keep the facts.

    Orders and calls of the person's records, and any other order or call that
    carries one of their phones or identifiers (a gift order sent to them).
    """
    touched = 0
    digits = func.replace(func.replace(func.replace(Call.caller_number, " ", ""), "-", ""), "+", "")
    receiver = func.replace(func.replace(cast(Order.receiver, Text), " ", ""), "-", "")
    receiver_lower = func.lower(cast(Order.receiver, Text))
    by_trace_orders = [receiver.like(p) for p in traces.phone_patterns()]
    by_trace_orders += [receiver_lower.like(p) for p in traces.strong_patterns()]
    by_trace_calls = [digits.like(p) for p in traces.phone_patterns()]
    for part in [list(p) for p in chunks(list(keys))] or [[]]:
        owned_orders = [_owned((Order.party_system, Order.party_key), part)] if part else []
        owned_calls = [_owned((Call.source_system, Call.call_id), part)] if part else []
        if owned_orders or by_trace_orders:
            result = await session.execute(
                update(Order)
                .where(or_(*owned_orders, *by_trace_orders))
                .values(receiver={})
                .returning(Order.id)
            )
            touched += len(result.all())
        if owned_calls or by_trace_calls:
            result = await session.execute(
                update(Call)
                .where(or_(*owned_calls, *by_trace_calls))
                .values(caller_number=None, summary=None)
                .returning(Call.id)
            )
            touched += len(result.all())
        ledger = [_owned((LoyaltyEntry.party_system, LoyaltyEntry.party_key), part)] if part else []
        await session.execute(
            update(LoyaltyEntry)
            .where(or_(LoyaltyEntry.golden_id.in_(family), *ledger))
            .values(note=None)
        )
    owned_tickets = [_owned((Ticket.party_system, Ticket.party_key), list(keys))] if keys else []
    tickets = select(Ticket.id).where(or_(Ticket.golden_id.in_(family), *owned_tickets))
    await session.execute(
        update(TicketEvent).where(TicketEvent.ticket_id.in_(tickets)).values(note=None)
    )
    return touched


async def _erase_quarantine(
    session: AsyncSession, keys: Sequence[tuple[str, str]], traces: Traces, now: datetime
) -> int:
    """Wipe quarantined payloads carrying the person's identifiers or record keys."""
    patterns: dict[str, Any] = {}
    for system in {s for s, _ in keys}:
        patterns[system] = key_pattern(k for s, k in keys if s == system)
    wiped = 0
    last = 0
    while True:
        rows = (
            await session.execute(
                select(
                    QuarantinedRecord.id,
                    QuarantinedRecord.source_system,
                    QuarantinedRecord.raw,
                    QuarantinedRecord.detail,
                )
                .where(QuarantinedRecord.id > last)
                .order_by(QuarantinedRecord.id)
                .limit(SCAN_CHUNK)
            )
        ).all()
        if not rows:
            return wiped
        last = int(rows[-1][0])
        for row_id, system, raw, detail in rows:
            pattern = patterns.get(system)
            hit = traces.identifies(raw) or traces.identifies(detail)
            if not hit and pattern is not None:
                hit = bool(pattern.search(raw or "") or pattern.search(detail or ""))
            if hit:
                await session.execute(
                    update(QuarantinedRecord)
                    .where(QuarantinedRecord.id == row_id)
                    .values(
                        raw=json.dumps(TOMBSTONE_RAW),
                        raw_hash=hashlib.sha256(f"erased:{row_id}".encode()).hexdigest(),
                        detail=None,
                        status="discarded",
                        replayed_at=now,
                    )
                )
                wiped += 1


async def _erase_notes(
    session: AsyncSession, family: Sequence[int], record_ids: Sequence[int], traces: Traces
) -> int:
    """Free text and stored JSON that may quote the person: scrub what mentions them."""
    wiped = 0
    events = await session.execute(
        select(
            MergeEvent.id,
            MergeEvent.event_type,
            MergeEvent.reason,
            MergeEvent.before,
            MergeEvent.after,
        ).where(
            or_(
                MergeEvent.golden_id.in_(family),
                MergeEvent.other_golden_id.in_(family),
                MergeEvent.source_record_id.in_(record_ids),
            )
        )
    )
    for event_id, kind, reason, before, after in events.all():
        cleaned = scrub(after or {}, traces)
        if kind in ("pin", "unpin") and isinstance(cleaned, dict) and "value" in cleaned:
            cleaned["value"] = None
        await session.execute(
            update(MergeEvent)
            .where(MergeEvent.id == event_id)
            .values(reason=scrub(reason, traces), before=scrub(before or {}, traces), after=cleaned)
        )
    links = await session.execute(
        select(CannotLink.id, CannotLink.reason).where(
            or_(
                CannotLink.left_source_record_id.in_(record_ids),
                CannotLink.right_source_record_id.in_(record_ids),
            )
        )
    )
    for link_id, reason in links.all():
        if traces.mentions(reason):
            await session.execute(
                update(CannotLink).where(CannotLink.id == link_id).values(reason=None)
            )
    stored = await session.execute(select(IdempotencyKey.key, IdempotencyKey.response))
    for key, response in stored.all():
        if traces.mentions(json.dumps(response, ensure_ascii=False, default=str)):
            await session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.key == key)
                .values(response=TOMBSTONE_RAW)
            )
            wiped += 1
    return wiped


async def _erase_keys(session: AsyncSession, family: Sequence[int], now: datetime) -> int:
    """Revoke the customer's self-service keys; their names may name the person."""
    ids = list(
        (await session.execute(select(ApiKey.id).where(ApiKey.golden_id.in_(family)))).scalars()
    )
    revoked = await api_keys.revoke_customer_keys(session, family, now)
    for key_id in ids:
        await session.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(name=f"erased-customer-key-{key_id}")
        )
        await session.execute(
            update(AuditEntry).where(AuditEntry.key_id == key_id).values(key_name="erased")
        )
    return revoked


async def is_erased(session: AsyncSession, source_system: str, source_key: str) -> bool:
    """Whether (system, key) belonged to an erased person: hold a re-delivery for review."""
    found = await session.scalar(
        select(ErasedSourceKey.id).where(
            ErasedSourceKey.source_system == source_system,
            ErasedSourceKey.source_key == source_key,
        )
    )
    return found is not None


async def erased_keys(
    session: AsyncSession, keys: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The erased ones among ``keys``, for a whole ingest batch (`pair_chunks`)."""
    found: set[tuple[str, str]] = set()
    columns = (ErasedSourceKey.source_system, ErasedSourceKey.source_key)
    for part in pair_chunks(session, keys):
        rows = await session.execute(select(*columns).where(pair_in(session, columns, part)))
        found |= {(str(s), str(k)) for s, k in rows.all()}
    return found
