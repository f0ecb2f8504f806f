"""The number of SQL statements of a request does not grow with the rows it returns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cdhub.app import create_app
from cdhub.security.audit import AuditWriter
from cdhub.settings import Settings
from cdhub.state import HubState
from tests.schema.seed import seed_crowd

CUSTOMER_360 = """
query Customer360($n: Int!) {
  customers(first: $n, orderBy: CREATED_AT) {
    totalCount
    edges { node {
      id name pinyin tier province
      phones { value isPrimary sources { system key linkMethod } }
      emails { value }
      identifiers { kind value sources { system key } }
      orders(first: 10) {
        totalCount
        edges { node {
          orderNo channel totalAmount orderedAt
          items { sku amount batchNo }
          deliveries { carrier trackingNo }
        } }
      }
      tickets(first: 10, openOnly: true) {
        totalCount
        edges { node { ticketNo status openedAt calls { callId status startedAt } } }
      }
      loyalty {
        balance tier
        ledger(first: 10) { totalCount edges { node { kind points occurredAt } } }
      }
    } }
  }
}
"""
CROWD = 50


@pytest.fixture
async def client(hub: HubState, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with hub.sessions() as session, session.begin():
        await seed_crowd(session, CROWD)
    # Audit rows of reads are written in batches off the request path; here only when
    # the test says so, so that none lands inside a counted request.
    hub.audit = AuditWriter(hub.sessions, interval_s=3600)
    # Not about access control or limits: the dev-only anonymous admin, a higher cost cap.
    relaxed = {"allow_anonymous_admin": True, "max_query_cost": 50_000}
    app = create_app(settings.model_copy(update=relaxed), state=hub)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as http:
        yield http


async def _statements(client: httpx.AsyncClient, hub: HubState, n: int) -> tuple[int, Any]:
    await hub.audit.flush()
    before = hub.statements.total
    response = await client.post("/graphql", json={"query": CUSTOMER_360, "variables": {"n": n}})
    body = response.json()
    assert "errors" not in body, body["errors"]
    return hub.statements.total - before, body["data"]["customers"]


async def test_customer_360_costs_the_same_for_1_and_50_customers(
    client: httpx.AsyncClient, hub: HubState
) -> None:
    one, page_of_one = await _statements(client, hub, 1)
    fifty, page_of_fifty = await _statements(client, hub, CROWD)

    assert len(page_of_one["edges"]) == 1
    assert len(page_of_fifty["edges"]) == CROWD
    for edge in page_of_fifty["edges"]:
        node = edge["node"]
        assert node["orders"]["totalCount"] == 2
        assert [len(o["node"]["items"]) for o in node["orders"]["edges"]] == [2, 2]
        assert node["tickets"]["totalCount"] == 1
        assert len(node["tickets"]["edges"][0]["node"]["calls"]) == 1
        assert node["loyalty"]["balance"] == 20
        assert node["loyalty"]["ledger"]["totalCount"] == 2
        assert node["phones"][0]["sources"][0]["system"] == "shop"
    assert one == fifty, f"1 customer: {one} statements, {CROWD} customers: {fifty}"
    # customers + count, value sources, orders + count, items, deliveries,
    # tickets + count, calls, balance, ledger + count: 13 (the audit row of the read
    # is queued and written with others, off the request)
    assert fifty <= 13, fifty
