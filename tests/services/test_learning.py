"""Learning the model from the hub's own records once there are enough (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from cdhub.demo.generator import generate_demo
from cdhub.services.learning import learn_if_due, learning_due
from cdhub.services.loading import DEMO_SOURCES, ingest_paths
from cdhub.settings import Settings, load_settings
from cdhub.state import HubState
from cdhub.storage.engine import create_engine, create_sessionmaker
from cdhub.storage.repo import decisions as decisions_repo
from tests.services.helpers import scalar


@pytest.mark.parametrize(
    ("records", "trained_on", "due"),
    [
        ({"shop": 999}, None, False),  # too few to learn from
        ({"shop": 1000}, None, True),  # enough, and only the prior serves
        ({"shop": 1500}, {"shop": 1000}, False),  # learned already; not grown enough
        ({"shop": 2000}, {"shop": 1000}, True),  # doubled since: learn again
        # the call center, unseen by the model, now holds a real share of the hub
        ({"shop": 1000, "callcenter": 400}, {"shop": 1000}, True),
        ({"shop": 1000, "callcenter": 40}, {"shop": 1000}, False),  # a sliver: not yet
        ({"shop": 1000, "callcenter": 400}, {"shop": 1000, "callcenter": 300}, False),
        # a model saved before sources were kept: only the total counts
        ({"shop": 1000, "callcenter": 400}, {"": 1000}, False),
        ({"shop": 1000, "callcenter": 1000}, {"": 1000}, True),
    ],
)
def test_learning_is_due_with_enough_records_or_enough_growth(
    records: dict[str, int], trained_on: dict[str, int] | None, due: bool
) -> None:
    assert learning_due(records, trained_on, min_records=1000, growth=2.0) is due


async def test_the_hub_learns_once_it_holds_enough_records_then_waits_to_grow(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    files = generate_demo(tmp_path / "demo", people=60, seed=3)
    learning = settings.model_copy(update={"learn_min_records": 50, "learn_growth": 2.0})
    for system, attribute in DEMO_SOURCES:
        await ingest_paths(learning, system, [getattr(files, attribute)], resume=False)
    engine = create_engine(learning)
    sessions = create_sessionmaker(engine)
    try:
        report = await learn_if_due(sessions, learning, "test")
        assert report is not None
        records = await scalar(hub, "SELECT count(*) FROM source_records")
        assert report.records == records >= 50
        assert report.rebuild.records == records
        assert await scalar(hub, "SELECT count(*) FROM match_models WHERE active") == 1
        # learned from every record: nothing to learn until the hub doubles
        assert await learn_if_due(sessions, learning, "test") is None
        off = learning.model_copy(update={"learn_automatically": False, "learn_min_records": 2})
        assert await learn_if_due(sessions, off, "test") is None
    finally:
        await engine.dispose()


async def test_a_source_system_the_model_never_saw_makes_learning_due_again(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    files = generate_demo(tmp_path / "demo", people=60, seed=3)
    learning = settings.model_copy(update={"learn_min_records": 50, "learn_growth": 3.0})
    engine = create_engine(learning)
    sessions = create_sessionmaker(engine)
    try:
        await ingest_paths(learning, "shop", [files.shop], resume=False)
        first = await learn_if_due(sessions, learning, "test")
        assert first is not None
        assert await learn_if_due(sessions, learning, "test") is None
        await ingest_paths(learning, "callcenter", [files.callcenter], resume=False)
        callers = await scalar(
            hub, "SELECT count(*) FROM source_records WHERE source_system = 'callcenter'"
        )
        shop = await scalar(hub, "SELECT count(*) FROM source_records WHERE source_system = 'shop'")
        # the hub has not grown threefold: the new source alone makes learning due
        assert callers + shop < 3 * shop
        second = await learn_if_due(sessions, learning, "test")
        assert second is not None
        assert second.model != first.model
        async with sessions() as session:
            learned = await decisions_repo.trained_on(session)
        assert learned == {"shop": shop, "callcenter": callers}
    finally:
        await engine.dispose()


async def _loaded_without_learning(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """A hub of demo data matched in real time by the prior; settings that learn at 50 records."""
    settings = load_settings(database_url=database_url, redis_url=redis_url).model_copy(
        update={"learn_min_records": 50}
    )
    files = generate_demo(tmp_path / "demo", people=60, seed=3)
    off = settings.model_copy(update={"learn_automatically": False})
    for system, attribute in DEMO_SOURCES:
        await ingest_paths(off, system, [getattr(files, attribute)], resume=False)
    return settings


async def test_learning_drops_the_cached_views_of_the_customers_it_moved(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    from cdhub.cache import RedisCache, connect_redis
    from cdhub.commands_ingest import learn_if_due_and_tell
    from cdhub.notify import customer_view_key

    settings = await _loaded_without_learning(database_url, redis_url, tmp_path)
    state = HubState.open(settings)
    client = connect_redis(redis_url)
    try:
        sql = "SELECT source_record_id, golden_id FROM xrefs ORDER BY 1"
        async with state.sessions() as session:
            before = dict((await session.execute(text(sql))).all())
        cache = RedisCache(client)
        for golden in set(before.values()):
            await cache.set(customer_view_key(golden), b"view", ttl_s=300)
        await learn_if_due_and_tell(settings)
        async with state.sessions() as session:
            after = dict((await session.execute(text(sql))).all())
        moved = {g for r in before for g in (before[r], after[r]) if before[r] != after[r]}
        assert moved  # the learned model re-matched some records
        for golden in set(before.values()):
            kept = await cache.get(customer_view_key(golden))
            assert (kept is None) == (golden in moved), golden
    finally:
        await client.aclose()
        await state.close()


async def test_a_worker_learns_when_the_hub_has_grown_enough(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    from cdhub.cache import connect_redis
    from cdhub.queue import IngestQueue
    from cdhub.worker import Worker

    settings = await _loaded_without_learning(database_url, redis_url, tmp_path)
    state = HubState.open(settings)
    client = connect_redis(redis_url)
    try:
        assert await scalar(state, "SELECT count(*) FROM match_models") == 0
        queue = IngestQueue(client)
        worker = Worker(
            state.sessions, settings, queue, sources=("shop",), consumer="w", block_ms=10
        )
        await worker.step()
        assert await scalar(state, "SELECT count(*) FROM match_models WHERE active") == 1
    finally:
        await client.aclose()
        await state.close()
