"""Golden customers in storage: set-wise absorption."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select, text

from cdhub.state import HubState
from cdhub.storage.models import GoldenCustomer, Pin
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo import source_records as records_repo
from cdhub.storage.repo.golden import XrefWrite
from cdhub.storage.repo.source_records import RecordWrite

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


async def test_created_goldens_get_ids_in_the_order_of_their_kinds(hub: HubState) -> None:
    kinds = ["person", "organisation", "person", "organisation", "organisation"]
    async with hub.sessions() as session, session.begin():
        earlier = await golden_repo.create(session, ["person"] * 3, NOW)
    async with hub.sessions() as session, session.begin():
        ids = await golden_repo.create(session, kinds, NOW)
        stored = dict((await session.execute(select(GoldenCustomer.id, GoldenCustomer.kind))).all())
    assert ids == sorted(ids)
    assert min(ids) > max(earlier)
    assert [stored[i] for i in ids] == kinds
    assert len(stored) == len(earlier) + len(kinds)


async def test_members_skip_reading_attributes_the_caller_has_parsed_read_by_chunk_or_at_once(
    hub: HubState,
) -> None:
    writes = [
        RecordWrite("shop", f"M{n}", "person", {}, {"n": n}, f"{n:064d}", None) for n in range(3)
    ]
    async with hub.sessions() as session, session.begin():
        first, second, third = await records_repo.insert_records(session, writes, NOW)
        (golden,) = await golden_repo.create(session, ["person"], NOW)
        await golden_repo.set_xrefs(
            session,
            [XrefWrite(rid, golden, "test", None, {}, None, "t") for rid in (third, first, second)],
            NOW,
        )
    async with hub.sessions() as session:
        everything = await golden_repo.members(session, [golden])
        some = await golden_repo.members(session, [golden], parsed={second})
        at_once = await golden_repo.all_members(session, parsed={second})
        linked = await golden_repo.all_xrefs(session)
    assert [m.source_record_id for m in everything[golden]] == [first, second, third]
    assert [m.attributes for m in everything[golden]] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [m.attributes for m in some[golden]] == [{"n": 0}, {}, {"n": 2}]
    assert at_once == some
    assert linked == {first: golden, second: golden, third: golden}
    assert [replace(m, attributes={}) for m in some[golden]] == [
        replace(m, attributes={}) for m in everything[golden]
    ]


async def test_added_xrefs_are_stored_as_set_xrefs_stores_them(hub: HubState) -> None:
    writes = [RecordWrite("wechat", f"W{n}", "person", {}, {}, f"{n:064d}", None) for n in (1, 2)]
    async with hub.sessions() as session, session.begin():
        added, set_ = await records_repo.insert_records(session, writes, NOW)
        (golden,) = await golden_repo.create(session, ["person"], NOW)
        link = XrefWrite(added, golden, "rebuild", 2.5, {"why": "林"}, "v1", "t")
        await golden_repo.add_xrefs(session, [link], NOW)
        await golden_repo.set_xrefs(session, [replace(link, source_record_id=set_)], NOW)
    async with hub.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT golden_id, home_golden_id, link_method, match_weight,"
                " CAST(explanation AS TEXT), model_version, linked_by, CAST(linked_at AS TEXT)"
                " FROM xrefs ORDER BY source_record_id"
            )
        )
        first, second = (tuple(row) for row in rows)
    assert first == second
    assert first[:3] == (golden, golden, "rebuild")
