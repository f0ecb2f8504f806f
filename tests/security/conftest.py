"""Fixtures for the security tests: a few golden customers without running ingest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import GoldenCustomer, SourceRecord, Xref

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


async def add_golden(
    session: AsyncSession, *, merged_into: int | None = None, status: str | None = None
) -> int:
    golden = GoldenCustomer(
        kind="person",
        status=status or ("merged" if merged_into else "active"),
        merged_into_id=merged_into,
        display_name="someone",
        view={},
    )
    session.add(golden)
    await session.flush()
    return golden.id


async def add_record(
    session: AsyncSession, golden_id: int, system: str, key: str, raw: dict[str, Any]
) -> int:
    record = SourceRecord(
        source_system=system,
        source_key=key,
        party_kind="person",
        content_hash=key,
        raw=raw,
        attributes={},
    )
    session.add(record)
    await session.flush()
    session.add(Xref(source_record_id=record.id, golden_id=golden_id, link_method="new"))
    await session.flush()
    return record.id
