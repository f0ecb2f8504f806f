"""Synthetic customers with their facts, written straight into PostgreSQL with COPY.

Used by `bench.graphql_360`: loading demo data through the pipeline (ingest,
train, rebuild) takes tens of minutes at 100,000 people on a small machine,
and the read benchmark needs only the stored shape, not the matching. Each
customer gets a golden record (with a view in the `GoldenView.to_dict()`
shape), a shop, an ERP and a call-center source record with cross-references,
three identities, ``orders`` orders alternating between shop and ERP with two
lines each, two tickets (one open with two calls, one resolved with one) and a
ledger entry per order plus a hub redemption naming the golden customer.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

T0 = datetime(2023, 1, 1, tzinfo=UTC)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂"
PROVINCES = (("上海", "上海"), ("广东", "广州"), ("浙江", "杭州"), ("北京", "北京"))
CHUNK = 5000


def _value(value: str, sources: list[int], primary: bool, kind: str | None) -> dict[str, Any]:
    return {
        "value": value,
        "sources": sources,
        "is_primary": primary,
        "rule": "source_priority:shop" if primary else "retained",
        "kind": kind,
        "valid": True,
        "address": None,
    }


def _view(n: int, name: str, phone: str, email: str, records: list[int]) -> dict[str, Any]:
    province, city = PROVINCES[n % len(PROVINCES)]
    address = {
        "raw": f"{province}{city}中山路{n % 999}号",
        "province": province,
        "province_code": None,
        "city": city,
        "district": "中心区",
        "detail": f"中山路{n % 999}号",
        "postcode": None,
    }
    address_value = _value(f"{province} {city} 中心区 中山路{n % 999}号", records[:1], True, None)
    address_value["address"] = address
    return {
        "kind": "person",
        "display_name": name,
        "person_name": {"raw": name, "full": name, "pinyin": f"ke hu {n}", "is_latin": False},
        "gender": "F" if n % 2 else "M",
        "birth_date": f"19{60 + n % 40}-0{1 + n % 9}-1{n % 9}",
        "nickname": None,
        "avatar_url": None,
        "member_level": "gold" if n % 5 == 0 else "silver",
        "subscribed": True,
        "primary_phone": phone,
        "primary_email": email,
        "primary_address": address,
        "phones": [_value(phone, records[:2], True, "mobile")],
        "emails": [_value(email, records[1:2], True, None)],
        "addresses": [address_value],
        "identifiers": [_value(f"M{n}", records[:1], True, "member_id")],
        "identifier_evidence": [],
        "lineage": [],
        "source_record_ids": records,
        "policy_version": "bench",
    }


def _rows(people: int, orders: int, seed: int) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """Rows per table for CHUNK customers at a time; ids are assigned here."""
    rng = random.Random(seed)
    order_id = item_id = ticket_id = call_id = entry_id = identity_id = 0
    for start in range(0, people, CHUNK):
        out: dict[str, list[tuple[Any, ...]]] = {}

        def add(
            table: str, row: tuple[Any, ...], out: dict[str, list[tuple[Any, ...]]] = out
        ) -> None:
            out.setdefault(table, []).append(row)

        for n in range(start, min(start + CHUNK, people)):
            golden = n + 1
            records = [3 * n + 1, 3 * n + 2, 3 * n + 3]
            keys = [("shop", f"M{n}"), ("erp", f"K{n}"), ("callcenter", f"C{n}")]
            name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + str(n % 100)
            phone, email = f"+86139{n:08d}", f"c{n}@example.com"
            created = T0 + timedelta(minutes=n)
            province, city = PROVINCES[n % len(PROVINCES)]
            view = json.dumps(_view(n, name, phone, email, records), ensure_ascii=False)
            add(
                "golden_customers",
                (golden, "person", "active", name, f"ke hu {n}", name, phone, email, province,
                 city, "gold" if n % 5 == 0 else "silver", view, 3, 3, 1, created, created),
            )  # fmt: skip
            for rid, (system, key) in zip(records, keys, strict=True):
                add(
                    "source_records",
                    (rid, system, key, "person", 1, f"h{rid}", "{}", "{}", created, created,
                     created, False),
                )  # fmt: skip
                add("xrefs", (rid, golden, golden, "score", 12.5, "{}", "bench", created))
            for kind, value in (("phone", phone), ("email", email), ("member_id", f"M{n}")):
                identity_id += 1
                add("golden_identities", (identity_id, golden, kind, value, True, "[]"))
            for k in range(orders):
                order_id += 1
                system, party = keys[k % 2]
                at = created + timedelta(days=k * 9, minutes=rng.randrange(600))
                total = Decimal(rng.randrange(1000, 90000)) / 100
                add(
                    "orders",
                    (order_id, system, f"{system.upper()}-{order_id}", system, party, system,
                     "TRADE_FINISHED", at, at, total, "CNY", "{}", None, f"o{order_id}", at),
                )  # fmt: skip
                for line in (1, 2):
                    item_id += 1
                    add(
                        "order_items",
                        (item_id, order_id, str(line), f"SKU-{line}", "保温杯", Decimal(1),
                         total / 2, total / 2, f"B{k % 7}"),
                    )  # fmt: skip
                entry_id += 1
                add(
                    "loyalty_ledger",
                    (entry_id, f"{system}:{order_id}", system, system, party, None, "earn",
                     int(total), f"{system.upper()}-{order_id}", None, "system", at, at),
                )  # fmt: skip
            entry_id += 1
            add(
                "loyalty_ledger",
                (entry_id, f"hub:{entry_id}", "hub", None, None, golden, "redeem", -10, None,
                 "gift", "agent", created + timedelta(days=200), created),
            )  # fmt: skip
            for status, calls in (("open", 2), ("resolved", 1)):
                ticket_id += 1
                opened = created + timedelta(days=30 * ticket_id % 300)
                number = f"T{ticket_id}"
                add(
                    "tickets",
                    (ticket_id, "callcenter", number, "callcenter", f"C{n}", None, status,
                     "complaint", None, None, None, opened, opened, opened),
                )  # fmt: skip
                for c in range(calls):
                    call_id += 1
                    add(
                        "calls",
                        (call_id, "callcenter", f"CALL{call_id}", number,
                         opened + timedelta(hours=c), 120, "A7", "complaint", "回访", status,
                         None, None, None, phone, f"c{call_id}"),
                    )  # fmt: skip
        yield out


COLUMNS = {
    "golden_customers": (
        "id", "kind", "status", "display_name", "name_pinyin", "search_text", "primary_phone",
        "primary_email", "province", "city", "tier", "view", "source_count", "channel_count",
        "version", "created_at", "updated_at",
    ),
    "source_records": (
        "id", "source_system", "source_key", "party_kind", "version", "content_hash", "raw",
        "attributes", "observed_at", "received_at", "updated_at", "erased",
    ),
    "xrefs": (
        "source_record_id", "golden_id", "home_golden_id", "link_method", "match_weight",
        "explanation", "linked_by", "linked_at",
    ),
    "golden_identities": ("id", "golden_id", "kind", "value", "is_primary", "source_record_ids"),
    "orders": (
        "id", "source_system", "order_no", "party_system", "party_key", "channel", "status",
        "ordered_at", "paid_at", "total_amount", "currency", "receiver", "external_ref",
        "content_hash", "updated_at",
    ),
    "order_items": (
        "id", "order_id", "line_no", "sku", "title", "quantity", "unit_price", "amount",
        "batch_no",
    ),
    "loyalty_ledger": (
        "id", "entry_key", "source_system", "party_system", "party_key", "golden_id", "kind",
        "points", "order_no", "note", "actor", "occurred_at", "created_at",
    ),
    "tickets": (
        "id", "source_system", "ticket_no", "party_system", "party_key", "golden_id", "status",
        "category", "order_no", "batch_no", "satisfaction", "opened_at", "status_at",
        "updated_at",
    ),
    "calls": (
        "id", "source_system", "call_id", "ticket_no", "started_at", "duration_s", "agent_id",
        "category", "summary", "ticket_status", "order_no", "batch_no", "satisfaction",
        "caller_number", "content_hash",
    ),
}  # fmt: skip
ORDER = tuple(COLUMNS)  # parents before children (foreign keys)


async def load(dsn: str, people: int, orders: int, seed: int = 3) -> int:
    """Write ``people`` customers and their facts; the number of rows written."""
    connection = await asyncpg.connect(dsn)
    written = 0
    try:
        for chunk in _rows(people, orders, seed):
            async with connection.transaction():
                for table in ORDER:
                    rows = chunk.get(table, [])
                    await connection.copy_records_to_table(
                        table, records=rows, columns=list(COLUMNS[table])
                    )
                    written += len(rows)
        for table in ORDER:
            if table != "xrefs":
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return written
