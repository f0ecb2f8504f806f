"""Merge, unmerge, review decisions and pins through the real services."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cdhub.services import stewardship
from cdhub.services.file_ingest import ingest_file
from cdhub.services.ingest import IngestPipeline
from cdhub.services.matching import MatchConfig, MatchService
from cdhub.services.stewardship import Steward, StewardError
from cdhub.state import HubState
from connectors import get_connector
from mdm.model import load_default_model
from mdm.settings import default_settings
from mdm.survivorship import load_policy
from tests.services.helpers import golden_of, scalar

NOW = datetime(2025, 1, 1, tzinfo=UTC)
STEWARD = Steward(load_policy(), "steward@test")


def _write(path: Path, *payloads: dict[str, Any]) -> Path:
    path.write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in payloads), encoding="utf-8"
    )
    return path


async def _ingest(hub: HubState, path: Path, config: MatchConfig | None = None) -> None:
    config = config or MatchConfig(default_settings(), load_default_model(), load_policy())
    pipeline = IngestPipeline(get_connector("shop"), MatchService(config))
    await ingest_file(hub.sessions, pipeline, path, resume=False)


def _member(member_id: str, name: str, mobile: str, **extra: Any) -> dict[str, Any]:
    return {"type": "member", "member_id": member_id, "name": name, "mobile": mobile, **extra}


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


async def _orders_of(hub: HubState, golden_id: int) -> set[str]:
    async with hub.sessions() as session:
        from sqlalchemy import text

        rows = await session.execute(
            text(
                "SELECT o.order_no FROM orders o JOIN source_records s ON "
                "s.source_system = o.party_system AND s.source_key = o.party_key "
                "JOIN xrefs x ON x.source_record_id = s.id WHERE x.golden_id = :g"
            ),
            {"g": golden_id},
        )
        return set(rows.scalars())


async def test_merge_then_unmerge_restores_goldens_and_moves_facts_back(
    hub: HubState, tmp_path: Path
) -> None:
    await _ingest(
        hub,
        _write(
            tmp_path / "a.jsonl",
            _member("M1", "赵敏", "13611112222"),
            _member("M2", "周芷若", "13733334444"),
            _order("T1", "M1", 5),
            _order("T2", "M2", 7),
        ),
    )
    first, second = await golden_of(hub, "shop", "M1"), await golden_of(hub, "shop", "M2")
    assert first is not None
    assert second is not None
    assert first != second
    async with hub.sessions() as session, session.begin():
        survivor = await stewardship.merge(session, STEWARD, second, first, "same person", NOW)
    assert survivor == min(first, second)
    assert await golden_of(hub, "shop", "M2") == survivor
    assert await _orders_of(hub, survivor) == {"T1", "T2"}
    async with hub.sessions() as session:
        assert await stewardship.active_golden(session, max(first, second)) == survivor
    async with hub.sessions() as session, session.begin():
        revived = await stewardship.unmerge(session, STEWARD, "shop", "M2", "not the same", NOW)
    assert revived == second
    assert await golden_of(hub, "shop", "M1") == first
    assert await golden_of(hub, "shop", "M2") == second
    assert await _orders_of(hub, first) == {"T1"}
    assert await _orders_of(hub, second) == {"T2"}
    status = await scalar(hub, "SELECT status FROM golden_customers WHERE id = :g", g=second)
    assert status == "active"
    events = await scalar(
        hub, "SELECT count(*) FROM merge_events WHERE event_type IN ('manual_merge', 'unmerge')"
    )
    assert events == 2


async def test_an_absorbed_id_still_resolves_to_the_survivor(hub: HubState, tmp_path: Path) -> None:
    await _ingest(
        hub,
        _write(
            tmp_path / "a.jsonl",
            _member("M1", "赵敏", "13611112222"),
            _member("M2", "周芷若", "13733334444"),
            _member("M3", "小昭", "13855556666"),
        ),
    )
    ids = [await golden_of(hub, "shop", k) for k in ("M1", "M2", "M3")]
    a, b, c = (int(i) for i in ids if i is not None)
    async with hub.sessions() as session, session.begin():
        await stewardship.merge(session, STEWARD, b, c, None, NOW)
        await stewardship.merge(session, STEWARD, a, b, None, NOW)
    async with hub.sessions() as session:
        for old in (a, b, c):
            assert await stewardship.active_golden(session, old) == a


async def test_a_rejected_pair_is_never_proposed_again(hub: HubState, tmp_path: Path) -> None:
    # Thresholds out of reach for MATCH: every plausible pair becomes a review candidate.
    settings = default_settings()
    strict = dataclasses.replace(
        settings,
        thresholds=dataclasses.replace(settings.thresholds, match_weight=1000.0),
    )
    config = MatchConfig(strict, load_default_model(), load_policy())
    await _ingest(hub, _write(tmp_path / "a.jsonl", _member("M1", "林嘉欣", "13912345678")), config)
    await _ingest(hub, _write(tmp_path / "b.jsonl", _member("M9", "林嘉欣", "13912345678")), config)
    candidate = await scalar(hub, "SELECT id FROM match_candidates WHERE status = 'open'")
    assert candidate is not None
    async with hub.sessions() as session, session.begin():
        await stewardship.resolve_candidate(session, STEWARD, int(candidate), False, NOW)
    # A new version of the record is matched again: the pair must not come back.
    await _ingest(
        hub,
        _write(tmp_path / "c.jsonl", _member("M9", "林嘉欣", "13912345678", email="l@x.cn")),
        config,
    )
    assert await scalar(hub, "SELECT count(*) FROM match_candidates WHERE status = 'open'") == 0
    assert await golden_of(hub, "shop", "M9") != await golden_of(hub, "shop", "M1")
    async with hub.sessions() as session, session.begin():
        with pytest.raises(StewardError, match="already rejected"):
            await stewardship.resolve_candidate(session, STEWARD, int(candidate), True, NOW)


async def test_a_pinned_value_wins_and_unknown_attributes_are_refused(
    hub: HubState, tmp_path: Path
) -> None:
    await _ingest(hub, _write(tmp_path / "a.jsonl", _member("M1", "赵敏", "13611112222")))
    golden = await golden_of(hub, "shop", "M1")
    assert golden is not None
    async with hub.sessions() as session, session.begin():
        await stewardship.pin(session, STEWARD, golden, "email", "pinned@example.com", NOW)
    assert (
        await scalar(hub, "SELECT primary_email FROM golden_customers WHERE id = :g", g=golden)
        == "pinned@example.com"
    )
    rule = await scalar(
        hub,
        "SELECT rule FROM attribute_lineage WHERE golden_id = :g AND attribute = 'email'",
        g=golden,
    )
    assert rule == "pinned"
    async with hub.sessions() as session, session.begin():
        with pytest.raises(StewardError) as error:
            await stewardship.pin(session, STEWARD, golden, "shoe_size", "42", NOW)
    assert error.value.code == "BAD_USER_INPUT"
