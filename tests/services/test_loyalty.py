"""Points movements: signs and ranges, hub entries naming the golden customer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cdhub.services.hub_writes import WriteError
from cdhub.services.loyalty import Movement, move_points, signed_points
from cdhub.state import HubState
from tests.schema.people import count
from tests.schema.seed import seed_hub

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("movement", "points", "booked"),
    [
        (Movement.EARN, 10, 10),
        (Movement.REDEEM, 10, -10),
        (Movement.ADJUST, -7, -7),
        (Movement.ADJUST, 7, 7),
    ],
)
def test_movements_are_booked_with_their_sign(movement: Movement, points: int, booked: int) -> None:
    assert signed_points(movement, points) == booked


@pytest.mark.parametrize(
    ("movement", "points"),
    [
        (Movement.EARN, 0),
        (Movement.EARN, -1),
        (Movement.REDEEM, -10),
        (Movement.ADJUST, 0),
        (Movement.EARN, 1_000_001),
    ],
)
def test_amounts_out_of_range_are_refused(movement: Movement, points: int) -> None:
    with pytest.raises(WriteError) as error:
        signed_points(movement, points)
    assert error.value.code == "BAD_USER_INPUT"


async def test_hub_entries_name_the_surviving_golden_customer(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        seed = await seed_hub(session)
    async with hub.sessions() as session, session.begin():
        done = await move_points(session, "agent:wu", seed.absorbed, Movement.EARN, 5, NOW)
    assert done.golden_id == seed.lin
    named = await count(
        hub,
        "SELECT count(*) FROM loyalty_ledger WHERE id = :e AND golden_id = :g "
        "AND source_system = 'hub' AND actor = 'agent:wu'",
        e=done.entry_id,
        g=seed.lin,
    )
    assert named == 1


async def test_a_redemption_that_overdraws_books_nothing(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        seed = await seed_hub(session)
    async with hub.sessions() as session, session.begin():
        with pytest.raises(WriteError) as error:
            await move_points(session, "agent:wu", seed.chen, Movement.REDEEM, 8, NOW)
    assert (error.value.code, error.value.detail) == ("CONFLICT", {"balance": 7})
    assert await count(hub, "SELECT count(*) FROM loyalty_ledger WHERE kind = 'redeem'") == 1
