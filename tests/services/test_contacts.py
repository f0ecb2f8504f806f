"""Contact edits as hub source records: normalisation, versions, blocking keys, relinking."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cdhub.services import contacts, stewardship
from cdhub.services.contacts import AddressParts, contact_edit
from cdhub.services.hub_writes import WriteError
from cdhub.services.stewardship import Steward
from cdhub.state import HubState
from mdm.survivorship import load_policy
from tests.schema.people import count, ingest_people
from tests.services.helpers import scalar

NOW = datetime(2025, 1, 1, tzinfo=UTC)
AGENT = Steward(load_policy(), "agent:wu")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"phone": "+86 139-1234-5678"}, ("+8613912345678", None, None)),
        ({"phone": "021-6234 5678转12"}, ("+862162345678", None, None)),
        ({"email": " Lin.JiaXin@Example.com "}, (None, "lin.jiaxin@example.com", None)),
        ({"address_line": "广东省广州市天河区天河路385号"}, (None, None, "广州")),
        (
            {"address": AddressParts(province="上海市", detail="徐汇区漕溪北路88号")},
            (None, None, "上海"),
        ),
    ],
    ids=["mobile", "landline", "email", "address text", "address parts"],
)
def test_edits_are_normalised_as_ingest_does(
    values: dict[str, object], expected: tuple[str | None, str | None, str | None]
) -> None:
    edit = contact_edit(**values)  # type: ignore[arg-type]
    phone = edit.phone.e164 if edit.phone else None
    email = edit.email.value if edit.email else None
    city = edit.address.city if edit.address else None
    assert (phone, email, city) == expected


@pytest.mark.parametrize(
    ("values", "argument"),
    [
        ({"phone": "110"}, "phone"),
        ({"email": "lin@"}, "email"),
        ({"address_line": "上海市"}, "address"),
        ({"address_line": "上海市徐汇区x路1号", "address": AddressParts(detail="x")}, "address"),
        ({}, None),
    ],
    ids=["short phone", "bad email", "no street", "text and parts", "nothing"],
)
def test_junk_is_refused_naming_the_field(values: dict[str, object], argument: str | None) -> None:
    with pytest.raises(WriteError) as error:
        contact_edit(**values)  # type: ignore[arg-type]
    assert error.value.code == "BAD_USER_INPUT"
    assert error.value.detail.get("argument") == argument


async def test_the_hub_record_gets_blocking_keys_and_a_version_per_edit(
    hub: HubState, tmp_path: Path
) -> None:
    people = await ingest_people(hub, tmp_path)
    golden = people.golden["M2"]
    for n, phone in enumerate(("13912345678", "13912345679"), start=1):
        async with hub.sessions() as session, session.begin():
            done = await contacts.update_contact(
                session, AGENT, golden, contact_edit(phone=phone, confirmed=True), NOW
            )
        assert (done.golden_id, done.version, done.moved_from) == (golden, n, None)
    keys = await count(
        hub,
        "SELECT count(*) FROM blocking_keys WHERE source_record_id = :r AND key_value LIKE :v",
        r=done.source_record_id,
        v="%13912345679%",
    )
    assert keys >= 1
    primary = await scalar(
        hub, "SELECT primary_phone FROM golden_customers WHERE id = :g", g=golden
    )
    assert primary == "+8613912345679"


async def test_an_edit_takes_back_a_hub_record_split_away(hub: HubState, tmp_path: Path) -> None:
    people = await ingest_people(hub, tmp_path)
    golden = people.golden["M1"]
    async with hub.sessions() as session, session.begin():
        await contacts.update_contact(session, AGENT, golden, contact_edit(email="a@b.cn"), NOW)
    async with hub.sessions() as session, session.begin():
        split = await stewardship.unmerge(
            session, AGENT, "hub", f"contact:{golden}", "agent typo", NOW
        )
    async with hub.sessions() as session, session.begin():
        done = await contacts.update_contact(
            session, AGENT, golden, contact_edit(email="c@d.cn"), NOW
        )
    assert done.moved_from == split
    status = await scalar(hub, "SELECT status FROM golden_customers WHERE id = :g", g=split)
    assert status == "empty"  # its only record came back: the split-off customer is retired
