"""Test helpers: run files through the real pipeline and read tables back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from cdhub.services.file_ingest import ingest_file
from cdhub.services.ingest import IngestPipeline, IngestSummary
from cdhub.services.setup import load_match_service
from cdhub.state import HubState
from cdhub.storage.models import Base
from connectors import get_connector

FIXTURES = Path(__file__).resolve().parent.parent / "connectors" / "fixtures"

ALL_FIXTURES: tuple[tuple[str, str], ...] = (
    ("shop", "shop.jsonl"),
    ("erp", "erp_customers.csv"),
    ("erp", "erp_orders.csv"),
    ("erp", "erp_deliveries.csv"),
    ("callcenter", "callcenter.csv"),
    ("wechat", "wechat.jsonl"),
)


async def ingest(
    hub: HubState, system: str, path: Path, *, resume: bool = False, batch_size: int = 500
) -> IngestSummary:
    pipeline = IngestPipeline(
        get_connector(system), await load_match_service(hub.sessions, hub.settings)
    )
    return await ingest_file(hub.sessions, pipeline, path, resume=resume, batch_size=batch_size)


async def dump(hub: HubState) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, for before/after comparisons."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with hub.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).all()
            tables[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return tables


async def scalar(hub: HubState, sql: str, **params: Any) -> Any:
    async with hub.sessions() as session:
        return (await session.execute(text(sql), params)).scalar()


async def golden_of(hub: HubState, system: str, key: str) -> int | None:
    value = await scalar(
        hub,
        "SELECT x.golden_id FROM xrefs x JOIN source_records s ON s.id = x.source_record_id "
        "WHERE s.source_system = :s AND s.source_key = :k",
        s=system,
        k=key,
    )
    return None if value is None else int(value)
