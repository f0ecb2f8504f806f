"""File ingest: batches with one commit each, a checkpoint per file, retries on conflicts.

The checkpoint (file fingerprint -> offset of the first unprocessed record) is
written in the same transaction as the batch it follows, so after ``kill -9``
the same command resumes exactly after the last committed batch.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cdhub.services.ingest import IngestPipeline, IngestSummary, ParsedBatch
from cdhub.storage.models import IngestCheckpoint
from cdhub.storage.repo.upsert import upsert
from connectors.files import RawRecord, read_records

log = logging.getLogger("cdhub.ingest")

RETRIES = 8


@dataclass(frozen=True, slots=True)
class FileProgress:
    path: Path
    records: int  # records handled so far in this file
    summary: IngestSummary


def identify(path: Path) -> tuple[str, str]:
    """The absolute path and a cheap fingerprint of the file's content."""
    return os.path.abspath(path), fingerprint(path)


def fingerprint(path: Path) -> str:
    """Identifies a file's content cheaply: size plus hashes of its head and tail."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 16))
        if size > 1 << 16:
            handle.seek(max(size - (1 << 16), 0))
            digest.update(handle.read())
    return digest.hexdigest()


async def ingest_file(
    sessions: async_sessionmaker[AsyncSession],
    pipeline: IngestPipeline,
    path: Path,
    *,
    encoding: str | None = None,
    batch_size: int = 500,
    on_progress: Callable[[FileProgress], None] | None = None,
    resume: bool = True,
    on_commit: Callable[[IngestSummary], Awaitable[None]] | None = None,
) -> IngestSummary:
    """Ingest one file from its checkpoint on; returns what this run did.

    With ``resume=False`` the file is read from the start whatever the checkpoint
    says (re-delivering unchanged records is a no-op). ``on_commit`` runs after
    each committed batch (to drop cached views and announce changed customers).
    """
    system = pipeline.connector.system
    where, print_ = identify(path)
    async with sessions() as session:
        checkpoint = await _checkpoint(session, system, where, print_) if resume else None
    total = IngestSummary()
    if checkpoint is not None and checkpoint.done:
        log.info("%s: already ingested (checkpoint); nothing to do", path)
        return total
    start = checkpoint.offset if checkpoint else 0
    handled = 0
    reading = _Timed(read_records(path, encoding=encoding, start_offset=start))
    batches = _batches(reading, batch_size)

    def read_and_parse() -> tuple[list[RawRecord], int | None, ParsedBatch] | None:
        item = next(batches, None)
        if item is None:
            return None
        batch, next_offset = item
        return batch, next_offset, pipeline.parse_batch(batch)

    # The next batch is read and parsed in a worker thread while this one is
    # stored: the database works on its core while Python parses on the other.
    ahead = asyncio.ensure_future(asyncio.to_thread(read_and_parse))
    try:
        while (item := await ahead) is not None:
            batch, next_offset, parsed = item
            total.seconds["read"] += reading.take()
            ahead = asyncio.ensure_future(asyncio.to_thread(read_and_parse))
            summary = await _with_retries(
                sessions, pipeline, parsed, system, where, print_, next_offset
            )
            total.add(summary)
            if on_commit is not None:
                await on_commit(summary)
            handled += len(batch)
            if on_progress:
                on_progress(FileProgress(path, handled, total))
    finally:
        # A thread cannot be cancelled: let the read in flight finish before
        # the file and the generator go away.
        await asyncio.wait([ahead])
        if not ahead.cancelled():
            ahead.exception()  # retrieved: an error already raised is the one that counts
    async with sessions() as session, session.begin():
        await _save_checkpoint(session, system, where, print_, None)
    return total


class _Timed:
    """Times how long an iterator spends producing items (file reading and decoding)."""

    def __init__(self, items: Iterator[RawRecord]) -> None:
        self._items = items
        self._spent = 0.0

    def __iter__(self) -> Iterator[RawRecord]:
        return self

    def __next__(self) -> RawRecord:
        started = time.perf_counter()
        try:
            return next(self._items)
        finally:
            self._spent += time.perf_counter() - started

    def take(self) -> float:
        spent, self._spent = self._spent, 0.0
        return spent


def _batches(
    records: Iterator[RawRecord], size: int
) -> Iterator[tuple[list[RawRecord], int | None]]:
    """Batches with the offset of the record after each (None at the end of the file)."""
    batch: list[RawRecord] = []
    for record in records:
        if len(batch) == size:
            yield batch, record.offset
            batch = []
        batch.append(record)
    if batch:
        yield batch, None


async def _with_retries(
    sessions: async_sessionmaker[AsyncSession],
    pipeline: IngestPipeline,
    batch: ParsedBatch,
    system: str,
    where: str,
    print_: str,
    next_offset: int | None,
) -> IngestSummary:
    for attempt in range(1, RETRIES + 1):
        try:
            async with sessions() as session, session.begin():
                summary, _ = await pipeline.store_batch(session, batch, datetime.now(UTC))
                await _save_checkpoint(session, system, where, print_, next_offset)
            return summary
        except Exception as exc:
            if attempt == RETRIES or not retryable(exc):
                raise
            log.warning("batch conflicted with a concurrent writer (%s); retrying", exc)
            await asyncio.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def retryable(exc: Exception) -> bool:
    """Deadlocks, serialisation failures, unique races and SQLite's busy database."""
    if not isinstance(exc, DBAPIError):
        return False
    text = f"{type(exc.orig).__name__} {exc.orig}".lower()
    return isinstance(exc, IntegrityError) or any(
        marker in text
        for marker in ("deadlock", "serializ", "could not serialize", "database is locked", "busy")
    )


async def _checkpoint(
    session: AsyncSession, system: str, where: str, print_: str
) -> IngestCheckpoint | None:
    result = await session.execute(
        select(IngestCheckpoint).where(
            IngestCheckpoint.source_system == system,
            IngestCheckpoint.path == where,
            IngestCheckpoint.fingerprint == print_,
        )
    )
    return result.scalar_one_or_none()


async def _save_checkpoint(
    session: AsyncSession, system: str, where: str, print_: str, next_offset: int | None
) -> None:
    await upsert(
        session,
        IngestCheckpoint,
        [
            {
                "source_system": system,
                "path": where,
                "fingerprint": print_,
                "offset": next_offset or 0,
                "done": next_offset is None,
                "updated_at": datetime.now(UTC),
            }
        ],
        conflict=("source_system", "path", "fingerprint"),
        update=("offset", "done", "updated_at"),
    )
