from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cdhub.security import audit
from cdhub.security.principal import Principal, Role
from cdhub.settings import load_settings
from cdhub.state import HubState
from cdhub.storage.engine import create_engine, create_sessionmaker
from tests.security.conftest import NOW

CHANNEL = Principal(role=Role.CHANNEL, name="shop-app", key_id=3)


async def test_audit_rows_filter_by_time_operation_and_customer(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        await audit.record(session, CHANNEL, "Query.customer", [7, 7, 3], NOW - timedelta(days=2))
        await audit.record(session, CHANNEL, "Mutation.updateContact", [7], NOW, "write")
        await audit.record(session, CHANNEL, "Mutation.earnPoints", [9], NOW, "write")
    async with hub.sessions() as session:
        everything = await audit.entries(session)
        recent = await audit.entries(session, since=NOW - timedelta(days=1))
        writes = await audit.entries(session, operation="Mutation.*")
        of_seven = await audit.entries(session, customer_id=7)
        latest = await audit.entries(session, limit=1)
    assert everything[0].customer_ids == (3, 7)
    assert (everything[0].key_id, everything[0].role) == (3, "channel")
    assert [r.operation for r in recent] == ["Mutation.updateContact", "Mutation.earnPoints"]
    assert len(writes) == 2
    assert [r.operation for r in of_seven] == ["Query.customer", "Mutation.updateContact"]
    assert [r.operation for r in latest] == ["Mutation.earnPoints"]


async def test_huge_id_lists_are_capped_with_a_note(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        await audit.record(session, CHANNEL, "cli:export", range(1500), NOW)
    async with hub.sessions() as session:
        (row,) = await audit.entries(session)
    assert len(row.customer_ids) == audit.MAX_IDS
    assert row.detail == "(+500 more customers)"


async def test_queued_read_rows_are_written_together_and_on_close(hub: HubState) -> None:
    writer = audit.AuditWriter(hub.sessions, interval_s=3600)  # only explicit writes here
    for customer in (1, 2, 3):
        writer.add(CHANNEL, "Query.customer", [customer], NOW, "read")
    async with hub.sessions() as session:
        assert await audit.entries(session) == []  # queued, not yet written
    before = hub.statements.total
    assert await writer.flush()
    assert hub.statements.total - before == 1  # one insert for all three rows
    writer.add(CHANNEL, "Query.customer", [4], NOW, "read")
    await writer.close()  # a clean shutdown writes what is queued
    async with hub.sessions() as session:
        rows = await audit.entries(session)
    assert [r.customer_ids for r in rows] == [(1,), (2,), (3,), (4,)]


async def test_rows_the_database_refuses_wait_for_the_next_attempt(
    tmp_path: Path, hub: HubState
) -> None:
    # A real database without the audit table refuses the insert.
    empty = create_engine(load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/e.db"))
    try:
        writer = audit.AuditWriter(create_sessionmaker(empty), interval_s=3600, max_pending=2)
        for customer in (1, 2, 3):
            writer.add(CHANNEL, "Query.customer", [customer], NOW, "read")
        assert writer.dropped == 1  # beyond max_pending: counted and logged, never silent
        assert not await writer.flush()
        writer._sessions = hub.sessions  # the database is back
        assert await writer.flush()
    finally:
        await empty.dispose()
    async with hub.sessions() as session:
        rows = await audit.entries(session)
    assert [r.customer_ids for r in rows] == [(2,), (3,)]
