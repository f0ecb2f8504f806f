"""The ingest worker: consumes the webhook streams and runs their records through the pipeline.

Each round a worker (1) retries entries it was handed before and did not
acknowledge, (2) claims entries another worker left pending for longer than
the claim timeout (that worker died), and (3) reads new entries. A batch of one
source is one transaction that also writes a receipt per entry
(:mod:`cdhub.storage.repo.receipts`); the entries are acknowledged after the
commit. So an entry whose worker died after the commit is claimed, found done
and only acknowledged, and one whose worker died before it is processed again:
every entry takes effect exactly once.

A batch that fails for a reason other than a database outage is split in
halves until the failing record is alone; that record is quarantined with the
error (``internal_error``) and the rest go on. An entry handed out more than
``max_deliveries`` times (it keeps killing its workers) is quarantined unread
(``unprocessable:redelivered``). While the database is down nothing is
acknowledged and the worker backs off.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.cache import Broker, Cache
from cdhub.queue import IngestQueue, QueuedRecord
from cdhub.services import learning
from cdhub.services.announce import announce_changes, announce_customers
from cdhub.services.file_ingest import RETRIES, retryable
from cdhub.services.ingest import IngestPipeline, IngestSummary, Matcher, RecordResult
from cdhub.services.setup import load_match_service
from cdhub.settings import Settings
from cdhub.state import database_unavailable
from cdhub.storage.repo import idempotency as idempotency_repo
from cdhub.storage.repo import quarantine as quarantine_repo
from cdhub.storage.repo import receipts as receipts_repo
from cdhub.storage.repo.quarantine import Rejection
from connectors import get_connector

log = logging.getLogger("cdhub.worker")

MATCHER_REFRESH_S = 300.0
RECEIPTS_KEPT = timedelta(days=7)
PRUNE_EVERY_S = 3600.0


@dataclass
class WorkerReport:
    entries: int = 0
    skipped: int = 0  # redelivered entries found already done
    isolated: int = 0  # quarantined because they failed their batch
    summary: IngestSummary = field(default_factory=IngestSummary)


def receipt_key(record: QueuedRecord) -> str:
    return f"stream:{record.source}:{record.entry_id}"


class Worker:
    """One consumer of the ingest streams; run several, on as many machines as needed."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        queue: IngestQueue,
        *,
        sources: Sequence[str],
        consumer: str,
        batch_size: int = 200,
        claim_idle_ms: int = 60_000,
        block_ms: int = 1000,
        max_deliveries: int = 5,
        cache: Cache | None = None,
        broker: Broker | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.queue = queue
        self.sources = list(sources)
        self.consumer = consumer
        self.batch_size = batch_size
        self.claim_idle_ms = claim_idle_ms
        self.block_ms = block_ms
        self.max_deliveries = max_deliveries
        self.cache = cache
        self.broker = broker
        self.report = WorkerReport()
        self._matchers: dict[str, tuple[float, Matcher]] = {}
        self._pruned = float("-inf")  # housekeeping on the first step, then hourly

    async def run(self, stop: asyncio.Event, *, drain: bool = False) -> WorkerReport:
        """Work until ``stop`` is set (or, with ``drain``, until every stream is empty)."""
        backoff = 0.5
        while not stop.is_set():
            try:
                handled = await self.step()
            except RedisError as exc:
                log.warning("redis unavailable (%s); retrying in %.1fs", exc, backoff)
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                log.warning("database unavailable (%s); retrying in %.1fs", exc, backoff)
            else:
                backoff = 0.5
                if drain and handled == 0 and await self._empty():
                    break
                continue
            await _wait(stop, backoff)
            backoff = min(backoff * 2, 10.0)
        return self.report

    async def step(self) -> int:
        """One round: own unacknowledged entries, then stale ones of others, then new ones."""
        handled = 0
        own = await self.queue.read_own_pending(self.sources, self.consumer, self.batch_size)
        handled += await self._handle(own)
        for source in self.sources:
            stale = await self.queue.claim_stale(
                source, self.consumer, self.claim_idle_ms, self.batch_size
            )
            if stale:
                log.info("claimed %d entries of %s left by another worker", len(stale), source)
            handled += await self._handle(stale)
        if handled == 0:
            new = await self.queue.read_new(
                self.sources, self.consumer, self.batch_size, self.block_ms
            )
            handled += await self._handle(new)
        await self._prune()
        return handled

    async def _empty(self) -> bool:
        for source in self.sources:
            if (await self.queue.backlog(source)).length:
                return False
        return True

    async def _handle(self, records: Sequence[QueuedRecord]) -> int:
        by_source: dict[str, list[QueuedRecord]] = {}
        for record in records:
            by_source.setdefault(record.source, []).append(record)
        for source, batch in by_source.items():
            worn = [r for r in batch if r.deliveries > self.max_deliveries]
            fresh = [r for r in batch if r.deliveries <= self.max_deliveries]
            if worn:
                detail = f"handed to workers more than {self.max_deliveries} times without success"
                await self._quarantine(source, worn, "unprocessable:redelivered", detail)
            if fresh:
                await self._apply(source, fresh)
            await self.queue.ack(source, [r.entry_id for r in batch])
            self.report.entries += len(batch)
        return len(records)

    async def _apply(self, source: str, records: Sequence[QueuedRecord]) -> None:
        """Commit the batch, or isolate and quarantine the records that make it fail."""
        try:
            summary, results = await self._commit(source, records)
        except Exception as exc:
            if database_unavailable(exc):
                raise
            if len(records) == 1:
                log.exception("quarantining %s: it fails its batch", records[0].raw.origin)
                detail = f"{type(exc).__name__}: {exc}"[:2000]
                await self._quarantine(source, records, "internal_error", detail)
                self.report.isolated += 1
                return
            middle = len(records) // 2
            await self._apply(source, records[:middle])
            await self._apply(source, records[middle:])
            return
        await announce_changes(self.sessions, self.cache, self.broker, results, summary)

    async def _commit(
        self, source: str, records: Sequence[QueuedRecord]
    ) -> tuple[IngestSummary, list[RecordResult]]:
        pipeline = IngestPipeline(get_connector(source), await self._matching(source))
        for attempt in range(1, RETRIES + 1):
            try:
                now = datetime.now(UTC)
                async with self.sessions() as session, session.begin():
                    new = await receipts_repo.claim(session, [receipt_key(r) for r in records], now)
                    fresh = [r for r in records if receipt_key(r) in new]
                    skipped = len(records) - len(fresh)
                    results: list[RecordResult] = []
                    if not fresh:
                        summary = IngestSummary()
                    else:
                        summary, results = await pipeline.process_batch(
                            session, [r.raw for r in fresh], now
                        )
                self.report.skipped += skipped
                self.report.summary.add(summary)
                return summary, results
            except Exception as exc:
                if attempt == RETRIES or not retryable(exc):
                    raise
                await asyncio.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    async def _quarantine(
        self, source: str, records: Sequence[QueuedRecord], reason: str, detail: str
    ) -> None:
        system = get_connector(source).system
        now = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            await receipts_repo.claim(session, [receipt_key(r) for r in records], now)
            await quarantine_repo.add(
                session,
                [Rejection(system, r.raw.origin, _replayable(r), reason, detail) for r in records],
                now,
            )

    async def _matching(self, source: str) -> Matcher:
        """The match service (reloaded now and then: a newly trained model takes over)."""
        loaded = self._matchers.get(source)
        if loaded is None or time.monotonic() - loaded[0] > MATCHER_REFRESH_S:
            # Decisions name the channel the records came in by, as inline webhooks do.
            matcher = await load_match_service(self.sessions, self.settings, f"webhook:{source}")
            loaded = self._matchers[source] = (time.monotonic(), matcher)
        return loaded[1]

    async def _prune(self) -> None:
        if time.monotonic() - self._pruned < PRUNE_EVERY_S:
            return
        self._pruned = time.monotonic()
        async with self.sessions() as session, session.begin():
            now = datetime.now(UTC)
            gone = await receipts_repo.prune(session, now - RECEIPTS_KEPT)
            kept = timedelta(days=self.settings.idempotency_keys_kept_days)
            keys = await idempotency_repo.prune(session, now - kept, keep=[receipts_repo.OPERATION])
        if gone or keys:
            log.info("pruned %d receipts of processed entries, %d idempotency keys", gone, keys)
        await self._learn()

    async def _learn(self) -> None:
        """Learn the model when the hub has grown enough (`cdhub.services.learning`)."""
        learned = await learning.learn_if_due(self.sessions, self.settings, "worker")
        if learned is None:
            return
        log.info("learned model %s from %d records", learned.model, learned.records)
        self._matchers.clear()  # the new model takes over at once
        await announce_customers(self.cache, self.broker, learned.rebuild.changed)


def _replayable(record: QueuedRecord) -> str:
    raw = record.raw
    if raw.payload is not None:
        return json.dumps(raw.payload, ensure_ascii=False, default=str)
    return raw.raw_text


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
