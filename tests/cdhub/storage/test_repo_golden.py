"""Golden customers in storage: set-wise absorption."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from cdhub.state import HubState
from cdhub.storage.models import GoldenCustomer, Pin
from cdhub.storage.repo import golden as golden_repo

NOW = datetime(2025, 1, 2, tzinfo=UTC)


async def test_absorbing_several_goldens_keeps_survivor_pins_and_carries_the_rest(
    hub: HubState,
) -> None:
    async with hub.sessions() as session, session.begin():
        survivor, first, second, older = await golden_repo.create(session, ["person"] * 4, NOW)
        await golden_repo.absorb(session, older, first, NOW)  # older redirects to first
        session.add_all(
            [
                Pin(golden_id=survivor, attribute="display_name", value="S", pinned_by="t"),
                Pin(golden_id=first, attribute="display_name", value="A", pinned_by="t"),
                Pin(golden_id=first, attribute="email", value="a@x.cn", pinned_by="t"),
                Pin(golden_id=second, attribute="email", value="b@x.cn", pinned_by="t"),
                Pin(golden_id=second, attribute="gender", value="F", pinned_by="t"),
            ]
        )
        await session.flush()
        await golden_repo.absorb_many(session, [(first, survivor), (second, survivor)], NOW)
    async with hub.sessions() as session:
        pins = set((await session.execute(select(Pin.golden_id, Pin.attribute, Pin.value))).all())
        rows = {
            g: (status, merged)
            for g, status, merged in await session.execute(
                select(GoldenCustomer.id, GoldenCustomer.status, GoldenCustomer.merged_into_id)
            )
        }
    assert pins == {
        (survivor, "display_name", "S"),
        (survivor, "email", "a@x.cn"),
        (survivor, "gender", "F"),
    }
    assert rows[survivor] == ("active", None)
    assert rows[first] == ("merged", survivor)
    assert rows[second] == ("merged", survivor)
    assert rows[older] == ("merged", survivor)
