"""Blocking keys in storage: bounded block sizes and key holders in one statement."""

from __future__ import annotations

from datetime import UTC, datetime

from cdhub.state import HubState
from cdhub.storage.repo import blocking as blocking_repo
from cdhub.storage.repo import source_records as records_repo
from cdhub.storage.repo.source_records import RecordWrite
from mdm.blocking import BlockingKey

NOW = datetime(2025, 1, 2, tzinfo=UTC)
LANDLINE = BlockingKey("phone", "+862188880000")
MOBILE = BlockingKey("mobile", "+8613900000001")


def _write(n: int) -> RecordWrite:
    return RecordWrite("callcenter", f"C{n}", "person", {}, {}, f"{n:064d}", None)


async def test_block_sizes_stop_at_the_bound_and_holders_are_every_record(
    hub: HubState,
) -> None:
    crowd = blocking_repo.COUNT_LIMIT + 5
    async with hub.sessions() as session, session.begin():
        ids = await records_repo.insert_records(session, [_write(n) for n in range(crowd)], NOW)
        keys = {rid: [LANDLINE] for rid in ids}
        keys[ids[0]] = [LANDLINE, MOBILE]
        await blocking_repo.replace_keys(session, keys, fresh=set(ids))
        sizes = await blocking_repo.block_sizes(
            session, [LANDLINE, MOBILE, BlockingKey("email", "nobody@x.cn")]
        )
        holders = await blocking_repo.records_with_keys(session, [LANDLINE, MOBILE])
    assert sizes == {LANDLINE: blocking_repo.COUNT_LIMIT, MOBILE: 1}
    assert sorted(holders[LANDLINE]) == sorted(ids)
    assert holders[MOBILE] == [ids[0]]


async def test_replacing_keys_of_a_stored_record_drops_its_old_keys(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        (rid,) = await records_repo.insert_records(session, [_write(1)], NOW)
        await blocking_repo.replace_keys(session, {rid: [LANDLINE]}, fresh={rid})
    async with hub.sessions() as session, session.begin():
        await blocking_repo.replace_keys(session, {rid: [MOBILE]})
        holders = await blocking_repo.records_with_keys(session, [LANDLINE, MOBILE])
    assert holders == {MOBILE: [rid]}
