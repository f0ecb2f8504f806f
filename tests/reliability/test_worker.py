"""Queued ingest: webhooks append to Redis Streams; workers apply every entry once in effect."""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as redis_asyncio
from sqlalchemy import text

from cdhub.app import create_app
from cdhub.cache import connect_redis
from cdhub.queue import GROUP, IngestQueue, stream_of
from cdhub.settings import load_settings
from cdhub.state import HubState
from cdhub.webhooks import hmac_signature
from cdhub.worker import Worker
from connectors.files import RawRecord
from tests.reliability.conftest import cdhub_env, start_cdhub
from tests.reliability.hostile_corpus import CASES, INGESTED
from tests.reliability.snapshot import clusters, differences, snapshot
from tests.reliability.test_hostile_corpus import _ingested_wrongly
from tests.services.helpers import scalar

SECRET = "queued"
#: Tables whose rows record the order things happened in, or entry ids: not compared.
ORDER_DEPENDENT = (
    "idempotency_keys",
    "quarantine",
    "merge_events",
    "xrefs",
    "match_candidates",
    "golden_customers",
    "golden_identities",
    "attribute_lineage",
)
SOURCES = ("shop", "wechat", "callcenter")


def _hub(database_url: str, redis_url: str | None) -> HubState:
    settings = load_settings(
        database_url=database_url,
        redis_url=redis_url,
        webhook_secrets={s: SECRET for s in SOURCES},
    )
    return HubState.open(settings)


@pytest.fixture
async def queued_hub(database_url: str, redis_url: str) -> AsyncIterator[HubState]:
    state = _hub(database_url, redis_url)
    yield state
    await state.close()


async def _post(hub: HubState, source: str, body: bytes, content_type: str) -> httpx.Response:
    app = create_app(hub.settings, state=hub)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub", timeout=60
    ) as http:
        return await http.post(
            f"/connectors/{source}/events",
            content=body,
            headers={
                "x-cdhub-signature": hmac_signature(SECRET, body),
                "content-type": content_type,
            },
        )


def _worker(hub: HubState, queue: IngestQueue, consumer: str, **options: Any) -> Worker:
    return Worker(
        hub.sessions,
        hub.settings,
        queue,
        sources=SOURCES,
        consumer=consumer,
        block_ms=50,
        cache=hub.cache,
        broker=hub.broker,
        **options,
    )


async def test_queued_webhook_records_get_the_outcome_the_corpus_expects(
    queued_hub: HubState,
) -> None:
    cases = [c for c in CASES if c.feed in ("shop", "shop_orders") and len(c.line) < 100_000]
    response = await _post(
        queued_hub, "shop", b"\n".join(c.line for c in cases), "application/x-ndjson"
    )
    assert response.status_code == 202
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["queued"] * len(cases)
    assert await scalar(queued_hub, "SELECT count(*) FROM source_records") == 0
    assert queued_hub.queue is not None
    worker = _worker(queued_hub, queued_hub.queue, "only")
    report = await worker.run(asyncio.Event(), drain=True)
    assert report.entries == len(cases)
    wrong = []
    for case, result in zip(cases, results, strict=True):
        origin = f"queue:shop:{result['id']}:{result['line']}"
        reason = await scalar(
            queued_hub, "SELECT reason FROM quarantine WHERE origin = :o", o=origin
        )
        if case.expect == INGESTED:
            problem = await _ingested_wrongly(queued_hub, case)
            if reason is not None or problem is not None:
                wrong.append(f"{case.id}: {reason or problem}")
        elif reason != case.expect:
            wrong.append(f"{case.id}: {reason}, expected {case.expect}")
    assert wrong == [], "\n".join(wrong)
    backlog = await queued_hub.queue.backlog("shop")
    assert (backlog.length, backlog.pending) == (0, 0)


class _DiesBeforeAck(IngestQueue):
    async def ack(self, source: str, entry_ids: Any) -> None:
        raise RuntimeError("worker killed between commit and acknowledgement")


