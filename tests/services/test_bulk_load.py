"""A file load that at least doubles the hub is stored first and matched once in batch
(SQLite and PostgreSQL); smaller loads, and `--realtime`, match each record as it comes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from cdhub.demo.generator import DemoFiles, generate_demo
from cdhub.services.loading import ingest_paths, is_bulk_load
from cdhub.settings import Settings
from cdhub.state import HubState
from connectors.files import count_lines
from tests.services.helpers import dump, scalar

UNMATCHED = (
    "SELECT count(*) FROM source_records s WHERE NOT EXISTS "
    "(SELECT 1 FROM xrefs x WHERE x.source_record_id = s.id)"
)


def _demo(tmp_path: Path) -> DemoFiles:
    return generate_demo(tmp_path / "demo", people=60, seed=3)


async def _link_methods(hub: HubState, system: str) -> set[str]:
    async with hub.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT DISTINCT x.link_method FROM xrefs x JOIN source_records s "
                "ON s.id = x.source_record_id WHERE s.source_system = :system"
            ),
            {"system": system},
        )
        return {row[0] for row in rows}


async def test_a_load_that_doubles_the_hub_is_matched_in_batch_and_learns(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    files = _demo(tmp_path)
    bulky = settings.model_copy(update={"bulk_min_records": 20, "learn_min_records": 20})
    assert await is_bulk_load(hub.sessions, bulky, [files.shop])

    summary = await ingest_paths(bulky, "shop", [files.shop], show_progress=False)

    assert await scalar(hub, UNMATCHED) == 0  # every stored record is matched
    assert await _link_methods(hub, "shop") == {"rebuild"}
    assert await scalar(hub, "SELECT count(*) FROM match_models WHERE active") == 1
    goldens = await scalar(hub, "SELECT count(*) FROM golden_customers WHERE status = 'active'")
    assert summary.matching.golden_created == goldens > 0
    assert summary.seconds["match"] > 0


async def test_a_load_smaller_than_the_hub_matches_in_real_time(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    files = _demo(tmp_path)
    bulky = settings.model_copy(update={"bulk_min_records": 20, "learn_automatically": False})
    await ingest_paths(bulky, "shop", [files.shop], show_progress=False)
    assert await scalar(hub, "SELECT count(*) FROM source_records") > count_lines(files.wechat)
    assert not await is_bulk_load(hub.sessions, bulky, [files.wechat])

    await ingest_paths(bulky, "wechat", [files.wechat], show_progress=False)

    assert await scalar(hub, UNMATCHED) == 0
    assert "rebuild" not in await _link_methods(hub, "wechat")
    # learning is off: the batch match of the first load used the shipped prior
    assert await scalar(hub, "SELECT count(*) FROM match_models WHERE active") == 0


async def test_realtime_matches_each_record_even_in_a_bulk_load(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    files = _demo(tmp_path)
    bulky = settings.model_copy(update={"bulk_min_records": 20, "learn_automatically": False})
    assert await is_bulk_load(hub.sessions, bulky, [files.shop])

    await ingest_paths(bulky, "shop", [files.shop], show_progress=False, realtime=True)

    assert await scalar(hub, UNMATCHED) == 0
    assert "rebuild" not in await _link_methods(hub, "shop")


async def test_small_files_are_never_bulk_loads(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    files = _demo(tmp_path)
    assert count_lines(files.shop) < settings.bulk_min_records  # 1,000 by default
    assert not await is_bulk_load(hub.sessions, settings, [files.shop])


async def test_running_a_finished_bulk_load_again_changes_nothing(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    files = _demo(tmp_path)
    bulky = settings.model_copy(update={"bulk_min_records": 20, "learn_min_records": 20})
    await ingest_paths(bulky, "shop", [files.shop], show_progress=False)
    before = await dump(hub)

    again = await ingest_paths(bulky, "shop", [files.shop], show_progress=False, resume=False)

    assert again.unchanged > 0
    assert again.created == again.updated == 0
    assert again.matching.records_matched == 0  # no batch match ran
    assert await dump(hub) == before


async def test_a_bulk_load_stopped_before_its_batch_match_is_matched_when_run_again(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    files = _demo(tmp_path)
    bulky = settings.model_copy(update={"bulk_min_records": 20, "learn_automatically": False})
    # every batch committed, the batch match never ran (as when killed right before it)
    await ingest_paths(bulky, "shop", [files.shop], show_progress=False, defer_matching=True)
    assert await scalar(hub, UNMATCHED) > 0

    again = await ingest_paths(bulky, "shop", [files.shop], show_progress=False)

    assert again.created == again.updated == 0  # the checkpoint says the file is done
    assert await scalar(hub, UNMATCHED) == 0
    assert await _link_methods(hub, "shop") == {"rebuild"}


async def test_a_real_time_batch_larger_than_one_match_part_is_matched_part_by_part(
    hub: HubState, settings: Settings, tmp_path: Path
) -> None:
    from cdhub.services.matching import MATCH_PART

    files = generate_demo(tmp_path / "demo", people=300, seed=5)
    off = settings.model_copy(update={"learn_automatically": False})
    summary = await ingest_paths(
        off, "shop", [files.shop], show_progress=False, batch_size=5000, realtime=True
    )

    assert summary.created > MATCH_PART  # one batch, several parts
    assert await scalar(hub, UNMATCHED) == 0
    assert "rebuild" not in await _link_methods(hub, "shop")
    # a member's guest orders under the same mobile found the member across parts
    goldens = await scalar(hub, "SELECT count(DISTINCT golden_id) FROM xrefs")
    assert goldens < summary.created
