"""Erasure end to end: ingest a person through the real pipeline, erase them, and find
nothing of them in any table (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cdhub.security import api_keys, erasure
from cdhub.security.principal import Role
from cdhub.state import HubState
from cdhub.storage.models import (
    ErasedSourceKey,
    GoldenCustomer,
    GoldenIdentity,
    LoyaltyEntry,
    Order,
    OrderItem,
    SourceRecord,
)
from cdhub.storage.queries.customers import customers_by_ids
from tests.security.conftest import NOW
from tests.services.helpers import ALL_FIXTURES, FIXTURES, dump, ingest

NAME = "欧阳兰芳"
MOBILE = "13766661234"
EMAIL = "ouyang.lanfang@example.org"


def resident_id(first17: str) -> str:
    """A resident ID with its GB 11643 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


RESIDENT_ID = resident_id("31010419880512123")


def _subject_files(tmp_path: Path) -> list[tuple[str, Path]]:
    shop = [
        {
            "type": "member",
            "member_id": "M900001",
            "name": NAME,
            "mobile": "137-6666-1234",
            "email": "OuYang.LanFang@Example.org",
            "gender": "F",
            "birthday": "1988-05-12",
            "level": "SILVER",
            "registered_at": "2024-01-02T10:00:00+08:00",
            "address": {
                "province": "上海市",
                "city": "上海市",
                "district": "静安区",
                "detail": "南京西路1266号 3201室",
                "postcode": "200040",
            },
        },
        {
            "type": "order",
            "tid": "E900001",
            "member_id": "M900001",
            "buyer_mobile": MOBILE,
            "created": "2024-11-05 10:00:00",
            "pay_time": "2024-11-05 10:01:00",
            "status": "SHIPPED",
            "payment": "120.00",
            "receiver": {
                "name": NAME,
                "mobile": MOBILE,
                "province": "上海",
                "city": "上海",
                "district": "静安",
                "address": "南京西路1266号 3201室",
            },
            "items": [
                {
                    "oid": "1",
                    "sku": "SKU-7731",
                    "title": "保温杯 500ml",
                    "num": 1,
                    "price": "120.00",
                    "batch_no": "B2410-07",
                }
            ],
            "points_earned": 120,
        },
        # Someone else's gift order, sent to the subject.
        {
            "type": "order",
            "tid": "E900002",
            "member_id": "M100235",
            "buyer_mobile": "13800138000",
            "created": "2024-11-06 10:00:00",
            "status": "SHIPPED",
            "payment": "88.00",
            "receiver": {
                "name": NAME,
                "mobile": MOBILE,
                "province": "上海",
                "city": "上海",
                "district": "静安",
                "address": "南京西路1266号 3201室",
            },
            "items": [{"oid": "1", "sku": "SKU-1002", "title": "杯刷", "num": 1, "price": "88.00"}],
        },
    ]
    wechat = [
        {
            "event": "phone_bound",
            "openid": "oMini_900001abc",
            "phoneNumber": "+86 " + MOBILE,
            "purePhoneNumber": MOBILE,
            "countryCode": "86",
            "bound_at": 1730640000,
        },
        {"event": "phone_bound", "openid": {"id": "broken"}, "purePhoneNumber": MOBILE},
    ]
    erp = (
        "KUNNR,KTOKD,NAME1,NAME2,STCD5,TELF1,SMTP_ADDR,LAND1,REGIO,ORT01,ORT02,STRAS,PSTLZ,ERDAT\n"
        f"0000900001,Z002,{NAME},,{RESIDENT_ID},{MOBILE},{EMAIL},CN,31,上海,静安区,"
        "南京西路1266号3201室,200040,20240102\n"
    )
    calls = (
        "call_id,caller_number,customer_name,started_at,duration_s,agent_id,category,summary,"
        "ticket_no,ticket_status,order_no,batch_no,satisfaction\n"
        f"C-900001,137 6666 1234,{NAME},2024-11-08 09:00:00,120,A003,complaint,"
        f"{NAME}反映杯盖漏水 回拨{MOBILE},T-900001,open,E900001,B2410-07,\n"
    )
    files = {
        "shop.jsonl": "\n".join(json.dumps(r, ensure_ascii=False) for r in shop),
        "wechat.jsonl": "\n".join(json.dumps(r, ensure_ascii=False) for r in wechat),
        "erp_customers.csv": erp,
        "calls.csv": calls,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text + "\n", encoding="utf-8")
    return [
        ("shop", tmp_path / "shop.jsonl"),
        ("wechat", tmp_path / "wechat.jsonl"),
        ("erp", tmp_path / "erp_customers.csv"),
        ("callcenter", tmp_path / "calls.csv"),
    ]


