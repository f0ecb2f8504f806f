from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cdhub.security.partners import assign, create_partner, end_assignment, partner_id
from cdhub.security.principal import Principal, Role
from cdhub.security.scoping import can_see, visible_golden_ids_clause, visible_ids
from cdhub.state import HubState
from cdhub.storage.models import GoldenCustomer, Order
from cdhub.storage.queries.ownership import fact_owner
from tests.security.conftest import NOW, add_golden, add_record


async def _partner(hub: HubState, code: str = "D001") -> Principal:
    async with hub.sessions() as session:
        pid = await partner_id(session, code)
    return Principal(role=Role.PARTNER, name=code, partner_id=pid)


async def test_partners_see_assigned_customers_and_their_merged_family(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        await create_partner(session, "D001", "华东经销", "dealer", NOW)
        survivor = await add_golden(session)
        absorbed = await add_golden(session, merged_into=survivor)
        other = await add_golden(session)
        await assign(session, "D001", [absorbed], assigned_by="t", now=NOW)
    principal = await _partner(hub)
    async with hub.sessions() as session:
        assert await visible_ids(session, principal, NOW) == frozenset({survivor, absorbed})
        assert await can_see(session, principal, survivor, NOW)
        assert not await can_see(session, principal, other, NOW)


async def test_ended_and_future_assignments_hide_the_customer(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        await create_partner(session, "D001", "华东经销", "dealer", NOW)
        ended = await add_golden(session)
        future = await add_golden(session)
        await assign(session, "D001", [ended], assigned_by="t", now=NOW - timedelta(days=30))
        await end_assignment(session, "D001", ended, ends_at=NOW - timedelta(days=1))
        await assign(
            session, "D001", [future], assigned_by="t", now=NOW, starts_at=NOW + timedelta(days=1)
        )
    principal = await _partner(hub)
    async with hub.sessions() as session:
        assert await visible_ids(session, principal, NOW) == frozenset()
        assert await visible_ids(session, principal, NOW - timedelta(days=10)) == frozenset({ended})
        assert await visible_ids(session, principal, NOW + timedelta(days=2)) == frozenset({future})


async def test_customers_see_themselves_and_what_was_merged_into_them(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        me = await add_golden(session)
        old_me = await add_golden(session, merged_into=me)
        stranger = await add_golden(session)
    principal = Principal(role=Role.CUSTOMER, name="app", customer_id=old_me)
    async with hub.sessions() as session:
        assert await visible_ids(session, principal) == frozenset({me, old_me})
        assert not await can_see(session, principal, stranger)


async def test_unscoped_roles_see_everything_and_broken_scopes_nothing(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        gid = await add_golden(session)
    async with hub.sessions() as session:
        assert await visible_ids(session, Principal(role=Role.BI, name="bi")) is None
        assert await can_see(session, Principal(role=Role.CHANNEL, name="c"), gid)
        assert await visible_ids(session, Principal(role=Role.PARTNER, name="p")) == frozenset()
        assert await visible_ids(session, Principal(role=Role.CUSTOMER, name="c")) == frozenset()


async def test_the_clause_scopes_facts_through_their_owner(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        mine = await add_golden(session)
        theirs = await add_golden(session)
        await add_record(session, mine, "shop", "M1", {})
        await add_record(session, theirs, "shop", "M2", {})
        for number, party in (("O1", "M1"), ("O2", "M2"), ("O3", "unlinked")):
            session.add(
                Order(
                    source_system="shop",
                    order_no=number,
                    party_system="shop",
                    party_key=party,
                    channel="shop",
                    content_hash=number,
                )
            )
    principal = Principal(role=Role.CUSTOMER, name="app", customer_id=mine)
    joins, owner = fact_owner((Order.party_system, Order.party_key), None)
    stmt = select(Order.order_no)
    for target, onclause in joins:
        stmt = stmt.outerjoin(target, onclause)
    async with hub.sessions() as session:
        scoped = await session.execute(stmt.where(visible_golden_ids_clause(principal, owner)))
        every = await session.execute(
            stmt.where(visible_golden_ids_clause(Principal(role=Role.BI, name="bi"), owner))
        )
        customers = await session.execute(
            select(GoldenCustomer.id).where(visible_golden_ids_clause(principal, GoldenCustomer.id))
        )
    assert sorted(scoped.scalars()) == ["O1"]
    assert sorted(every.scalars()) == ["O1", "O2", "O3"]
    assert list(customers.scalars()) == [mine]
