"""Learning the model from the hub's own records once there are enough (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdhub.demo.generator import generate_demo
from cdhub.services.learning import learn_if_due, learning_due
from cdhub.services.loading import DEMO_SOURCES, ingest_paths
from cdhub.settings import Settings
from cdhub.state import HubState
from cdhub.storage.engine import create_engine, create_sessionmaker
from tests.services.helpers import scalar


@pytest.mark.parametrize(
    ("records", "trained_on", "due"),
    [
        (999, None, False),  # too few to learn from
        (1000, None, True),  # enough, and only the prior serves
        (1500, 1000, False),  # learned already; not grown enough
        (2000, 1000, True),  # doubled since: learn again
    ],
)
def test_learning_is_due_with_enough_records_or_enough_growth(
    records: int, trained_on: int | None, due: bool
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
