"""Loyalty mutations: earn, redeem, adjust; never below zero, also under concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cdhub.app import create_app
from cdhub.settings import load_settings
from cdhub.state import HubState
from tests.schema.conftest import ACTOR, Graph, codes, data
from tests.schema.people import count
from tests.schema.seed import Seed

POINTS = """
  points balance
  entry { kind points note actor orderNo sourceSystem }
  customer { goldenId loyalty { balance } }
"""
EARN = "mutation($input: PointsInput!) { earnPoints(input: $input) {" + POINTS + "} }"
REDEEM = "mutation($input: PointsInput!) { redeemPoints(input: $input) {" + POINTS + "} }"
ADJUST = "mutation($input: AdjustPointsInput!) { adjustPoints(input: $input) {" + POINTS + "} }"
LIN_BALANCE = 140  # seed: 100 + 50 - 30 + 20 (an entry of the customer merged into lin)


def _vars(key: str, customer: int, points: int, **values: Any) -> dict[str, Any]:
    return {
        "input": {"idempotencyKey": key, "customerId": str(customer), "points": points, **values}
    }


async def test_points_are_earned_redeemed_and_adjusted(gql: Graph, seeded: Seed) -> None:
    earned = data(await gql(EARN, _vars("e-1", seeded.lin, 60, orderNo="SO-1")))["earnPoints"]
    assert (earned["points"], earned["balance"]) == (60, LIN_BALANCE + 60)
    assert earned["entry"] == {
        "kind": "earn",
        "points": 60,
        "note": None,
        "actor": ACTOR,
        "orderNo": "SO-1",
        "sourceSystem": "hub",
    }
    assert earned["customer"]["loyalty"]["balance"] == LIN_BALANCE + 60

    redeemed = data(await gql(REDEEM, _vars("r-1", seeded.lin, 200, note="gift")))["redeemPoints"]
    assert (redeemed["points"], redeemed["balance"]) == (-200, 0)
    adjusted = data(await gql(ADJUST, _vars("a-1", seeded.lin, 15, note="goodwill")))
    assert adjusted["adjustPoints"]["balance"] == 15


async def test_an_absorbed_id_books_on_the_survivor(gql: Graph, seeded: Seed) -> None:
    result = data(await gql(EARN, _vars("e-1", seeded.absorbed, 10)))["earnPoints"]
    assert result["customer"]["goldenId"] == seeded.lin
    assert result["balance"] == LIN_BALANCE + 10


async def test_overdrawing_is_a_conflict_with_the_balance(
    gql: Graph, seeded: Seed, hub: HubState
) -> None:
    result = await gql(REDEEM, _vars("r-1", seeded.lin, LIN_BALANCE + 1))
    assert codes(result) == ["CONFLICT"]
    assert result["errors"][0]["extensions"]["balance"] == LIN_BALANCE
    negative = await gql(ADJUST, _vars("a-1", seeded.lin, -(LIN_BALANCE + 1), note="fix"))
    assert codes(negative) == ["CONFLICT"]
    assert await count(hub, "SELECT count(*) FROM idempotency_keys") == 0
    # A failed attempt stores nothing: the same key may be tried again.
    retried = data(await gql(REDEEM, _vars("r-1", seeded.lin, LIN_BALANCE)))
    assert retried["redeemPoints"]["balance"] == 0


async def test_point_errors_carry_their_codes(gql: Graph, seeded: Seed) -> None:
    cases = [
        (EARN, _vars("k", seeded.lin, 0), "BAD_USER_INPUT"),
        (EARN, _vars("k", seeded.lin, -5), "BAD_USER_INPUT"),
        (REDEEM, _vars("k", seeded.lin, 2_000_000), "BAD_USER_INPUT"),
        (ADJUST, _vars("k", seeded.lin, 0, note="x"), "BAD_USER_INPUT"),
        (ADJUST, _vars("k", seeded.lin, 5, note="  "), "BAD_USER_INPUT"),
        (EARN, _vars("k", 999_999, 5), "NOT_FOUND"),
        (EARN, _vars("k", seeded.erased, 5), "CONFLICT"),
    ]
    for query, variables, code in cases:
        result = await gql(query, variables)
        assert codes(result) == [code], (variables, result)


async def test_a_replayed_redemption_is_booked_once(
    gql: Graph, seeded: Seed, hub: HubState
) -> None:
    first = data(await gql(REDEEM, _vars("r-1", seeded.lin, 100)))
    again = data(await gql(REDEEM, _vars("r-1", seeded.lin, 100)))
    assert again["redeemPoints"]["balance"] == first["redeemPoints"]["balance"] == 40
    assert again["redeemPoints"]["customer"]["loyalty"]["balance"] == 40
    assert await count(hub, "SELECT count(*) FROM loyalty_ledger WHERE kind = 'redeem'") == 2
    assert codes(await gql(REDEEM, _vars("r-1", seeded.lin, 99))) == ["CONFLICT"]
    assert codes(await gql(EARN, _vars("r-1", seeded.lin, 100))) == ["CONFLICT"]


@pytest.fixture
async def two_apps(
    database_url: str, seeded: Seed
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two hub instances with engines (connection pools) of their own on one database."""
    settings = load_settings(database_url=database_url, redis_url=None, allow_anonymous_admin=True)
    states = [HubState.open(settings), HubState.open(settings)]
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, state=state)),
            base_url="http://hub",
            timeout=60,
        )
        for state in states
    ]
    yield clients[0], clients[1]
    for client in clients:
        await client.aclose()
    for state in states:
        await state.close()


async def test_concurrent_redemptions_never_overdraw(
    two_apps: tuple[httpx.AsyncClient, httpx.AsyncClient], seeded: Seed
) -> None:
    attempts, each = 16, 30  # 140 points: exactly 4 redemptions of 30 fit

    async def redeem(n: int) -> dict[str, Any]:
        client = two_apps[n % 2]
        response = await client.post(
            "/graphql", json={"query": REDEEM, "variables": _vars(f"r-{n}", seeded.lin, each)}
        )
        result: dict[str, Any] = response.json()
        return result

    results = await asyncio.gather(*(redeem(n) for n in range(attempts)))
    done = [r["data"]["redeemPoints"] for r in results if "errors" not in r]
    refused = [codes(r) for r in results if "errors" in r]
    assert len(done) == LIN_BALANCE // each
    assert refused == [["CONFLICT"]] * (attempts - len(done))
    assert sorted(d["balance"] for d in done) == [
        LIN_BALANCE - each * k for k in range(len(done), 0, -1)
    ]
    balance = await two_apps[0].post(
        "/graphql",
        json={
            "query": "query($id: ID!) { customer(id: $id) { loyalty { balance } } }",
            "variables": {"id": str(seeded.lin)},
        },
    )
    assert balance.json()["data"]["customer"]["loyalty"]["balance"] == LIN_BALANCE % each


async def test_concurrent_requests_with_one_key_book_once(
    two_apps: tuple[httpx.AsyncClient, httpx.AsyncClient], seeded: Seed, hub: HubState
) -> None:
    async def redeem(n: int) -> dict[str, Any]:
        response = await two_apps[n % 2].post(
            "/graphql", json={"query": REDEEM, "variables": _vars("one-key", seeded.lin, 30)}
        )
        result: dict[str, Any] = response.json()
        return result

    results = await asyncio.gather(*(redeem(n) for n in range(8)))
    assert all("errors" not in r for r in results), results
    assert {r["data"]["redeemPoints"]["balance"] for r in results} == {LIN_BALANCE - 30}
    assert await count(hub, "SELECT count(*) FROM loyalty_ledger WHERE kind = 'redeem'") == 2
