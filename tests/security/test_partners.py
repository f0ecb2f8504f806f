from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cdhub.security import partners
from cdhub.security.partners import PartnerError
from cdhub.state import HubState
from tests.security.conftest import NOW, add_golden, add_record


async def test_assigning_twice_changes_nothing_and_merges_assign_the_survivor(
    hub: HubState,
) -> None:
    async with hub.sessions() as session, session.begin():
        await partners.create_partner(session, "D001", "华东经销", "dealer", NOW)
        survivor = await add_golden(session)
        absorbed = await add_golden(session, merged_into=survivor)
        first = await partners.assign(session, "D001", [absorbed], assigned_by="ops", now=NOW)
        again = await partners.assign(
            session, "D001", [survivor, 999_999], assigned_by="ops", now=NOW
        )
    assert (first.created, first.golden_ids) == (1, {survivor})
    assert (again.created, again.unchanged) == (0, 1)
    assert again.rejected == [("999999", "no such customer (or erased)")]


async def test_ending_an_assignment_keeps_its_history(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        await partners.create_partner(session, "D001", "华东经销", "dealer", NOW)
        gid = await add_golden(session)
        await partners.assign(session, "D001", [gid], assigned_by="ops", now=NOW)
        assert (
            await partners.end_assignment(session, "D001", gid, ends_at=NOW + timedelta(days=1))
            == 1
        )
        later = NOW + timedelta(days=2)
        await partners.assign(session, "D001", [gid], assigned_by="ops", now=later)
        listed = await partners.list_partners(session, later)
    async with hub.sessions() as session:
        rows = await partners.history(session, golden_id=gid)
    assert [(r.ends_at is None, r.source) for r in rows] == [(False, "manual"), (True, "manual")]
    assert [(p.code, p.assigned) for p in listed] == [("D001", 1)]


async def test_bulk_assignment_from_csv_reports_bad_lines(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        await partners.create_partner(session, "D001", "华东经销", "dealer", NOW)
        await partners.create_partner(session, "W01", "华南分销", "distributor", NOW)
        a = await add_golden(session)
        b = await add_golden(session)
        await add_record(session, b, "erp", "0000100777", {})
        text = (
            "\ufeffpartner,customer_id,source_system,source_key,starts_at,ends_at\n"
            f"D001,{a},,,2025-01-01,\n"
            "W01,,erp,0000100777,2025-01-01 08:00,2026-01-01\n"
            "NOPE,1,,,,\n"
            "D001,,erp,missing,,\n"
            "D001,abc,,,,\n"
        )
        result = await partners.assign_from_csv(session, text, assigned_by="ops", now=NOW)
    assert (result.created, result.golden_ids) == (2, {a, b})
    assert [where for where, _ in result.rejected] == ["line 4", "line 5", "line 6"]
    async with hub.sessions() as session:
        rows = await partners.history(session, partner_code="W01")
    assert rows[0].source == "bulk"
    assert rows[0].ends_at is not None
    # Beijing 08:00 is stored as 00:00 UTC.
    assert rows[0].starts_at.replace(tzinfo=None) == datetime(2025, 1, 1, 0, 0)


async def test_a_rule_assigns_customers_by_a_raw_source_field(hub: HubState) -> None:
    async with hub.sessions() as session, session.begin():
        await partners.create_partner(session, "D001", "华东经销", "dealer", NOW)
        office = await add_golden(session)
        elsewhere = await add_golden(session)
        shop = await add_golden(session)
        await add_record(session, office, "erp", "1", {"KUNNR": "1", "VKBUR": "1010"})
        await add_record(session, elsewhere, "erp", "2", {"KUNNR": "2", "VKBUR": "2020"})
        await add_record(session, shop, "shop", "M1", {"VKBUR": "1010"})
        result = await partners.assign_by_rule(
            session, "D001", "erp.VKBUR=1010", assigned_by="ops", now=NOW
        )
        again = await partners.assign_by_rule(
            session, "D001", "erp.VKBUR=1010", assigned_by="ops", now=NOW
        )
    assert result.golden_ids == {office}
    assert (again.created, again.unchanged) == (0, 1)
    async with hub.sessions() as session:
        (row,) = await partners.history(session, golden_id=office)
    assert (row.source, row.rule) == ("rule", "erp.VKBUR=1010")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: partners.create_partner(s, "X", "x", "reseller", NOW), "kind must be"),
        (lambda s: partners.assign(s, "NOPE", [1], assigned_by="o", now=NOW), "no partner"),
        (lambda s: partners.assign_by_rule(s, "D001", "VKBUR", assigned_by="o", now=NOW), "a rule"),
    ],
)
async def test_bad_partner_requests_say_why(hub: HubState, call: object, message: str) -> None:
    async with hub.sessions() as session:
        with pytest.raises(PartnerError, match=message):
            await call(session)  # type: ignore[operator]