async def _seed(hub: HubState, tmp_path: Path) -> list[int]:
    for system, name in ALL_FIXTURES:
        await ingest(hub, system, FIXTURES / name)
    for system, path in _subject_files(tmp_path):
        await ingest(hub, system, path)
    async with hub.sessions() as session:
        rows = await session.execute(
            select(GoldenIdentity.golden_id).where(
                GoldenIdentity.kind == "phone", GoldenIdentity.value == "+86" + MOBILE
            )
        )
        return sorted(set(rows.scalars()))


def _text(tables: dict[str, list[tuple[str, ...]]]) -> str:
    return "\n".join(f"{name}: {row}" for name, rows in tables.items() for row in rows)


def _traces_in(text: str) -> list[str]:
    lowered = text.lower()
    found = [
        s for s in (NAME, MOBILE, RESIDENT_ID, EMAIL, "ouyang lan fang") if s.lower() in lowered
    ]
    found += [m.group() for m in re.finditer(r"137[ -]?6666[ -]?1234", text)]
    return found


async def test_erasure_leaves_no_trace_of_the_person_in_any_table(
    hub: HubState, tmp_path: Path
) -> None:
    # The phone-only WeChat binding stays a customer of its own (a phone alone does not
    # merge); the request names the person by phone, so every customer holding it goes.
    golden_ids = await _seed(hub, tmp_path)
    golden_id = golden_ids[0]
    before = _text(await dump(hub))
    assert set(_traces_in(before)) >= {NAME, MOBILE, RESIDENT_ID, EMAIL}
    async with hub.sessions() as session, session.begin():
        key = await api_keys.create_key(session, Role.CUSTOMER, "app", NOW, golden_id=golden_id)
        reports = [
            await erasure.erase_customer(session, gid, "admin:ops", NOW) for gid in golden_ids
        ]
    report = reports[0]

    after = _text(await dump(hub))
    assert _traces_in(after) == []
    assert golden_id in report.cache_ids
    assert ("erp", "0000900001") in report.source_keys
    # Other people are untouched.
    assert "13800138000" in after
    assert "林嘉欣" in after
    async with hub.sessions() as session:
        assert await api_keys.principal_for_key(session, key.key) is None
        assert await customers_by_ids(session, [golden_id]) == {}
        status = await session.scalar(
            select(GoldenCustomer.status).where(GoldenCustomer.id == golden_id)
        )
        erased_records = await session.scalar(
            select(func.count()).select_from(SourceRecord).where(SourceRecord.erased.is_(True))
        )
        listed = await session.scalar(select(func.count()).select_from(ErasedSourceKey))
        assert await erasure.is_erased(session, "shop", "M900001")
        assert not await erasure.is_erased(session, "shop", "M100234")
        assert await erasure.erased_keys(session, [("erp", "0000900001"), ("erp", "x")]) == {
            ("erp", "0000900001")
        }
        # Accounting facts stay: order totals and items, ledger points.
        total = await session.scalar(select(Order.total_amount).where(Order.order_no == "E900001"))
        items = await session.scalar(
            select(func.count())
            .select_from(OrderItem)
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.order_no.in_(["E900001", "E900002"]))
        )
        gift = await session.scalar(select(Order.total_amount).where(Order.order_no == "E900002"))
        points = await session.scalar(
            select(func.sum(LoyaltyEntry.points)).where(LoyaltyEntry.party_key == "M900001")
        )
    assert status == "erased"
    assert erased_records == listed == sum(len(r.source_keys) for r in reports) >= 4
    assert (total, gift, items) == (Decimal("120.00"), Decimal("88.00"), 2)
    assert points == 120


async def test_erasing_again_or_by_an_absorbed_id_is_harmless(
    hub: HubState, tmp_path: Path
) -> None:
    golden_ids = await _seed(hub, tmp_path)
    async with hub.sessions() as session, session.begin():
        first = [await erasure.erase_customer(session, g, "admin:ops", NOW) for g in golden_ids]
    async with hub.sessions() as session, session.begin():
        second = [await erasure.erase_customer(session, g, "admin:ops", NOW) for g in golden_ids]
    assert [r.family for r in second] == [r.family for r in first]
    assert _traces_in(_text(await dump(hub))) == []


async def test_an_unknown_customer_cannot_be_erased(hub: HubState) -> None:
    async with hub.sessions() as session:
        with pytest.raises(erasure.ErasureError):
            await erasure.erase_customer(session, 424242, "admin:ops", NOW)
