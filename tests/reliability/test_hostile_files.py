"""Damaged or mislabelled files: what can be read is ingested, the rest is quarantined."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from cdhub.services.file_ingest import ingest_file
from cdhub.services.ingest import IngestPipeline, IngestSummary
from cdhub.services.setup import load_match_service
from cdhub.state import HubState
from connectors import get_connector
from tests.services.helpers import scalar

FIXTURES = Path(__file__).parents[1] / "connectors" / "fixtures"


def _members(count: int, prefix: str = "F") -> bytes:
    return b"".join(
        json.dumps(
            {"type": "member", "member_id": f"{prefix}{i}", "name": "林嘉欣", "nickname": "小林"},
            ensure_ascii=False,
        ).encode()
        + b"\n"
        for i in range(count)
    )


async def _ingest(
    hub: HubState, system: str, path: Path, encoding: str | None = None
) -> IngestSummary:
    pipeline = IngestPipeline(
        get_connector(system), await load_match_service(hub.sessions, hub.settings)
    )
    return await ingest_file(hub.sessions, pipeline, path, encoding=encoding, batch_size=100)


async def _reasons(hub: HubState) -> list[str]:
    async with hub.sessions() as session:
        rows = await session.execute(text("SELECT reason FROM quarantine ORDER BY id"))
        return [row[0] for row in rows]


async def test_a_truncated_gzip_file_ingests_what_it_holds_and_quarantines_the_break(
    hub: HubState, tmp_path: Path
) -> None:
    whole = gzip.compress(_members(3000))
    path = tmp_path / "shop.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    summary = await _ingest(hub, "shop", path)
    stored = await scalar(hub, "SELECT count(*) FROM source_records")
    assert 0 < stored < 3000
    assert summary.created == stored
    assert await _reasons(hub) == ["unparseable:unreadable_file"]


async def test_a_corrupt_gzip_file_is_one_quarantined_record(hub: HubState, tmp_path: Path) -> None:
    path = tmp_path / "shop.jsonl.gz"
    path.write_bytes(b"\x1f\x8b" + os.urandom(2000))
    summary = await _ingest(hub, "shop", path)
    assert (summary.read, summary.rejected) == (1, 1)
    assert await _reasons(hub) == ["unparseable:unreadable_file"]


async def test_gbk_forced_to_be_read_as_utf8_is_quarantined_line_by_line(
    hub: HubState, tmp_path: Path
) -> None:
    path = tmp_path / "shop.jsonl"
    path.write_bytes(_members(5).decode().encode("gbk"))
    summary = await _ingest(hub, "shop", path, encoding="utf-8")
    assert (summary.read, summary.rejected) == (5, 5)
    assert set(await _reasons(hub)) == {"unparseable:undecodable"}
    # Detected rather than forced, the same bytes read as GB18030 and ingest.
    again = tmp_path / "again.jsonl"
    again.write_bytes(path.read_bytes())
    assert (await _ingest(hub, "shop", again)).created == 5


async def test_an_unlabelled_gbk_csv_is_detected(hub: HubState) -> None:
    summary = await _ingest(hub, "erp", FIXTURES / "erp_customers_gbk.csv")
    assert summary.created > 0
    assert not any(reason.startswith("unparseable") for reason in summary.reasons)
    stored = await scalar(
        hub, "SELECT attributes FROM source_records WHERE source_key = '0000100777'"
    )
    attributes = stored if isinstance(stored, dict) else json.loads(stored)
    assert attributes["names"][0]["full"] == "林嘉欣"


async def test_a_csv_cut_inside_a_quoted_cell_quarantines_only_the_cut_record(
    hub: HubState, tmp_path: Path
) -> None:
    header = "call_id,caller_number,customer_name,started_at,summary\n"
    rows = "".join(f"C{i},13912345678,林小姐,2024-11-06 09:12:44,好\n" for i in range(5))
    path = tmp_path / "calls.csv"
    path.write_text(header + rows + 'C9,13912345678,林小姐,2024-11-06 09:12:44,"cut he', "utf-8")
    summary = await _ingest(hub, "callcenter", path)
    assert (summary.created, summary.rejected) == (5, 1)
    assert await _reasons(hub) == ["unparseable:invalid_csv"]


async def test_a_csv_header_naming_a_column_twice_quarantines_every_row(
    hub: HubState, tmp_path: Path
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text("call_id,call_id,summary\nC1,C2,x\nC3,C4,y\n", "utf-8")
    summary = await _ingest(hub, "callcenter", path)
    assert (summary.read, summary.rejected, summary.created) == (3, 3, 0)
    assert set(await _reasons(hub)) == {"unparseable:csv_header"}


async def test_a_jsonl_file_cut_mid_line_quarantines_the_last_line(
    hub: HubState, tmp_path: Path
) -> None:
    path = tmp_path / "shop.jsonl"
    data = _members(4)
    path.write_bytes(data[:-20])
    summary = await _ingest(hub, "shop", path)
    assert (summary.created, summary.rejected) == (3, 1)
    assert await _reasons(hub) == ["unparseable:invalid_json"]


def test_the_ingest_command_survives_a_binary_file_and_says_nothing_could_be_read(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = tmp_path / "noise.jsonl"
    path.write_bytes(os.urandom(200_000))
    env = {**os.environ, "CDHUB_DATABASE_URL": sqlite_url}
    done = subprocess.run(
        [sys.executable, "-m", "cdhub", "ingest", "shop", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]  # "nothing could be read", not a traceback
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["read"] == summary["rejected"] > 0
