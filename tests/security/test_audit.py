from __future__ import annotations

from datetime import timedelta

from cdhub.security import audit
from cdhub.security.principal import Principal, Role
from cdhub.state import HubState
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
