"""On generated demo data, shared landlines and common names never merge different people."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from cdhub.demo.generator import generate_demo
from cdhub.services.loading import DEMO_SOURCES, ingest_paths
from cdhub.state import HubState
from cdhub.storage.models import SourceRecord, Xref


@pytest.mark.slow
async def test_shared_phones_and_common_names_do_not_merge_different_people(
    hub: HubState, tmp_path: Path
) -> None:
    files = generate_demo(tmp_path / "demo", people=400, seed=29)
    for system, attribute in DEMO_SOURCES:
        await ingest_paths(
            hub.settings, system, [getattr(files, attribute)], resume=False, show_progress=False
        )
    with files.truth.open(encoding="utf-8") as handle:
        truth = {
            (r["source_system"], r["source_key"]): r["entity_id"] for r in csv.DictReader(handle)
        }
    async with hub.sessions() as session:
        rows = (
            await session.execute(
                select(
                    SourceRecord.source_system,
                    SourceRecord.source_key,
                    SourceRecord.attributes,
                    Xref.golden_id,
                ).join(Xref, Xref.source_record_id == SourceRecord.id)
            )
        ).all()
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)  # trap value -> entities
    golden_entities: dict[int, set[str]] = defaultdict(set)
    for system, key, attributes, golden in rows:
        entity = truth[(system, key)]
        golden_entities[golden].add(entity)
        for phone in attributes.get("phones", []):
            if phone.get("e164"):
                holders[("phone", phone["e164"])].add(entity)
        for name in attributes.get("names", []):
            if name.get("full") and name.get("given"):
                holders[("name", name["full"])].add(entity)
    traps = {value: entities for value, entities in holders.items() if len(entities) > 1}
    assert any(kind == "phone" and len(e) >= 5 for (kind, _), e in traps.items()), (
        "no landline trap"
    )
    assert any(kind == "name" for kind, _ in traps), "no common-name trap"
    merged_wrongly = [
        (value, sorted(entities & members))
        for value, entities in traps.items()
        for members in golden_entities.values()
        if len(entities & members) > 1
    ]
    assert merged_wrongly == [], "\n".join(map(str, merged_wrongly))
