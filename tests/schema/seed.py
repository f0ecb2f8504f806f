"""A small hub written straight through the ORM models, for read-side tests.

Golden customers (with views in the `GoldenView.to_dict()` shape), their source
records and cross-references, orders with items and deliveries, tickets with
calls and hub events, ledger entries, a customer absorbed by a merge, an erased
one, match candidates, quarantined input and merge events. `seed_crowd` adds
look-alike customers for pagination and statement-count tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import (
    AttributeLineage,
    Call,
    Delivery,
    GoldenCustomer,
    GoldenIdentity,
    LoyaltyEntry,
    MatchCandidate,
    MergeEvent,
    Order,
    OrderItem,
    QuarantinedRecord,
    Relationship,
    SourceRecord,
    Ticket,
    TicketEvent,
    Xref,
)
from mdm.golden import GoldenView

T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def view(
    kind: str,
    name: str | None,
    *,
    pinyin: str | None = None,
    phones: Sequence[tuple[str, list[int]]] = (),
    emails: Sequence[tuple[str, list[int]]] = (),
    identifiers: Sequence[tuple[str, str, list[int]]] = (),
    address: tuple[str, str, str, str, list[int]] | None = None,
    gender: str | None = None,
    birth_date: str | None = None,
    level: str | None = None,
    lineage: Sequence[tuple[str, str, list[int], str]] = (),
) -> dict[str, Any]:
    """A golden view dict, round-tripped through `GoldenView` so its shape is the real one."""

    def value(v: str, sources: list[int], primary: bool, kind: str | None) -> dict[str, Any]:
        return {
            "value": v,
            "sources": sources,
            "is_primary": primary,
            "rule": "source_priority:shop" if primary else "retained",
            "kind": kind,
            "valid": True,
            "address": None,
        }

    person = None
    org = None
    if kind == "person" and name is not None:
        person = {
            "raw": name,
            "full": name,
            "surname": name[0],
            "given": name[1:],
            "pinyin": pinyin or "",
            "initials": "".join(p[0] for p in (pinyin or "").split()),
            "is_latin": False,
            "honorific_only": False,
        }
    if kind == "organisation" and name is not None:
        org = {"raw": name, "full": name, "core": name, "legal_form": None, "branch": None}
    addresses = []
    primary_address = None
    if address is not None:
        province, city, district, detail, sources = address
        primary_address = {
            "raw": f"{province}{city}{district}{detail}",
            "province": province,
            "province_code": None,
            "city": city,
            "district": district,
            "detail": detail,
            "postcode": None,
        }
        entry = value(f"{province} {district} {detail}", sources, True, None)
        entry["address"] = primary_address
        addresses.append(entry)
    d = {
        "kind": kind,
        "display_name": name,
        "person_name": person,
        "org_name": org,
        "gender": gender,
        "birth_date": birth_date,
        "nickname": None,
        "avatar_url": None,
        "member_level": level,
        "subscribed": True,
        "primary_phone": phones[0][0] if phones else None,
        "primary_email": emails[0][0] if emails else None,
        "primary_address": primary_address,
        "phones": [value(v, s, i == 0, "mobile") for i, (v, s) in enumerate(phones)],
        "emails": [value(v, s, i == 0, None) for i, (v, s) in enumerate(emails)],
        "addresses": addresses,
        "identifiers": [value(v, s, True, k) for k, v, s in identifiers],
        "identifier_evidence": [],
        "lineage": [
            {"attribute": a, "value": v, "source_record_ids": s, "rule": r}
            for a, v, s, r in lineage
        ],
        "source_record_ids": sorted({s for _, ss in phones for s in ss}),
        "policy_version": "test-1",
    }
    return GoldenView.from_dict(d).to_dict()


@dataclass
class Seed:
    lin: int = 0  # 林嘉欣: shop, ERP, WeChat and call-center records
    chen: int = 0  # 陈志强: shop only; a hub-created ticket
    absorbed: int = 0  # merged into lin
    org: int = 0  # 上海林氏贸易有限公司, lin is its contact
    erased: int = 0
    records: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, int] = field(default_factory=dict)
    candidates: dict[str, int] = field(default_factory=dict)
    quarantine: dict[str, int] = field(default_factory=dict)
    merge_events: dict[str, int] = field(default_factory=dict)
    crowd: list[int] = field(default_factory=list)


def _record(system: str, key: str, kind: str = "person", days: float = 0) -> SourceRecord:
    return SourceRecord(
        source_system=system,
        source_key=key,
        party_kind=kind,
        version=1,
        content_hash=f"{system}:{key}",
        raw={},
        attributes={},
        received_at=at(days),
        updated_at=at(days),
    )


def _golden(kind: str, days: float, **columns: Any) -> GoldenCustomer:
    return GoldenCustomer(
        kind=kind,
        status="active",
        created_at=at(days),
        updated_at=at(days),
        view={},
        **columns,
    )


async def seed_hub(session: AsyncSession) -> Seed:
    """The named customers and their facts; commits nothing (the caller does)."""
    seed = Seed()
    records = {
        "shop:M1001": _record("shop", "M1001"),
        "erp:K2001": _record("erp", "K2001", days=1),
        "wechat:oLin": _record("wechat", "oLin", days=2),
        "callcenter:CALL-1": _record("callcenter", "CALL-1", days=3),
        "shop:M1002": _record("shop", "M1002", days=4),
        "erp:K3001": _record("erp", "K3001", "organisation", days=5),
        "wechat:oNew": _record("wechat", "oNew", days=6),
        "shop:M9999": _record("shop", "M9999", days=7),  # not linked to anyone yet
    }
    session.add_all(records.values())
    lin = _golden("person", 0, display_name="林嘉欣", name_pinyin="lin jia xin")
    chen = _golden("person", 1, display_name="陈志强", name_pinyin="chen zhi qiang")
    absorbed = _golden("person", 2, display_name="林小姐", name_pinyin="lin")
    org = _golden("organisation", 3, display_name="上海林氏贸易有限公司", name_pinyin="林氏贸易")
    erased = _golden("person", 4, display_name=None)
    session.add_all([lin, chen, absorbed, org, erased])
    await session.flush()
    seed.records = {name: r.id for name, r in records.items()}
    r = seed.records
    seed.lin, seed.chen, seed.absorbed, seed.org, seed.erased = (
        lin.id,
        chen.id,
        absorbed.id,
        org.id,
        erased.id,
    )
    absorbed.status, absorbed.merged_into_id = "merged", lin.id
    erased.status = "erased"

    lin_records = [r["shop:M1001"], r["erp:K2001"], r["wechat:oLin"], r["callcenter:CALL-1"]]
    lin.view = view(
        "person",
        "林嘉欣",
        pinyin="lin jia xin",
        phones=[("+8613912345678", [r["shop:M1001"], r["callcenter:CALL-1"]])],
        emails=[("lin.jiaxin@example.com", [r["erp:K2001"]])],
        identifiers=[
            ("unionid", "oUnionLin", [r["wechat:oLin"]]),
            ("resident_id", "11010519491231002X", [r["erp:K2001"]]),
        ],
        address=("上海", "上海", "徐汇区", "漕溪北路88号", [r["shop:M1001"]]),
        gender="F",
        birth_date="1949-12-31",
        level="gold",
        lineage=[("person_name", "林嘉欣", [r["shop:M1001"]], "source_priority:shop")],
    )
    lin.search_text = "林嘉欣 linjiaxin +8613912345678 lin.jiaxin@example.com"
    lin.province, lin.city, lin.tier = "上海", "上海", "gold"
    lin.primary_phone, lin.primary_email = "+8613912345678", "lin.jiaxin@example.com"
    lin.source_count, lin.channel_count = 4, 4
    chen.view = view(
        "person",
        "陈志强",
        pinyin="chen zhi qiang",
        phones=[("+8613800138000", [r["shop:M1002"]])],
        level="silver",
    )
    chen.search_text = "陈志强 chenzhiqiang +8613800138000"
    chen.province, chen.tier, chen.source_count, chen.channel_count = "广东", "silver", 1, 1
    org.view = view("organisation", "上海林氏贸易有限公司")
    org.search_text = "上海林氏贸易有限公司"
    org.province, org.source_count, org.channel_count = "上海", 1, 1

    session.add_all(
        [Xref(source_record_id=rid, golden_id=lin.id, link_method="score") for rid in lin_records]
        + [
            Xref(source_record_id=r["shop:M1002"], golden_id=chen.id, link_method="new"),
            Xref(source_record_id=r["erp:K3001"], golden_id=org.id, link_method="new"),
            Xref(source_record_id=r["wechat:oNew"], golden_id=chen.id, link_method="new"),
        ]
    )
    identities = [
        (lin.id, "phone", "+8613912345678"),
        (lin.id, "email", "lin.jiaxin@example.com"),
        (lin.id, "unionid", "oUnionLin"),
        (lin.id, "resident_id", "11010519491231002X"),
        (chen.id, "phone", "+8613800138000"),
        (org.id, "credit_code", "91350100M000100Y43"),
        # a family landline both hold
        (lin.id, "phone", "+862162345678"),
        (chen.id, "phone", "+862162345678"),
    ]
    session.add_all(
        GoldenIdentity(golden_id=g, kind=k, value=v, is_primary=True, source_record_ids=[])
        for g, k, v in identities
    )
    session.add(
        AttributeLineage(
            golden_id=lin.id,
            attribute="person_name",
            value="林嘉欣",
            source_record_ids=[r["shop:M1001"], r["erp:K2001"]],
            rule="source_priority:shop",
        )
    )
    session.add(
        Relationship(
            person_record_id=r["shop:M1001"], organisation_system="erp", organisation_key="K3001"
        )
    )

    orders = {
        "SO-1": Order(
            source_system="shop",
            order_no="SO-1",
            party_system="shop",
            party_key="M1001",
            channel="shop",
            status="TRADE_FINISHED",
            ordered_at=at(10),
            paid_at=at(10.1),
            total_amount=Decimal("300.00"),
            content_hash="SO-1",
        ),
        "EO-1": Order(
            source_system="erp",
            order_no="EO-1",
            party_system="erp",
            party_key="K2001",
            channel="erp",
            status="DELIVERED",
            ordered_at=at(40),
            total_amount=Decimal("1200.50"),
            content_hash="EO-1",
        ),
        "SO-2": Order(
            source_system="shop",
            order_no="SO-2",
            party_system="shop",
            party_key="M1002",
            channel="shop",
            status="WAIT_BUYER_PAY",
            ordered_at=at(12),
            total_amount=Decimal("99.90"),
            content_hash="SO-2",
        ),
        "SO-3": Order(  # no order time: sorts last
            source_system="shop",
            order_no="SO-3",
            party_system="shop",
            party_key="M1001",
            channel="shop",
            status="TRADE_CLOSED",
            total_amount=Decimal("10.00"),
            content_hash="SO-3",
        ),
        "SO-9": Order(  # its member is not linked yet
            source_system="shop",
            order_no="SO-9",
            party_system="shop",
            party_key="M9999",
            channel="shop",
            status="TRADE_FINISHED",
            ordered_at=at(11),
            total_amount=Decimal("50.00"),
            content_hash="SO-9",
        ),
    }
    session.add_all(orders.values())
    await session.flush()
    seed.orders = {no: o.id for no, o in orders.items()}
    session.add_all(
        [
            OrderItem(
                order_id=orders["SO-1"].id,
                line_no="1",
                sku="MILK-900",
                title="婴儿奶粉 900g",
                quantity=Decimal("2"),
                unit_price=Decimal("120.00"),
                amount=Decimal("240.00"),
                batch_no="B2403",
            ),
            OrderItem(
                order_id=orders["SO-1"].id,
                line_no="2",
                sku="BOTTLE",
                title="奶瓶",
                quantity=Decimal("1"),
                unit_price=Decimal("60.00"),
                amount=Decimal("60.00"),
                batch_no="B2401",
            ),
            OrderItem(
                order_id=orders["EO-1"].id,
                line_no="10",
                sku="MILK-900",
                quantity=Decimal("10"),
                unit_price=Decimal("120.05"),
                amount=Decimal("1200.50"),
                batch_no="B2403",
            ),
        ]
    )
    session.add(
        Delivery(
            source_system="shop",
            delivery_no="D-1",
            order_no="SO-1",
            carrier="顺丰",
            tracking_no="SF100",
            shipped_at=at(11),
            content_hash="D-1",
        )
    )

    tickets = {
        "T-1": Ticket(
            source_system="callcenter",
            ticket_no="T-1",
            party_system="callcenter",
            party_key="CALL-1",
            status="open",
            category="complaint",
            order_no="SO-1",
            batch_no="B2403",
            opened_at=at(20),
            status_at=at(21),
        ),
        "T-2": Ticket(
            source_system="callcenter",
            ticket_no="T-2",
            party_system="callcenter",
            party_key="CALL-1",
            status="resolved",
            category="inquiry",
            satisfaction=5,
            opened_at=at(5),
            status_at=at(5),
        ),
        "T-3": Ticket(  # created in the hub for chen
            source_system="hub",
            ticket_no="T-3",
            golden_id=chen.id,
            status="open",
            category="complaint",
            batch_no="B2403",
            satisfaction=2,
            opened_at=at(45),
        ),
    }
    session.add_all(tickets.values())
    await session.flush()
    seed.tickets = {no: t.id for no, t in tickets.items()}
    session.add_all(
        [
            Call(
                source_system="callcenter",
                call_id="CALL-1",
                ticket_no="T-1",
                started_at=at(20),
                duration_s=300,
                agent_id="A7",
                category="complaint",
                summary="奶粉结块",
                ticket_status="open",
                content_hash="c1",
            ),
            Call(
                source_system="callcenter",
                call_id="CALL-2",
                ticket_no="T-1",
                started_at=at(21),
                duration_s=120,
                agent_id="A8",
                summary="回访",
                ticket_status="pending",
                content_hash="c2",
            ),
            Call(
                source_system="callcenter",
                call_id="CALL-5",
                ticket_no="T-2",
                started_at=at(5),
                duration_s=60,
                agent_id="A7",
                ticket_status="resolved",
                satisfaction=5,
                content_hash="c5",
            ),
            TicketEvent(
                ticket_id=tickets["T-1"].id,
                kind="status",
                status="open",
                note="reopened by supervisor",
                actor="steward:wang",
                occurred_at=at(22),
            ),
            TicketEvent(
                ticket_id=tickets["T-1"].id,
                kind="note",
                note="called back",
                actor="steward:wang",
                occurred_at=at(23),
            ),
        ]
    )

    session.add_all(
        [
            LoyaltyEntry(
                entry_key="shop:1",
                source_system="shop",
                party_system="shop",
                party_key="M1001",
                kind="earn",
                points=100,
                order_no="SO-1",
                occurred_at=at(10),
            ),
            LoyaltyEntry(
                entry_key="erp:1",
                source_system="erp",
                party_system="erp",
                party_key="K2001",
                kind="earn",
                points=50,
                order_no="EO-1",
                occurred_at=at(40),
            ),
            LoyaltyEntry(
                entry_key="hub:1",
                source_system="hub",
                golden_id=lin.id,
                kind="redeem",
                points=-30,
                note="gift",
                occurred_at=at(41),
            ),
            LoyaltyEntry(  # names the absorbed customer: counts for lin
                entry_key="hub:2",
                source_system="hub",
                golden_id=absorbed.id,
                kind="adjust",
                points=20,
                occurred_at=at(3),
            ),
            LoyaltyEntry(
                entry_key="shop:2",
                source_system="shop",
                party_system="shop",
                party_key="M1002",
                kind="earn",
                points=7,
                occurred_at=at(12),
            ),
        ]
    )

    explanation = {
        "golden_id": str(lin.id),
        "outcome": "possible_match",
        "veto": None,
        "best_pair": {
            "left": ["wechat", "oNew"],
            "right": ["shop", "M1001"],
            "outcome": "possible_match",
            "match_weight": 4.2,
            "probability": 0.948,
            "prior_weight": -6.5,
            "rule": None,
            "strong_evidence": False,
            "contradiction": False,
            "explanation": [
                {"comparison": "name", "level": "pinyin_exact", "weight": 6.1, "tf_adjusted": True},
                {"comparison": "phone", "level": "null", "weight": 0.0, "tf_adjusted": False},
            ],
        },
    }
    candidates = {
        "open": MatchCandidate(
            source_record_id=r["wechat:oNew"],
            golden_id=lin.id,
            other_source_record_id=r["shop:M1001"],
            match_weight=4.2,
            probability=0.948,
            explanation=explanation,
            status="open",
            created_at=at(30),
        ),
        "rejected": MatchCandidate(
            source_record_id=r["shop:M1002"],
            golden_id=lin.id,
            match_weight=1.0,
            probability=0.6,
            explanation={},
            status="rejected",
            created_at=at(31),
            resolved_by="steward:wang",
            resolved_at=at(32),
        ),
    }
    quarantine = {
        "bad-json": QuarantinedRecord(
            source_system="shop",
            origin="shop.jsonl:17",
            raw="{not json",
            raw_hash="h1",
            reason="bad_json",
            status="open",
            received_at=at(1),
        ),
        "no-key": QuarantinedRecord(
            source_system="wechat",
            origin="webhook",
            raw="{}",
            raw_hash="h2",
            reason="missing_key",
            detail="openid",
            status="replayed",
            received_at=at(2),
        ),
    }
    events = {
        "merge": MergeEvent(
            event_type="merge",
            golden_id=lin.id,
            other_golden_id=absorbed.id,
            actor="steward:wang",
            reason="same phone",
            before={"members": [1]},
            after={"members": [1, 2]},
            created_at=at(3),
        ),
        "chen": MergeEvent(
            event_type="review_rejected",
            golden_id=chen.id,
            actor="steward:li",
            created_at=at(32),
        ),
    }
    session.add_all([*candidates.values(), *quarantine.values(), *events.values()])
    await session.flush()
    seed.candidates = {k: c.id for k, c in candidates.items()}
    seed.quarantine = {k: q.id for k, q in quarantine.items()}
    seed.merge_events = {k: e.id for k, e in events.items()}
    return seed


async def seed_crowd(session: AsyncSession, count: int, *, start: int = 0) -> list[int]:
    """``count`` customers, each with a shop and an ERP record, two orders with two lines,
    an open ticket with a call and two ledger entries."""
    ids: list[int] = []
    for n in range(start, start + count):
        shop = _record("shop", f"C{n}")
        erp = _record("erp", f"E{n}")
        caller = _record("callcenter", f"CC{n}")
        golden = _golden(
            "person",
            100 + n,
            display_name=f"客户{n:03d}",
            name_pinyin=f"ke hu {n:03d}",
            search_text=f"客户{n:03d}",
            province="浙江" if n % 2 else "江苏",
            tier="gold" if n % 3 == 0 else "silver",
            source_count=3,
            channel_count=3,
        )
        session.add_all([shop, erp, caller, golden])
        await session.flush()
        golden.view = view(
            "person",
            f"客户{n:03d}",
            pinyin=f"ke hu {n:03d}",
            phones=[(f"+86139{n:08d}", [shop.id])],
            identifiers=[("member_id", f"C{n}", [shop.id])],
        )
        session.add_all(
            Xref(source_record_id=rid, golden_id=golden.id, link_method="score")
            for rid in (shop.id, erp.id, caller.id)
        )
        session.add(
            GoldenIdentity(
                golden_id=golden.id, kind="phone", value=f"+86139{n:08d}", source_record_ids=[]
            )
        )
        for system, party in (("shop", f"C{n}"), ("erp", f"E{n}")):
            order = Order(
                source_system=system,
                order_no=f"{system}-{n}",
                party_system=system,
                party_key=party,
                channel=system,
                status="TRADE_FINISHED",
                ordered_at=at(50 + n),
                total_amount=Decimal("20.00"),
                content_hash=f"{system}-{n}",
            )
            session.add(order)
            await session.flush()
            session.add_all(
                OrderItem(
                    order_id=order.id,
                    line_no=str(line),
                    sku="SKU",
                    amount=Decimal("10.00"),
                    batch_no="B-CROWD",
                )
                for line in (1, 2)
            )
            session.add(
                LoyaltyEntry(
                    entry_key=f"crowd:{system}:{n}",
                    source_system=system,
                    party_system=system,
                    party_key=party,
                    kind="earn",
                    points=10,
                    occurred_at=at(50 + n),
                )
            )
        session.add(
            Ticket(
                source_system="callcenter",
                ticket_no=f"TC-{n}",
                party_system="callcenter",
                party_key=f"CC{n}",
                status="open",
                category="inquiry",
                opened_at=at(60 + n),
            )
        )
        session.add(
            Call(
                source_system="callcenter",
                call_id=f"CC{n}",
                ticket_no=f"TC-{n}",
                started_at=at(60 + n),
                ticket_status="open",
                content_hash=f"CC{n}",
            )
        )
        ids.append(golden.id)
    await session.flush()
    return ids