def _member(nickname: str) -> RawRecord:
    payload = {"type": "member", "member_id": "ONCE", "name": "林嘉欣", "nickname": nickname}
    return RawRecord("test", 1, 0, payload, json.dumps(payload), None)


async def test_an_entry_committed_but_not_acknowledged_takes_effect_once(
    queued_hub: HubState, redis_url: str
) -> None:
    client = connect_redis(redis_url)
    try:
        queue = IngestQueue(client)
        await queue.append("shop", [_member("a"), _member("b")])
        dying = _worker(queued_hub, _DiesBeforeAck(client), "dies")
        with pytest.raises(RuntimeError, match="killed"):
            await dying.step()  # committed a, b; never acknowledged them
        await queue.append("shop", [_member("c")])
        survivor = _worker(queued_hub, queue, "survivor", claim_idle_ms=3_600_000)
        assert await survivor.step() == 1  # the new entry first: nickname c
        survivor.claim_idle_ms = 0
        assert await survivor.step() == 2  # then the dead worker's two, already done
        assert survivor.report.skipped == 2
        attributes = await scalar(
            queued_hub, "SELECT attributes FROM source_records WHERE source_key = 'ONCE'"
        )
        stored = attributes if isinstance(attributes, dict) else json.loads(attributes)
        assert stored["nickname"] == "c"  # re-applying a, b would have turned it back to b
        assert await scalar(queued_hub, "SELECT count(*) FROM source_record_versions") == 2
        backlog = await queue.backlog("shop")
        assert (backlog.length, backlog.pending) == (0, 0)
    finally:
        await client.aclose()


async def test_without_redis_configured_webhooks_process_inline(sqlite_url: str) -> None:
    hub = _hub(sqlite_url, None)
    try:
        body = json.dumps({"type": "member", "member_id": "INLINE", "name": "林嘉欣"}).encode()
        response = await _post(hub, "shop", body, "application/json")
        assert response.status_code == 200
        assert response.json()["results"][0]["status"] == "created"
        assert hub.queue is None
    finally:
        await hub.close()


async def test_with_redis_unreachable_webhooks_fall_back_to_inline(sqlite_url: str) -> None:
    hub = _hub(sqlite_url, "redis://127.0.0.1:1/0")
    try:
        body = json.dumps({"type": "member", "member_id": "FALLBACK", "name": "林嘉欣"}).encode()
        response = await _post(hub, "shop", body, "application/json")
        assert response.status_code == 200
        assert response.json()["results"][0]["status"] == "created"
        assert hub.queue is not None
        assert hub.queue.available is False
    finally:
        await hub.close()


# -- two workers, one killed mid-batch --------------------------------------------------------

