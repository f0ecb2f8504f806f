from __future__ import annotations

import asyncio

from cdhub.state import HubState
from cdhub.storage.queries.keyset import PageRequest
from cdhub.storage.queries.orders import OrderCriteria
from resolvers.context import HubContext
from resolvers.session import RequestSession
from tests.schema.seed import seed_crowd, seed_hub


async def test_loaders_answer_in_key_order_with_none_for_misses(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        seed = await seed_hub(session)
    context = HubContext(hub=hub)
    loaders = context.loaders
    try:
        before = hub.statements.total
        found = await loaders.customer.load_many([seed.chen, 999, seed.absorbed, seed.erased])
        assert hub.statements.total - before == 1
        assert [None if r is None else r.id for r in found] == [seed.chen, None, seed.lin, None]
        items = await loaders.order_items.load_many([seed.orders["SO-2"], seed.orders["SO-1"]])
        assert [len(i) for i in items] == [0, 2]
        owners = await loaders.golden_of_party.load_many([("shop", "M9999"), ("erp", "K2001")])
        assert owners == [None, seed.lin]
    finally:
        await context.db.close()


async def test_nested_pages_of_many_parents_cost_one_statement(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        ids = await seed_crowd(session, 5)
    context = HubContext(hub=hub)
    spec = (OrderCriteria(), PageRequest(size=1))
    try:
        before = hub.statements.total
        pages = await asyncio.gather(
            *(context.loaders.customer_orders.load((gid, spec)) for gid in reversed(ids))
        )
        assert hub.statements.total - before == 1
        assert [p.has_next for p in pages] == [True] * 5
        assert [p.rows[0][0].order_no for p in pages] == [f"erp-{n}" for n in reversed(range(5))]
    finally:
        await context.db.close()


async def test_request_session_runs_calls_one_at_a_time(hub: HubState) -> None:
    db = RequestSession(hub.sessions)
    running = 0
    most = 0

    async def call(_: object) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return 1

    assert await asyncio.gather(*(db.run(call) for _ in range(5))) == [1] * 5
    assert most == 1
    await db.close()
    await db.close()  # closing twice is harmless
