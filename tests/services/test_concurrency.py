"""Two writers that see the same new person at the same moment end in one golden record."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from cdhub.services.file_ingest import RETRIES, retryable
from cdhub.services.ingest import IngestPipeline
from cdhub.services.setup import load_match_service
from cdhub.settings import load_settings
from cdhub.state import HubState
from connectors import get_connector
from connectors.files import RawRecord
from tests.services.helpers import golden_of

PEOPLE = 12


@pytest.fixture
async def two_hubs(postgres_url: str) -> AsyncIterator[tuple[HubState, HubState]]:
    settings = load_settings(database_url=postgres_url)
    first, second = HubState.open(settings), HubState.open(settings)
    yield first, second
    await first.close()
    await second.close()


def _raw(index: int, payload: dict[str, object]) -> RawRecord:
    return RawRecord("race", index, 0, payload, "", None)


async def _write(hub: HubState, system: str, payload: dict[str, object]) -> None:
    pipeline = IngestPipeline(
        get_connector(system), await load_match_service(hub.sessions, hub.settings)
    )
    for attempt in range(RETRIES):
        try:
            async with hub.sessions() as session, session.begin():
                await pipeline.process_batch(session, [_raw(1, payload)], datetime.now(UTC))
            return
        except Exception as exc:
            if attempt == RETRIES - 1 or not retryable(exc):
                raise


@pytest.mark.postgres
async def test_racing_writers_of_one_new_person_make_one_golden(
    two_hubs: tuple[HubState, HubState],
) -> None:
    first, second = two_hubs
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨"
    for index in range(PEOPLE):
        mobile = f"1391234{index:04d}"
        name = f"{surnames[index]}嘉{'欣怡婷雪梅兰芳丽静敏燕红'[index]}"
        member = {
            "type": "member",
            "member_id": f"RACE{index}",
            "name": name,
            "mobile": mobile,
            "birthday": "1990-03-14",
        }
        call = {
            "call_id": f"RC{index}",
            "caller_number": mobile,
            "customer_name": name,
            "started_at": "2024-11-06 09:12:44",
            "duration_s": "30",
            "agent_id": "A1",
            "category": "inquiry",
            "summary": "",
            "ticket_no": "",
            "ticket_status": "",
            "order_no": "",
            "batch_no": "",
            "satisfaction": "",
        }
        # Both writers start together, each in its own process-like engine and pool.
        await asyncio.gather(_write(first, "shop", member), _write(second, "callcenter", call))
    for index in range(PEOPLE):
        shop = await golden_of(first, "shop", f"RACE{index}")
        caller = await golden_of(first, "callcenter", f"RC{index}")
        assert shop is not None
        assert shop == caller, f"person {index} split into two golden records"
