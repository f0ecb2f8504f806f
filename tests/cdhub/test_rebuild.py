"""Batch rebuild (SQLite and PostgreSQL): what its bulk writes store equals the
per-golden path, and a rebuild that finds nothing new changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from cdhub.demo.generator import generate_demo
from cdhub.services import golden_views
from cdhub.services.loading import DEMO_SOURCES, ingest_paths
from cdhub.services.rebuild import load_parties, rebuild, train
from cdhub.services.setup import load_match_config
from cdhub.settings import Settings
from cdhub.state import HubState
from cdhub.storage.repo import golden as golden_repo
from mdm.blocking import blocking_keys

FIRST = datetime(2026, 1, 1, tzinfo=UTC)
SECOND = datetime(2026, 1, 2, tzinfo=UTC)


async def _load(settings: Settings, tmp_path: Path, *, defer: bool) -> None:
    files = generate_demo(tmp_path / "demo", people=60, seed=5)
    for system, attribute in DEMO_SOURCES:
        await ingest_paths(
            settings,
            system,
            [getattr(files, attribute)],
            resume=False,
            show_progress=False,
            defer_matching=defer,
        )


async def _rows(hub: HubState, sql: str) -> list[tuple[Any, ...]]:
    async with hub.sessions() as session:
        return [tuple(row) for row in (await session.execute(text(sql))).all()]


async def _state(hub: HubState) -> dict[str, list[tuple[Any, ...]]]:
    """What a rebuild writes, without the surrogate ids of detail rows."""
    queries = {
        "goldens": "SELECT id, kind, status, merged_into_id, display_name, name_pinyin,"
        " search_text, primary_phone, primary_email, province, city, tier, source_count,"
        " channel_count FROM golden_customers ORDER BY id",
        "xrefs": "SELECT source_record_id, golden_id, home_golden_id, link_method,"
        " model_version, linked_at FROM xrefs ORDER BY source_record_id",
        "keys": "SELECT source_record_id, key_type, key_value FROM blocking_keys"
        " ORDER BY source_record_id, key_type, key_value",
        "identities": "SELECT golden_id, kind, value, is_primary FROM golden_identities"
        " ORDER BY golden_id, kind, value",
        "lineage": "SELECT golden_id, attribute, value, rule FROM attribute_lineage"
        " ORDER BY golden_id, attribute, value, rule",
        "events": "SELECT event_type, golden_id, other_golden_id FROM merge_events ORDER BY id",
        "candidates": "SELECT source_record_id, golden_id, status FROM match_candidates"
        " ORDER BY source_record_id, golden_id",
    }
    return {name: await _rows(hub, sql) for name, sql in queries.items()}


async def _rebuild(hub: HubState, now: datetime) -> None:
    config = await load_match_config(hub.sessions, hub.settings, "test")
    async with hub.sessions() as session, session.begin():
        await rebuild(session, config, now)


async def test_rebuilt_and_pipelined_views_equal_survivorship_run_golden_by_golden(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    await _load(settings, tmp_path, defer=False)
    async with hub.sessions() as session, session.begin():
        (pinned,) = (await session.execute(text("SELECT min(golden_id) FROM xrefs"))).one()
        await session.execute(
            text(
                "INSERT INTO pins (golden_id, attribute, value, pinned_by)"
                " VALUES (:g, 'nickname', 'PINNED', 't')"
            ),
            {"g": pinned},
        )
        await train(session, await load_match_config(hub.sessions, hub.settings, "test"))
    await _rebuild(hub, FIRST)

    config = await load_match_config(hub.sessions, hub.settings, "test")
    everyone = [g for (g,) in await _rows(hub, "SELECT DISTINCT golden_id FROM xrefs")]
    async with hub.sessions() as session, session.begin():  # composed 7 at a time, in a thread
        await golden_views.refresh(session, everyone, config.policy, SECOND, pipeline_chunk=7)
    assert len(everyone) > 7
    decided = await _rows(
        hub,
        "SELECT DISTINCT CAST(decided_at AS TEXT) FROM attribute_lineage"
        " WHERE golden_id IN (SELECT golden_id FROM xrefs)",
    )
    assert len(decided) == 1
    assert str(decided[0][0]).startswith("2026-01-02")
    active = [
        g for (g,) in await _rows(hub, "SELECT id FROM golden_customers WHERE status = 'active'")
    ]
    assert active
    async with hub.sessions() as session:
        members = await golden_repo.members(session, active)
        pins = await golden_repo.pins(session, active)
    expected = {w.golden_id: w for w in golden_views.compose(active, members, config.policy, pins)}
    identities: dict[int, set[tuple[str, str, bool]]] = {}
    for golden, kind, value, primary in await _rows(
        hub, "SELECT golden_id, kind, value, is_primary FROM golden_identities"
    ):
        identities.setdefault(int(golden), set()).add((kind, value, bool(primary)))
    lineage: dict[int, list[tuple[str, str | None, str]]] = {}
    for golden, attribute, value, rule in await _rows(
        hub, "SELECT golden_id, attribute, value, rule FROM attribute_lineage ORDER BY id"
    ):
        lineage.setdefault(int(golden), []).append((attribute, value, rule))
    stored = {
        int(g): (name, phone, count)
        for g, name, phone, count in await _rows(
            hub,
            "SELECT id, display_name, primary_phone, source_count FROM golden_customers"
            " WHERE status = 'active'",
        )
    }
    assert sorted(expected) == sorted(active)
    assert expected[pinned].view["nickname"] == "PINNED"
    for golden, write in expected.items():
        assert stored[golden] == (write.display_name, write.primary_phone, write.source_count)
        assert identities.get(golden, set()) == {
            (kind, value, primary) for kind, value, primary, _ in write.identities
        }
        assert lineage.get(golden, []) == [(a, v, r) for a, v, _, r, _ in write.lineage]


async def test_a_second_rebuild_changes_nothing(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    await _load(settings, tmp_path, defer=True)
    async with hub.sessions() as session, session.begin():
        await train(session, await load_match_config(hub.sessions, hub.settings, "test"))
    await _rebuild(hub, FIRST)
    first = await _state(hub)
    await _rebuild(hub, SECOND)
    second = await _state(hub)
    for name in ("xrefs", "keys", "identities", "lineage", "events", "goldens"):
        assert second[name] == first[name], name
    assert len(first["goldens"]) < len(first["xrefs"])  # some records were merged
    async with hub.sessions() as session:
        loaded = await load_parties(session)
    ids, parties = loaded.ids, loaded.parties
    expected_keys = sorted(
        (rid, k.key_type, k.value)
        for rid, party in zip(ids, parties, strict=True)
        for k in set(blocking_keys(party))
    )
    assert sorted(first["keys"]) == expected_keys
