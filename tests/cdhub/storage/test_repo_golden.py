"""Golden customers in storage: set-wise absorption and goldens stored with their views."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from cdhub.state import HubState
from cdhub.storage.models import AttributeLineage, GoldenCustomer, GoldenIdentity, Pin
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo.golden import ViewWrite

NOW = datetime(2025, 1, 2, tzinfo=UTC)


def _view(name: str) -> ViewWrite:
    return ViewWrite(
        golden_id=0,
        kind="person",
        view={"display_name": name},
        display_name=name,
        name_pinyin="lin jia xin",
        search_text=name,
        primary_phone="+8613800000000",
        primary_email=None,
        province="上海",
        city="上海",
        tier=None,
        source_count=1,
        channel_count=1,
        identities=[("phone", "+8613800000000", True, (1,))],
        lineage=[("display_name", name, (1,), "source_priority:shop", True)],
    )


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


async def test_a_golden_created_with_its_view_has_columns_identities_and_lineage(
    hub: HubState,
) -> None:
    async with hub.sessions() as session, session.begin():
        with_view, bare = await golden_repo.create(
            session, ["person", "person"], NOW, [_view("林嘉欣"), None]
        )
    async with hub.sessions() as session:
        rows = {
            g: (name, phone, count, view)
            for g, name, phone, count, view in await session.execute(
                select(
                    GoldenCustomer.id,
                    GoldenCustomer.display_name,
                    GoldenCustomer.primary_phone,
                    GoldenCustomer.source_count,
                    GoldenCustomer.view,
                )
            )
        }
        identities = (await session.execute(select(GoldenIdentity.golden_id))).scalars().all()
        lineage = (await session.execute(select(AttributeLineage.golden_id))).scalars().all()
    assert rows[with_view] == ("林嘉欣", "+8613800000000", 1, {"display_name": "林嘉欣"})
    assert rows[bare] == (None, None, 0, {})
    assert identities == [with_view]
    assert lineage == [with_view]
