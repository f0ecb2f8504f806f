"""A batch's candidates: keys stored and everything the matcher reads, alike on both databases.

On PostgreSQL this is one statement whose reads do not see its own writes; these
tests pin down that the batch's keys count as if they had been read back.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from cdhub.state import HubState
from cdhub.storage.models import Order
from cdhub.storage.repo import blocking as blocking_repo
from cdhub.storage.repo import candidates as candidates_repo
from cdhub.storage.repo import decisions as decisions_repo
from cdhub.storage.repo import golden as golden_repo
from cdhub.storage.repo import source_records as records_repo
from cdhub.storage.repo.golden import XrefWrite
from cdhub.storage.repo.source_records import RecordWrite
from mdm.blocking import BlockingKey

NOW = datetime(2025, 1, 2, tzinfo=UTC)
MOBILE = BlockingKey("mobile", "+8613900000001")
NAME = BlockingKey("name_initials", "zs")
LANDLINE = BlockingKey("phone", "+862188880000")
CAPS = {"mobile": None, "name_initials": 1, "phone": 5}


def _write(key: str) -> RecordWrite:
    return RecordWrite("callcenter", key, "person", {}, {"key": key}, key.rjust(64, "0"), None)


async def test_a_batch_finds_holders_placers_members_and_cannot_links(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        a, b, c, d = await records_repo.insert_records(
            session, [_write(k) for k in ("A", "B", "C", "D")], NOW
        )
        await blocking_repo.replace_keys(
            session, {a: [MOBILE, NAME], b: [NAME], c: [LANDLINE], d: [NAME]}, fresh={a, b, c, d}
        )
        g1, g2 = await golden_repo.create(session, ["person", "person"], NOW)
        await golden_repo.set_xrefs(
            session,
            [
                XrefWrite(rid, g, "new", None, {}, None, "test")
                for rid, g in ((a, g1), (b, g1), (c, g2))
            ],
            NOW,
        )
        await decisions_repo.add_cannot_links(session, [(b, d)], "test", None)
        await session.execute(
            insert(Order).values(
                source_system="erp",
                order_no="O1",
                party_system="callcenter",
                party_key="C",
                channel="erp",
                content_hash="h",
            )
        )
    async with hub.sessions() as session, session.begin():
        (n,) = await records_repo.insert_records(session, [_write("N")], NOW)
        found = await candidates_repo.store_keys_and_find(
            session, {n: [MOBILE, NAME], b: [LANDLINE]}, {n}, CAPS, {"order:O1", "ticket:T9"}
        )
        stored = await blocking_repo.records_with_keys(session, [MOBILE, NAME, LANDLINE])
    assert found.sizes == {MOBILE: 2, NAME: 3, LANDLINE: 2}
    assert {k: sorted(v) for k, v in found.holders.items()} == {
        MOBILE: sorted([a, n]),
        LANDLINE: sorted([b, c]),
    }  # the name block is over its cap of one
    assert found.placers == {c: {"order:O1"}}
    assert {g: [m.source_record_id for m in ms] for g, ms in found.members.items()} == {
        g1: [a, b],
        g2: [c],
    }
    assert found.members[g1][0].attributes == {"key": "A"}
    assert found.kinds == {g1: "person", g2: "person"}
    assert found.cannot_links == {(min(b, d), max(b, d))}
    assert found.refs[d] == ("callcenter", "D")
    assert found.newest == n
    assert {k: sorted(v) for k, v in stored.items()} == {
        MOBILE: sorted([a, n]),
        NAME: sorted([a, d, n]),
        LANDLINE: sorted([b, c]),
    }


async def test_a_batch_counts_its_own_keys_up_to_the_bound(hub: HubState) -> None:
    crowd = blocking_repo.COUNT_LIMIT
    async with hub.sessions() as session, session.begin():
        ids = await records_repo.insert_records(
            session, [_write(f"K{i}") for i in range(crowd)], NOW
        )
        await blocking_repo.replace_keys(session, {rid: [LANDLINE] for rid in ids}, set(ids))
    async with hub.sessions() as session, session.begin():
        new = await records_repo.insert_records(session, [_write("X"), _write("Y")], NOW)
        found = await candidates_repo.store_keys_and_find(
            session, {rid: [LANDLINE, MOBILE] for rid in new}, set(new), CAPS, set()
        )
    assert found.sizes == {LANDLINE: crowd, MOBILE: 2}
    assert found.holders == {MOBILE: new}
    assert found.members == {}
    assert found.newest == max(new)


async def test_a_changed_record_alone_reads_the_newest_stored_id(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        first, last = await records_repo.insert_records(session, [_write("A"), _write("B")], NOW)
        await blocking_repo.replace_keys(session, {first: [MOBILE]}, {first})
    async with hub.sessions() as session, session.begin():
        found = await candidates_repo.store_keys_and_find(
            session, {first: [MOBILE]}, set(), CAPS, set()
        )
    assert found.sizes == {MOBILE: 1}
    assert found.holders == {MOBILE: [first]}
    assert found.newest == last
