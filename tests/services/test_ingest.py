"""The ingest pipeline end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from cdhub.state import HubState
from cdhub.storage.models import QuarantinedRecord, SourceRecord
from connectors import get_connector
from connectors.base import RejectedPayload
from connectors.files import read_records
from tests.services.helpers import ALL_FIXTURES, FIXTURES, dump, golden_of, ingest, scalar


def _expected(system: str, path: Path) -> tuple[set[tuple[str, str]], set[str]]:
    """Party keys the fixture should store and origins it should quarantine."""
    connector = get_connector(system)
    keys: set[tuple[str, str]] = set()
    rejected: set[str] = set()
    for raw in read_records(path):
        origin = f"{raw.origin}:{raw.line_no}"
        if raw.payload is None:
            rejected.add(origin)
            continue
        try:
            parsed = connector.parse(raw.payload)
        except RejectedPayload:
            rejected.add(origin)
            continue
        keys.update((p.source_system, p.source_key) for p in parsed.parties)
    return keys, rejected


@pytest.mark.parametrize(("system", "name"), ALL_FIXTURES)
async def test_every_good_record_is_stored_and_every_bad_one_quarantined(
    hub: HubState, system: str, name: str
) -> None:
    path = FIXTURES / name
    keys, rejected = _expected(system, path)
    summary = await ingest(hub, system, path, batch_size=3)  # several batches, none aborted
    async with hub.sessions() as session:
        stored = {
            (r.source_system, r.source_key)
            for r in (await session.execute(select(SourceRecord))).scalars()
        }
        quarantined = list((await session.execute(select(QuarantinedRecord))).scalars())
    assert rejected, "each fixture carries malformed lines"
    assert stored == keys
    assert {q.origin for q in quarantined} == rejected
    assert all(q.reason and q.raw for q in quarantined)
    assert summary.rejected == len(rejected)
    assert summary.read == summary.rejected + len(
        [r for r in read_records(path) if f"{r.origin}:{r.line_no}" not in rejected]
    )


async def test_ingesting_the_same_files_twice_changes_nothing(hub: HubState) -> None:
    for system, name in ALL_FIXTURES:
        await ingest(hub, system, FIXTURES / name)
    before = await dump(hub)
    for system, name in ALL_FIXTURES:
        summary = await ingest(hub, system, FIXTURES / name)  # from the start again
        assert summary.created == summary.updated == 0
    assert await dump(hub) == before


async def test_a_wechat_file_with_an_unsubscribe_after_the_follower_redelivers_as_a_no_op(
    hub: HubState, tmp_path: Path
) -> None:
    follower = {"event": "user_info", "openid": "o6_redo", "nickname": "小林", "sex": 2,
                "subscribe": 1, "subscribe_time": 1700000000, "unionid": "oU_redo"}  # fmt: skip
    left = {"event": "unsubscribe", "openid": "o6_redo", "time": 1731000000}
    path = tmp_path / "wechat.jsonl"
    path.write_text(json.dumps(follower) + "\n" + json.dumps(left) + "\n", encoding="utf-8")
    first = await ingest(hub, "wechat", path, batch_size=1)  # one event a batch
    assert (first.created, first.updated) == (1, 1)
    before = await dump(hub)
    again = await ingest(hub, "wechat", path, batch_size=1)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    after = await dump(hub)
    for tables in (before, after):
        tables.pop("ingest_checkpoints")  # the file's checkpoint tells when it was read
    assert after == before
    subscribed = await scalar(
        hub, "SELECT attributes FROM source_records WHERE source_key = 'o6_redo'"
    )
    attributes = subscribed if isinstance(subscribed, dict) else json.loads(subscribed)
    assert attributes["subscribed"] is False  # the older follower event did not undo it


async def test_changing_one_field_creates_exactly_one_new_version(
    hub: HubState, tmp_path: Path
) -> None:
    original = FIXTURES / "shop.jsonl"
    await ingest(hub, "shop", original)
    versions = await scalar(hub, "SELECT count(*) FROM source_record_versions")
    changed = tmp_path / "shop.jsonl"
    lines = original.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if '"member_id": "M100234"' in line and '"type": "member"' in line:
            member = json.loads(line)
            member["email"] = "new.address@example.com"
            lines[index] = json.dumps(member, ensure_ascii=False)
            break
    else:
        pytest.fail("fixture member M100234 not found")
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = await ingest(hub, "shop", changed)
    assert (summary.created, summary.updated) == (0, 1)
    assert await scalar(hub, "SELECT count(*) FROM source_record_versions") == versions + 1
    assert await scalar(hub, "SELECT version FROM source_records WHERE source_key = 'M100234'") == 2


async def test_an_order_ingested_before_its_member_lands_on_the_members_golden(
    hub: HubState, tmp_path: Path
) -> None:
    order = {
        "type": "order",
        "tid": "E-EARLY-1",
        "member_id": "M-LATE-1",
        "created": "2024-11-03 20:15:00",
        "status": "PAID",
        "payment": "10.00",
        "items": [{"oid": "1", "sku": "S", "title": "杯", "num": 1, "price": "10.00"}],
    }
    member = {"type": "member", "member_id": "M-LATE-1", "name": "周杰", "mobile": "13600001111"}
    first, second = tmp_path / "orders.jsonl", tmp_path / "members.jsonl"
    first.write_text(json.dumps(order, ensure_ascii=False) + "\n", encoding="utf-8")
    second.write_text(json.dumps(member, ensure_ascii=False) + "\n", encoding="utf-8")
    await ingest(hub, "shop", first)
    assert await golden_of(hub, "shop", "M-LATE-1") is None
    await ingest(hub, "shop", second)
    golden = await golden_of(hub, "shop", "M-LATE-1")
    order_golden = await scalar(
        hub,
        "SELECT x.golden_id FROM orders o JOIN source_records s "
        "ON s.source_system = o.party_system AND s.source_key = o.party_key "
        "JOIN xrefs x ON x.source_record_id = s.id WHERE o.order_no = 'E-EARLY-1'",
    )
    assert golden is not None
    assert order_golden == golden


async def test_a_gbk_encoded_erp_csv_ingests_correctly(hub: HubState) -> None:
    path = FIXTURES / "erp_customers_gbk.csv"
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    await ingest(hub, "erp", path)
    utf8_keys, _ = _expected("erp", FIXTURES / "erp_customers.csv")
    names = await scalar(hub, "SELECT count(*) FROM source_records WHERE source_system = 'erp'")
    assert names >= 1
    display = await scalar(
        hub,
        "SELECT display_name FROM golden_customers WHERE display_name LIKE :n",
        n="%林氏贸易%",
    )
    assert display is not None
    assert "林氏贸易" in display
    assert utf8_keys  # the UTF-8 twin parses too


async def test_a_cli_ingest_drops_cached_views_of_the_customers_it_changed(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    from cdhub.cache import RedisCache, connect_redis
    from cdhub.notify import customer_view_key
    from cdhub.services.loading import ingest_paths
    from cdhub.settings import load_settings

    settings = load_settings(database_url=database_url, redis_url=redis_url)
    first = tmp_path / "first.jsonl"
    first.write_text(
        json.dumps({"type": "member", "member_id": "C1", "name": "周杰", "mobile": "13600001111"})
        + "\n",
        encoding="utf-8",
    )
    await ingest_paths(settings, "shop", [first], show_progress=False)
    state = HubState.open(settings)
    client = connect_redis(redis_url)
    try:
        golden = await golden_of(state, "shop", "C1")
        assert golden is not None
        cache = RedisCache(client)
        await cache.set(customer_view_key(golden), b"stale view", ttl_s=300)
        second = tmp_path / "second.jsonl"
        second.write_text(
            json.dumps(
                {"type": "member", "member_id": "C1", "name": "周杰", "mobile": "13600002222"}
            )
            + "\n",
            encoding="utf-8",
        )
        await ingest_paths(settings, "shop", [second], show_progress=False)
        assert await cache.get(customer_view_key(golden)) is None
    finally:
        await client.aclose()
        await state.close()
