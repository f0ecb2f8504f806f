"""Ticket services: input checks, history rows, calls filed under the ticket's system."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cdhub.services import tickets
from cdhub.services.hub_writes import WriteError
from cdhub.services.tickets import CallEntry, check_score, check_status
from cdhub.state import HubState
from tests.schema.people import count
from tests.schema.seed import seed_hub

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("open", "open"), (" Resolved ", "resolved"), ("IN_PROGRESS", "in_progress")],
)
def test_statuses_are_read_loosely(given: str, expected: str) -> None:
    assert check_status(given) == expected


@pytest.mark.parametrize("given", ["", "shelved", "done"])
def test_unknown_statuses_are_refused(given: str) -> None:
    with pytest.raises(WriteError) as error:
        check_status(given)
    assert (error.value.code, error.value.detail["argument"]) == ("BAD_USER_INPUT", "status")


@pytest.mark.parametrize(("score", "ok"), [(0, False), (1, True), (5, True), (6, False)])
def test_scores_run_from_1_to_5(score: int, ok: bool) -> None:
    if ok:
        assert check_score(score) == score
    else:
        with pytest.raises(WriteError):
            check_score(score)


async def test_each_change_leaves_a_history_row_with_its_actor(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        seed = await seed_hub(session)
    async with hub.sessions() as session, session.begin():
        opened = await tickets.create_ticket(session, "agent:wu", seed.lin, "refund", NOW)
        await tickets.add_call(session, "agent:wu", opened.ticket_id, CallEntry(), NOW)
        await tickets.change_status(session, "agent:wu", opened.ticket_id, "pending", NOW)
        done = await tickets.record_satisfaction(session, "agent:wu", opened.ticket_id, 3, NOW)
    assert (done.status, done.customer_id) == ("pending", seed.lin)
    kinds = await count(
        hub,
        "SELECT count(*) FROM ticket_events WHERE ticket_id = :t AND actor = :a",
        t=opened.ticket_id,
        a="agent:wu",
    )
    assert kinds == 4  # status (open), call, status (pending), satisfaction


async def test_a_call_on_a_source_ticket_is_one_of_that_sources_calls(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        seed = await seed_hub(session)
    async with hub.sessions() as session, session.begin():
        done = await tickets.add_call(
            session, "agent:wu", seed.tickets["T-1"], CallEntry(status="resolved"), NOW
        )
    assert done.customer_id == seed.lin  # owned through the caller's source record
    filed = await count(
        hub,
        "SELECT count(*) FROM calls WHERE source_system = 'callcenter' AND call_id = :c",
        c=done.call_id,
    )
    assert filed == 1
