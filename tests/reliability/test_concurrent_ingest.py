"""Eight `cdhub ingest` processes over overlapping files end as one sequential load does.

Every person is in the shop, the call center and the ERP (name and mobile in
each, so any two of their records match on their own). The files overlap:
each record is in two or three of them. Eight commands run at once against
one PostgreSQL database and must end with the same source records, facts and
golden clusters as the same files ingested one after another, and with one
golden customer per person: no duplicate created by a race, none lost.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cdhub.services.file_ingest import ingest_file
from cdhub.services.ingest import IngestPipeline
from cdhub.services.setup import load_match_service
from cdhub.settings import load_settings
from cdhub.state import HubState
from connectors import get_connector
from tests.reliability.conftest import cdhub_env, start_cdhub
from tests.reliability.hostile_corpus import HEADERS
from tests.reliability.snapshot import clusters, differences, snapshot

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PEOPLE = 240
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
#: Processes and the people (by index modulo 6) in their file: every person is in
#: two or three files per source system.
FILES = {
    ("shop", "shop_1.jsonl"): {0, 1, 2, 3},
    ("shop", "shop_2.jsonl"): {2, 3, 4, 5},
    ("shop", "shop_3.jsonl"): {4, 5, 0, 1},
    ("callcenter", "calls_1.csv"): {0, 2, 4, 5},
    ("callcenter", "calls_2.csv"): {1, 3, 5, 0},
    ("callcenter", "calls_3.csv"): {2, 4, 1, 3},
    ("erp", "erp_1.csv"): {0, 1, 2, 3, 4},
    ("erp", "erp_2.csv"): {1, 2, 3, 4, 5, 0},
}


def _person(i: int) -> tuple[str, str]:
    name = SURNAMES[i % len(SURNAMES)] + GIVEN[i // len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
    return name, f"1380013{i:04d}"


def _write_files(directory: Path) -> list[tuple[str, Path]]:
    written = []
    for (system, name), groups in FILES.items():
        people = [i for i in range(PEOPLE) if i % 6 in groups]
        path = directory / name
        if system == "shop":
            members = [
                {
                    "type": "member",
                    "member_id": f"M{i}",
                    "name": _person(i)[0],
                    "mobile": _person(i)[1],
                }
                for i in people
            ]
            lines = [json.dumps(member, ensure_ascii=False) for member in members]
            path.write_text("\n".join(lines) + "\n", "utf-8")
        else:
            feed = "callcenter" if system == "callcenter" else "erp_customers"
            out = io.StringIO()
            writer = csv.DictWriter(out, HEADERS[feed], lineterminator="\n")
            writer.writeheader()
            for i in people:
                name, mobile = _person(i)
                if system == "callcenter":
                    writer.writerow(
                        {"call_id": f"C{i}", "caller_number": mobile, "customer_name": name,
                         "started_at": "2024-11-06 09:12:44", "duration_s": "60"}
                    )  # fmt: skip
                else:
                    writer.writerow(
                        {"KUNNR": f"{i:010d}", "KTOKD": "Z002", "NAME1": name, "TELF1": mobile,
                         "LAND1": "CN", "ERDAT": "20231102"}
                    )  # fmt: skip
            path.write_text(out.getvalue(), "utf-8")
        written.append((system, path))
    return written


async def _sequential(url: str, files: list[tuple[str, Path]]) -> None:
    hub = HubState.open(load_settings(database_url=url))
    try:
        service = await load_match_service(hub.sessions, hub.settings, "ingest")
        for system, path in files:
            await ingest_file(hub.sessions, IngestPipeline(get_connector(system), service), path)
    finally:
        await hub.close()


async def test_eight_concurrent_ingests_of_overlapping_files_match_a_sequential_load(
    new_database: Callable[[str], str], tmp_path: Path
) -> None:
    files = _write_files(tmp_path)
    concurrent_url, sequential_url = new_database("postgres"), new_database("postgres")
    env = cdhub_env(concurrent_url)
    children = [
        start_cdhub(["ingest", system, str(path), "--batch-size", "40"], env, tmp_path)
        for system, path in files
    ]
    await _sequential(sequential_url, files)
    outcomes = [await asyncio.to_thread(child.communicate, timeout=300) for child in children]
    assert [c.returncode for c in children] == [0] * len(children), [e[-2000:] for _, e in outcomes]

    hub_c = HubState.open(load_settings(database_url=concurrent_url))
    hub_s = HubState.open(load_settings(database_url=sequential_url))
    try:
        both = [await snapshot(hub.sessions) for hub in (hub_c, hub_s)]
    finally:
        await hub_c.close()
        await hub_s.close()
    concurrent, sequential = both
    expected = {
        frozenset({f"shop:M{i}", f"callcenter:C{i}", f"erp:{i:010d}"}) for i in range(PEOPLE)
    }
    assert clusters(sequential) == expected
    assert clusters(concurrent) == expected  # one golden per person: no race split or merged
    # What was stored, and the facts, are the same whatever order the processes ran in.
    order_free = ("source_records", "source_record_versions", "calls", "tickets", "blocking_keys")
    diff = differences(
        {t: concurrent[t] for t in order_free}, {t: sequential[t] for t in order_free}
    )
    assert diff == {}, "\n".join(f"{t}:\n  " + "\n  ".join(r) for t, r in diff.items())