PEOPLE = 300
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def _people_bodies() -> list[tuple[str, bytes, str]]:
    """Webhook bodies for PEOPLE clear-cut people: a member, a follower and a call each,
    tied by unionid and mobile, plus hostile lines and every body of calls sent twice."""
    shop, wechat, calls = [], [], []
    for i in range(PEOPLE):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[i // len(SURNAMES) % len(GIVEN)] + GIVEN[i % 7]
        mobile, unionid = f"139{i:08d}", f"oUnion{i:06d}"
        shop.append(
            {"type": "member", "member_id": f"W{i}", "name": name, "mobile": mobile,
             "unionid": unionid, "email": f"p{i}@example.com"}
        )  # fmt: skip
        wechat.append(
            {"event": "user_info", "openid": f"oW{i}", "unionid": unionid, "nickname": f"n{i}",
             "subscribe": 1, "subscribe_time": 1700000000 + i}
        )  # fmt: skip
        calls.append(
            {"call_id": f"WC{i}", "caller_number": mobile, "customer_name": name,
             "started_at": "2024-11-06 09:12:44", "duration_s": "30"}
        )  # fmt: skip
    hostile = [c.line for c in CASES if c.feed == "shop" and len(c.line) < 4096][:40]
    bodies: list[tuple[str, bytes, str]] = []
    for start in range(0, PEOPLE, 50):
        lines = [json.dumps(p, ensure_ascii=False).encode() for p in shop[start : start + 50]]
        lines += hostile[start // 50 * 7 : start // 50 * 7 + 7]
        bodies.append(("shop", b"\n".join(lines), "application/x-ndjson"))
        bodies.append(
            ("wechat", json.dumps(wechat[start : start + 50]).encode(), "application/json")
        )
        call_body = json.dumps(calls[start : start + 50], ensure_ascii=False).encode()
        bodies += [("callcenter", call_body, "application/json")] * 2
    return bodies


async def _send_all(hub: HubState, bodies: list[tuple[str, bytes, str]]) -> int:
    sent = 0
    for source, body, content_type in bodies:
        response = await _post(hub, source, body, content_type)
        assert response.status_code in (200, 202, 422), response.text[:300]
        sent += len(response.json()["results"])
    return sent


async def _pending_of(client: redis_asyncio.Redis, consumer: str) -> int:
    total = 0
    for source in SOURCES:
        try:
            for entry in await client.xinfo_consumers(stream_of(source), GROUP):
                if entry["name"] in (consumer, consumer.encode()):
                    total += int(entry["pending"])
        except Exception:  # no group yet
            continue
    return total


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_workers_one_killed_mid_batch_apply_every_entry_once(
    new_database: Callable[[str], str], redis_url: str, tmp_path: Path
) -> None:
    bodies = _people_bodies()
    queued_url, inline_url = new_database("postgres"), new_database("postgres")
    inline = _hub(inline_url, None)
    queued = _hub(queued_url, redis_url)
    client = connect_redis(redis_url)
    try:
        await _send_all(inline, bodies)  # the reference: every body processed inline
        entries = await _send_all(queued, bodies)
        env = cdhub_env(queued_url, redis_url)
        args = ["worker", "--batch-size", "20", "--claim-idle-s", "2"]
        victim = start_cdhub([*args, "--consumer", "victim"], env, tmp_path)
        # Kill it while it holds a batch it has read but not acknowledged.
        while victim.poll() is None and not (  # noqa: ASYNC110
            await scalar(queued, "SELECT count(*) FROM idempotency_keys") > 0
            and await _pending_of(client, "victim") > 0
        ):
            await asyncio.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.communicate()
        assert victim.returncode == -signal.SIGKILL
        assert await _pending_of(client, "victim") > 0  # it died holding entries
        workers = [
            start_cdhub([*args, "--consumer", name, "--drain"], env, tmp_path)
            for name in ("second", "third")
        ]
        outputs = [await asyncio.to_thread(w.communicate, timeout=240) for w in workers]
        assert [w.returncode for w in workers] == [0, 0], [o[1][-2000:] for o in outputs]
        reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
        assert all(r["entries"] > 0 for r in reports)  # both shared the load
        for source in SOURCES:
            backlog = await queued.queue.backlog(source)  # type: ignore[union-attr]
            assert (backlog.length, backlog.pending) == (0, 0), source
        assert await scalar(queued, "SELECT count(*) FROM idempotency_keys") == entries
        # Workers take the three streams in another order than the inline reference did,
        # so the matching history (who created which golden) may differ; what was
        # stored, and which records make one customer, may not.
        reference = await snapshot(inline.sessions, skip=ORDER_DEPENDENT)
        result = await snapshot(queued.sessions, skip=ORDER_DEPENDENT)
        diff = differences(reference, result)
        assert diff == {}, "\n".join(f"{t}:\n  " + "\n  ".join(r) for t, r in diff.items())
        assert clusters(await snapshot(queued.sessions)) == clusters(
            await snapshot(inline.sessions)
        )
        assert await _quarantined(queued) == await _quarantined(inline)
    finally:
        await client.aclose()
        await inline.close()
        await queued.close()


async def _quarantined(hub: HubState) -> Counter[tuple[str, str, str]]:
    async with hub.sessions() as session:
        rows = await session.execute(text("SELECT source_system, reason, raw_hash FROM quarantine"))
        return Counter((str(a), str(b), str(c)) for a, b, c in rows)
