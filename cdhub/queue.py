"""Queued ingest on Redis Streams: webhooks append, workers consume in a consumer group.

One stream per source system, ``cdhub:ingest:<source>``, one entry per raw
record (the JSON payload, or the unreadable text and why). Every worker reads
through the consumer group ``cdhub-workers``: Redis hands each new entry to one
worker, keeps it *pending* until that worker acknowledges it, and lets another
worker claim it (``XAUTOCLAIM``) when it stays pending longer than the claim
timeout, because its worker died. Delivery is therefore at least once; the
worker makes it once in effect (see :mod:`cdhub.worker`). Acknowledged entries
are deleted, so a stream's length is its backlog.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as redis_asyncio
from redis.exceptions import ResponseError

from connectors.files import RawRecord

log = logging.getLogger("cdhub.queue")

STREAM_PREFIX = "cdhub:ingest:"
GROUP = "cdhub-workers"


def stream_of(source: str) -> str:
    return STREAM_PREFIX + source


@dataclass(frozen=True, slots=True)
class QueuedRecord:
    """One stream entry: which source it is for and the raw record it carries."""

    entry_id: str
    source: str
    raw: RawRecord
    deliveries: int = 1  # how often Redis has handed it out (known for claimed entries)


@dataclass(frozen=True, slots=True)
class Backlog:
    """How far behind the workers are on one stream."""

    length: int  # entries not yet acknowledged (acknowledged ones are deleted)
    pending: int  # of those, handed to a worker and not yet acknowledged
    consumers: int


def encode(raw: RawRecord) -> dict[str, str]:
    """The fields of a stream entry for ``raw``."""
    fields = {"origin": raw.origin, "line": str(raw.line_no)}
    if raw.payload is not None:
        fields["payload"] = json.dumps(raw.payload, ensure_ascii=False, separators=(",", ":"))
    else:
        fields["text"] = raw.raw_text
        fields["error"] = raw.error or "unreadable"
    return fields


def decode(entry_id: str, source: str, fields: dict[Any, Any], deliveries: int = 1) -> QueuedRecord:
    """The record of a stream entry; an entry that is not ours becomes an unreadable record."""
    data = {_text(k): _text(v) for k, v in fields.items()}
    line = int(data["line"]) if data.get("line", "").isdecimal() else 0
    origin = f"queue:{source}:{entry_id}"
    payload: Any = None
    error = data.get("error")
    if "payload" in data:
        try:
            payload = json.loads(data["payload"])
        except ValueError:
            error = "invalid_json: not a payload written by cdhub"
    if not isinstance(payload, dict):
        payload = None
        error = error or "invalid_entry: no payload"
    raw = RawRecord(origin, line, 0, payload, data.get("text", data.get("payload", "")), error)
    return QueuedRecord(entry_id, source, raw, deliveries)


def _text(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


class IngestQueue:
    """The producer and consumer side of the ingest streams, on one Redis client."""

    def __init__(self, client: redis_asyncio.Redis, group: str = GROUP) -> None:
        self._client = client
        self._group = group
        self._groups_made: set[str] = set()
        self.available = True  # producers fall back to inline processing while False

    async def ensure_group(self, source: str) -> None:
        """Create the stream and its consumer group if missing (from the stream's start)."""
        stream = stream_of(source)
        if stream in self._groups_made:
            return
        try:
            await self._client.xgroup_create(stream, self._group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups_made.add(stream)

    async def append(self, source: str, raws: Sequence[RawRecord]) -> list[str]:
        """Append the records of one webhook call, all or none (MULTI/EXEC); their entry ids."""
        await self.ensure_group(source)
        stream = stream_of(source)
        async with self._client.pipeline(transaction=True) as pipe:
            for raw in raws:
                pipe.xadd(stream, encode(raw))  # type: ignore[arg-type]
            ids = await pipe.execute()
        return [_text(i) for i in ids]

    async def read_new(
        self, sources: Sequence[str], consumer: str, count: int, block_ms: int | None
    ) -> list[QueuedRecord]:
        """Entries never handed out before, for ``consumer`` (waits up to ``block_ms``)."""
        return await self._read(sources, consumer, ">", count, block_ms)

    async def read_own_pending(
        self, sources: Sequence[str], consumer: str, count: int
    ) -> list[QueuedRecord]:
        """Entries handed to ``consumer`` earlier and not acknowledged (after a failed batch)."""
        return await self._read(sources, consumer, "0", count, None)

    async def _read(
        self, sources: Sequence[str], consumer: str, start: str, count: int, block: int | None
    ) -> list[QueuedRecord]:
        for source in sources:
            await self.ensure_group(source)
        streams: dict[Any, Any] = {stream_of(s): start for s in sources}
        reply: Any = await self._client.xreadgroup(
            self._group, consumer, streams, count=count, block=block
        )
        records: list[QueuedRecord] = []
        for stream, entries in reply or []:
            source = _text(stream).removeprefix(STREAM_PREFIX)
            for entry_id, fields in entries:
                if fields:  # an entry deleted while pending comes back empty
                    records.append(decode(_text(entry_id), source, fields))
        return records

    async def claim_stale(
        self, source: str, consumer: str, min_idle_ms: int, count: int
    ) -> list[QueuedRecord]:
        """Take over entries pending longer than ``min_idle_ms`` with another (dead) worker."""
        await self.ensure_group(source)
        stream = stream_of(source)
        reply = await self._client.xautoclaim(
            stream, self._group, consumer, min_idle_ms, start_id="0-0", count=count
        )
        entries = [(_text(i), f) for i, f in reply[1] if f]
        if not entries:
            return []
        counts = await self._client.xpending_range(
            stream, self._group, entries[0][0], entries[-1][0], len(entries), consumer
        )
        delivered = {_text(p["message_id"]): int(p["times_delivered"]) for p in counts}
        return [decode(i, source, f, delivered.get(i, 1)) for i, f in entries]

    async def ack(self, source: str, entry_ids: Sequence[str]) -> None:
        """Acknowledge processed entries and delete them from the stream."""
        if not entry_ids:
            return
        stream = stream_of(source)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.xack(stream, self._group, *entry_ids)
            pipe.xdel(stream, *entry_ids)
            await pipe.execute()

    async def backlog(self, source: str) -> Backlog:
        stream = stream_of(source)
        length = int(await self._client.xlen(stream))
        try:
            groups = await self._client.xinfo_groups(stream)
        except ResponseError:  # no such stream yet
            return Backlog(length, 0, 0)
        for group in groups:
            if _text(group.get("name", "")) == self._group:
                return Backlog(length, int(group["pending"]), int(group["consumers"]))
        return Backlog(length, 0, 0)
