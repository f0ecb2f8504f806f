"""The ingest pipeline: parse -> validate -> normalise -> store -> match -> link facts.

One batch is one unit of work: source records, facts, quarantine rows, golden
records and the file checkpoint commit together or not at all, so a crash loses
nothing and a re-run duplicates nothing.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.security.erasure import erased_keys
from cdhub.storage.queries import references as references_queries
from cdhub.storage.repo import blocking as blocking_repo
from cdhub.storage.repo import facts as facts_repo
from cdhub.storage.repo import quarantine as quarantine_repo
from cdhub.storage.repo import source_records as records_repo
from cdhub.storage.repo.quarantine import Rejection
from cdhub.storage.repo.source_records import RecordWrite
from connectors.base import Connector, RejectedPayload
from connectors.files import RawRecord
from mdm.blocking import BlockingKey
from mdm.overlay import overlay_in_time
from mdm.records import (
    CallFact,
    DeliveryFact,
    LoyaltyEvent,
    OrderFact,
    PartyRecord,
    order_reference,
)
from mdm.serialization import content_hash, party_from_dict, party_to_dict

F = TypeVar("F")
_Encoded = tuple[dict[str, object], str]  # a party's stored form and its content hash
ERASED_SUBJECT = "erased_subject"


@dataclass(frozen=True, slots=True)
class ChangedParty:
    """A party record that is new or has a new version, ready for matching."""

    record_id: int
    party: PartyRecord
    is_new: bool
    received_at: datetime


@dataclass
class MatchSummary:
    golden_created: int = 0
    golden_merged: int = 0
    sent_to_review: int = 0
    records_matched: int = 0
    # Golden ids whose view changed (absorbed ids included): caches to drop, events to send.
    touched: set[int] = field(default_factory=set)

    def add(self, other: MatchSummary) -> None:
        self.golden_created += other.golden_created
        self.golden_merged += other.golden_merged
        self.sent_to_review += other.sent_to_review
        self.records_matched += other.records_matched
        self.touched |= other.touched


class Matcher(Protocol):
    async def match(
        self, session: AsyncSession, changed: Sequence[ChangedParty], now: datetime
    ) -> MatchSummary: ...


class DeferredMatcher:
    """Stores records without matching them: a bulk load that `cdhub match --rebuild` finishes."""

    async def match(
        self, session: AsyncSession, changed: Sequence[ChangedParty], now: datetime
    ) -> MatchSummary:
        return MatchSummary()


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What happened to one payload (webhooks reply with one per item)."""

    line_no: int
    status: str  # created|updated|unchanged|rejected|facts
    keys: tuple[str, ...] = ()
    reason: str | None = None
    detail: str | None = None


@dataclass
class IngestSummary:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    facts: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    matching: MatchSummary = field(default_factory=MatchSummary)
    # Whose facts the batch wrote, for telling their customers' caches: the parties orders,
    # calls and ledger entries name, and (system, order no) of orders given deliveries.
    fact_parties: set[tuple[str, str]] = field(default_factory=set)
    delivered_orders: set[tuple[str, str]] = field(default_factory=set)
    # Seconds per stage: read (file), normalise (connector parse), store, match, facts.
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, other: IngestSummary) -> None:
        self.read += other.read
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.facts += other.facts
        self.reasons.update(other.reasons)
        self.matching.add(other.matching)
        self.fact_parties |= other.fact_parties
        self.delivered_orders |= other.delivered_orders
        for stage, spent in other.seconds.items():
            self.seconds[stage] += spent

    def as_dict(self) -> dict[str, object]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "facts": self.facts,
            "top_reasons": dict(self.reasons.most_common(10)),
            "golden_created": self.matching.golden_created,
            "golden_merged": self.matching.golden_merged,
            "sent_to_review": self.matching.sent_to_review,
        }


@dataclass
class _Parsed:
    raw: RawRecord
    parties: list[PartyRecord]
    facts: list[OrderFact | DeliveryFact | CallFact | LoyaltyEvent]
    # per party, its stored form and content hash, computed with the parse (in
    # the worker thread) rather than while the batch is stored
    encoded: list[_Encoded] = field(default_factory=list)


