"""Customers made by the real ingest pipeline, for mutations that re-run survivorship.

`ingest_people` loads shop members (and orders that earn points) from JSONL
through the same pipeline the hub uses, so every source record has real
attributes, blocking keys and lineage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from cdhub.services.file_ingest import ingest_file
from cdhub.services.ingest import IngestPipeline
from cdhub.services.matching import MatchConfig, MatchService
from cdhub.state import HubState
from connectors import get_connector
from mdm.model import load_default_model
from mdm.settings import default_settings
from mdm.survivorship import load_policy

MEMBERS = {
    "M1": ("赵敏", "13611112222", "zhao.min@example.com"),
    "M2": ("周芷若", "13733334444", None),
    "M3": ("小昭", "13855556666", None),
}


@dataclass(frozen=True)
class People:
    golden: dict[str, int]  # member id -> golden id
    records: dict[str, int]  # member id -> source record id


def _member(member_id: str) -> dict[str, Any]:
    name, mobile, email = MEMBERS[member_id]
    payload: dict[str, Any] = {
        "type": "member",
        "member_id": member_id,
        "name": name,
        "mobile": mobile,
        "registered_at": "2024-05-02T10:11:12+08:00",
        "address": "上海市徐汇区漕溪北路88号",
    }
    if email:
        payload["email"] = email
    return payload


def _order(tid: str, member_id: str, points: int) -> dict[str, Any]:
    return {
        "type": "order",
        "tid": tid,
        "member_id": member_id,
        "created": "2024-11-03 20:15:00",
        "status": "PAID",
        "payment": "10.00",
        "points_earned": points,
        "items": [{"oid": "1", "sku": "S", "title": "杯", "num": 1, "price": "10.00"}],
    }


async def ingest_people(hub: HubState, workdir: Path, points: int = 100) -> People:
    """M1, M2 and M3 as three customers; M1 earned ``points`` with one order."""
    path = workdir / "people.jsonl"
    payloads = [_member(m) for m in MEMBERS] + [_order("T-M1", "M1", points)]
    path.write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in payloads), encoding="utf-8"
    )
    config = MatchConfig(default_settings(), load_default_model(), load_policy())
    pipeline = IngestPipeline(get_connector("shop"), MatchService(config))
    await ingest_file(hub.sessions, pipeline, path, resume=False)
    golden: dict[str, int] = {}
    records: dict[str, int] = {}
    async with hub.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT s.source_key, s.id, x.golden_id FROM source_records s "
                "JOIN xrefs x ON x.source_record_id = s.id WHERE s.source_system = 'shop'"
            )
        )
        for key, record_id, golden_id in rows:
            records[key], golden[key] = int(record_id), int(golden_id)
    assert len(set(golden.values())) == len(MEMBERS), golden
    return People(golden, records)


async def count(hub: HubState, sql: str, **params: Any) -> int:
    async with hub.sessions() as session:
        return int((await session.execute(text(sql), params)).scalar() or 0)


async def rename_behind_the_hubs_back(hub: HubState, golden_id: int, name: str) -> None:
    """Change a golden name in the database without telling any cache."""
    async with hub.sessions() as session, session.begin():
        await session.execute(
            text("UPDATE golden_customers SET display_name = :n WHERE id = :g"),
            {"n": name, "g": golden_id},
        )