@dataclass
class ParsedBatch:
    """A batch of raw records, parsed: what to store and what to quarantine."""

    raws: Sequence[RawRecord]
    summary: IngestSummary  # read, rejected and the parse time
    parsed: list[_Parsed] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    results: dict[int, RecordResult] = field(default_factory=dict)  # the rejected, by index


class IngestPipeline:
    """Runs batches of raw records of one source through the whole pipeline."""

    def __init__(self, connector: Connector, matcher: Matcher) -> None:
        self.connector = connector
        self.matcher = matcher

    async def process_batch(
        self, session: AsyncSession, raws: Sequence[RawRecord], now: datetime | None = None
    ) -> tuple[IngestSummary, list[RecordResult]]:
        """Process one batch inside the caller's transaction (flushes, never commits)."""
        return await self.store_batch(session, self.parse_batch(raws), now)

    def parse_batch(self, raws: Sequence[RawRecord]) -> ParsedBatch:
        """Parse and normalise a batch: pure CPU work, no database.

        Safe to run in a worker thread while the previous batch is being stored
        (file ingest does: the database then works while Python parses).
        """
        batch = ParsedBatch(raws, IngestSummary(read=len(raws)))
        started = time.perf_counter()
        for index, raw in enumerate(raws):
            outcome = self._parse(raw)
            if isinstance(outcome, RejectedPayload):
                batch.rejections.append(
                    Rejection(
                        self.connector.system,
                        f"{raw.origin}:{raw.line_no}",
                        _replayable(raw),
                        outcome.reason,
                        outcome.detail,
                    )
                )
                batch.summary.rejected += 1
                batch.summary.reasons[outcome.reason] += 1
                batch.results[index] = RecordResult(
                    raw.line_no, "rejected", reason=outcome.reason, detail=outcome.detail
                )
            else:
                batch.parsed.append(outcome)
        batch.summary.seconds["normalise"] += time.perf_counter() - started
        return batch

    async def store_batch(
        self, session: AsyncSession, batch: ParsedBatch, now: datetime | None = None
    ) -> tuple[IngestSummary, list[RecordResult]]:
        """Store a parsed batch inside the caller's transaction (flushes, never commits).

        ``batch`` is left as it was, so a batch whose transaction conflicted can be
        stored again.
        """
        now = now or datetime.now(UTC)
        raws = batch.raws
        summary = IngestSummary()
        summary.add(batch.summary)
        results = dict(batch.results)
        rejections = list(batch.rejections)
        parsed = await self._hold_erased(session, batch.parsed, rejections, results, raws, summary)
        statuses = await self._store_parties(session, parsed, summary, now)
        started = time.perf_counter()
        placed = await self._placed_before(session, parsed)
        await self._store_facts(session, parsed, now, summary)
        await quarantine_repo.add(session, rejections, now)
        summary.seconds["facts"] += time.perf_counter() - started
        await self._rematch_citers(session, parsed, placed, now, summary)
        for index, item in enumerate(parsed):
            keys = tuple(f"{p.source_system}:{p.source_key}" for p in item.parties)
            status = _combined(statuses.get(id(item), []))
            results[_index_of(raws, item.raw, index)] = RecordResult(
                item.raw.line_no, status, keys=keys
            )
        return summary, [results[i] for i in sorted(results)]

    async def _hold_erased(
        self,
        session: AsyncSession,
        parsed: list[_Parsed],
        rejections: list[Rejection],
        results: dict[int, RecordResult],
        raws: Sequence[RawRecord],
        summary: IngestSummary,
    ) -> list[_Parsed]:
        """A re-delivery of an erased person's record is held for review, not recreated."""
        keys = {(p.source_system, p.source_key) for item in parsed for p in item.parties}
        erased = await erased_keys(session, keys) if keys else set()
        if not erased:
            return parsed
        kept = []
        for item in parsed:
            hit = [p for p in item.parties if (p.source_system, p.source_key) in erased]
            if not hit:
                kept.append(item)
                continue
            detail = f"{hit[0].source_system}:{hit[0].source_key} belongs to an erased person"
            rejections.append(
                Rejection(
                    self.connector.system,
                    f"{item.raw.origin}:{item.raw.line_no}",
                    _replayable(item.raw),
                    ERASED_SUBJECT,
                    detail,
                )
            )
            summary.rejected += 1
            summary.reasons[ERASED_SUBJECT] += 1
            index = _index_of(raws, item.raw, 0)
            results[index] = RecordResult(
                item.raw.line_no, "rejected", reason=ERASED_SUBJECT, detail=detail
            )
        return kept

    def _parse(self, raw: RawRecord) -> _Parsed | RejectedPayload:
        if raw.payload is None:
            reason = (raw.error or "unreadable").split(":", 1)[0]
            return RejectedPayload(f"unparseable:{reason}", raw.error or "unreadable line")
        try:
            payload = self.connector.parse(raw.payload)
        except RejectedPayload as exc:
            return exc
        except Exception as exc:  # a connector bug must not stop the batch
            return RejectedPayload("internal_error", f"{type(exc).__name__}: {exc}")
        parties = list(payload.parties)
        return _Parsed(raw, parties, list(payload.facts), [_encoded(p) for p in parties])

    async def _store_parties(
        self,
        session: AsyncSession,
        parsed: Sequence[_Parsed],
        summary: IngestSummary,
        now: datetime,
    ) -> dict[int, list[str]]:
        # Later payloads of the same key in one batch win (or overlay, for WeChat).
        # Each party keeps its encoding from the parse unless an overlay replaced it.
        latest: dict[
            tuple[str, str], tuple[PartyRecord, _Encoded | None, dict[str, object], list[int]]
        ] = {}
        for item in parsed:
            for party, encoded in zip(item.parties, item.encoded, strict=True):
                key = (party.source_system, party.source_key)
                as_parsed: _Encoded | None = encoded
                earlier = latest.get(key)
                owners = earlier[3] if earlier else []
                if earlier and self.connector.overlays:
                    party, as_parsed = overlay_in_time(earlier[0], party), None
                latest[key] = (party, as_parsed, _raw_of(item.raw), [*owners, id(item)])
        started = time.perf_counter()
        stored = await records_repo.load_by_keys(session, latest)
        new_writes: list[RecordWrite] = []
        new_parties: list[PartyRecord] = []
        changes: list[tuple[records_repo.StoredRecord, RecordWrite]] = []
        changed_parties: list[PartyRecord] = []
        statuses: dict[int, list[str]] = {}
        for key, (party, encoding, raw, owners) in latest.items():
            existing = stored.get(key)
            if existing is not None and self.connector.overlays and not existing.erased:
                party = overlay_in_time(party_from_dict(existing.attributes), party)
                encoding = None
            attributes, digest = encoding or _encoded(party)
            write = RecordWrite(
                source_system=key[0],
                source_key=key[1],
                party_kind=party.kind.value,
                raw=dict(raw),
                attributes=attributes,
                content_hash=digest,
                observed_at=party.observed_at,
            )
            if existing is None:
                status = "created"
                new_writes.append(write)
                new_parties.append(party)
            elif existing.content_hash == write.content_hash:
                status = "unchanged"
            else:
                status = "updated"
                changes.append((existing, write))
                changed_parties.append(party)
            for owner in owners:
                statuses.setdefault(owner, []).append(status)
            setattr(summary, status, getattr(summary, status) + 1)
        new_ids = await records_repo.insert_records(session, new_writes, now)
        await records_repo.update_records(session, changes, now)
        summary.seconds["store"] += time.perf_counter() - started
        changed = [
            ChangedParty(record_id, party, True, now)
            for record_id, party in zip(new_ids, new_parties, strict=True)
        ] + [
            ChangedParty(existing.id, party, False, now)
            for (existing, _), party in zip(changes, changed_parties, strict=True)
        ]
        if changed:
            started = time.perf_counter()
            summary.matching.add(await self.matcher.match(session, changed, now))
            summary.seconds["match"] += time.perf_counter() - started
        return statuses

    async def _placed_before(
        self, session: AsyncSession, parsed: Sequence[_Parsed]
    ) -> dict[tuple[str, str], tuple[str, str] | None] | None:
        """Who placed this batch's orders before it is stored (None: no one will re-match)."""
        orders = {(f.source_system, f.order_no) for f in _orders(parsed)}
        if not orders or isinstance(self.matcher, DeferredMatcher):
            return None
        return await references_queries.order_placers_now(session, orders)

    async def _rematch_citers(
        self,
        session: AsyncSession,
        parsed: Sequence[_Parsed],
        before: dict[tuple[str, str], tuple[str, str] | None] | None,
        now: datetime,
        summary: IngestSummary,
    ) -> None:
        """Records that cited an order before it arrived (a complaint call loaded before the
        shop's or the ERP's orders) are matched again, now that its customer is known."""
        if before is None:
            return
        placed = {
            f.order_no: (f.party.source_system, f.party.source_key)
            for f in _orders(parsed)
            if f.party is not None
            and before.get((f.source_system, f.order_no))
            != (f.party.source_system, f.party.source_key)
        }
        if not placed:
            return  # re-delivered orders: the citers met their customer already
        started = time.perf_counter()
        keys = sorted(BlockingKey("reference", order_reference(no)) for no in placed)
        holders = await blocking_repo.records_with_keys(session, keys)
        ids = {rid for rids in holders.values() for rid in rids}
        stored = await records_repo.load_by_ids(session, ids) if ids else {}
        placers = set(placed.values())
        citers = [
            ChangedParty(r.id, party_from_dict(r.attributes), False, now)
            for r in sorted(stored.values(), key=lambda r: r.id)
            if not r.erased and (r.source_system, r.source_key) not in placers
        ]
        if citers:
            summary.matching.add(await self.matcher.match(session, citers, now))
        summary.seconds["match"] += time.perf_counter() - started

    async def _store_facts(
        self,
        session: AsyncSession,
        parsed: Sequence[_Parsed],
        now: datetime,
        summary: IngestSummary,
    ) -> None:
        everything = [fact for item in parsed for fact in item.facts]
        summary.facts += len(everything)
        for fact in everything:
            if isinstance(fact, DeliveryFact):
                summary.delivered_orders.add((fact.source_system, fact.order_no))
            elif fact.party is not None:
                summary.fact_parties.add((fact.party.source_system, fact.party.source_key))
        await facts_repo.store_orders(session, _only(everything, OrderFact), now)
        await facts_repo.store_deliveries(session, _only(everything, DeliveryFact))
        await facts_repo.store_calls(session, _only(everything, CallFact), now)
        await facts_repo.store_loyalty(session, _only(everything, LoyaltyEvent))


def _encoded(party: PartyRecord) -> _Encoded:
    attributes = party_to_dict(party)
    return attributes, content_hash(attributes)


def _orders(parsed: Sequence[_Parsed]) -> list[OrderFact]:
    return _only((fact for item in parsed for fact in item.facts), OrderFact)


def _only(items: Iterable[object], kind: type[F]) -> list[F]:
    return [item for item in items if isinstance(item, kind)]


def _replayable(raw: RawRecord) -> str:
    """What quarantine keeps: the payload as JSON when it was read (CSV rows too), else the text."""
    if raw.payload is not None:
        return json.dumps(raw.payload, ensure_ascii=False, default=str)
    return raw.raw_text


def _raw_of(raw: RawRecord) -> dict[str, object]:
    return dict(raw.payload or {})


def _combined(statuses: list[str]) -> str:
    if not statuses:
        return "facts"
    for status in ("created", "updated"):
        if status in statuses:
            return status
    return "unchanged"


def _index_of(raws: Sequence[RawRecord], raw: RawRecord, hint: int) -> int:
    for index in range(hint, len(raws)):
        if raws[index] is raw:
            return index
    return raws.index(raw)
