"""Orders and tickets as matching evidence, through the real pipeline (SQLite and PostgreSQL).

A caller known only as "林小姐" on a landline is the customer whose order she
complains about; the calls of one ticket are one caller; a relative calling
about someone else's order stays someone else.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from cdhub.state import HubState
from tests.services.helpers import dump, golden_of, ingest

_CALL_HEADER = (
    "call_id,caller_number,customer_name,started_at,duration_s,agent_id,category,summary,"
    "ticket_no,ticket_status,order_no,batch_no,satisfaction"
).split(",")


def _shop(path: Path, *rows: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _calls(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=_CALL_HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in _CALL_HEADER})
    return path


def _member_with_order(member_id: str, name: str, mobile: str, tid: str) -> list[dict[str, Any]]:
    return [
        {"type": "member", "member_id": member_id, "name": name, "mobile": mobile},
        {
            "type": "order",
            "tid": tid,
            "member_id": member_id,
            "created": "2024-11-03 20:15:00",
            "status": "SHIPPED",
            "payment": "398.00",
            "items": [{"oid": "1", "sku": "SKU-7731", "title": "保温杯", "num": 1, "price": "398"}],
        },
    ]


async def _member_then_call(hub: HubState, tmp_path: Path, call: dict[str, str]) -> None:
    """Member M-1 (林嘉欣) with order E-1, then one call."""
    member = _member_with_order("M-1", "林嘉欣", "13912345678", "E-1")
    await ingest(hub, "shop", _shop(tmp_path / "shop.jsonl", *member))
    await ingest(hub, "callcenter", _calls(tmp_path / "calls.csv", call))


async def test_a_caller_citing_an_order_joins_the_customer_who_placed_it(
    hub: HubState, tmp_path: Path
) -> None:
    call = {
        "call_id": "C-1",
        "caller_number": "021-62345678",
        "customer_name": "林小姐",
        "started_at": "2024-11-06 09:12:44",
        "category": "complaint",
        "ticket_no": "T-1",
        "ticket_status": "open",
        "order_no": "E-1",
    }
    await _member_then_call(hub, tmp_path, call)
    member = await golden_of(hub, "shop", "M-1")
    assert member is not None
    assert await golden_of(hub, "callcenter", "C-1") == member


async def test_the_calls_of_one_ticket_are_one_caller(hub: HubState, tmp_path: Path) -> None:
    common = {"category": "inquiry", "ticket_no": "T-9", "customer_name": "王先生"}
    await ingest(
        hub,
        "callcenter",
        _calls(
            tmp_path / "calls.csv",
            {**common, "call_id": "C-1", "caller_number": "010-88889999", "ticket_status": "open"},
            {**common, "call_id": "C-2", "caller_number": "", "ticket_status": "resolved"},
            # another ticket, the same honorific, another number: nothing ties it
            {**common, "call_id": "C-3", "caller_number": "0755-12345678", "ticket_no": "T-10"},
        ),
    )
    first = await golden_of(hub, "callcenter", "C-1")
    assert first is not None
    assert await golden_of(hub, "callcenter", "C-2") == first
    assert await golden_of(hub, "callcenter", "C-3") != first


async def test_a_relative_calling_about_someone_elses_order_stays_apart(
    hub: HubState, tmp_path: Path
) -> None:
    call = {
        "call_id": "C-7",
        "caller_number": "13800138000",
        "customer_name": "陈国华",
        "category": "complaint",
        "ticket_no": "T-7",
        "order_no": "E-1",
    }
    await _member_then_call(hub, tmp_path, call)
    caller = await golden_of(hub, "callcenter", "C-7")
    assert caller is not None
    assert caller != await golden_of(hub, "shop", "M-1")


async def test_a_guest_buyer_and_the_caller_citing_the_guest_order_meet(
    hub: HubState, tmp_path: Path
) -> None:
    guest = {
        "type": "order",
        "tid": "E-G1",
        "created": "2024-11-03 20:15:00",
        "status": "PAID",
        "payment": "10.00",
        "receiver": {
            "name": "赵敏",
            "mobile": "13700001111",
            "city": "杭州",
            "address": "文三路1号",
        },
        "items": [{"oid": "1", "sku": "S", "title": "杯", "num": 1, "price": "10.00"}],
    }
    await ingest(hub, "shop", _shop(tmp_path / "shop.jsonl", guest))
    await ingest(
        hub,
        "callcenter",
        _calls(
            tmp_path / "calls.csv",
            {"call_id": "C-G", "customer_name": "赵女士", "ticket_no": "T-G", "order_no": "E-G1"},
        ),
    )
    buyer = await golden_of(hub, "shop", "E-G1")
    assert buyer is not None
    assert await golden_of(hub, "callcenter", "C-G") == buyer


async def test_a_call_loaded_before_the_order_it_cites_meets_its_customer_when_it_arrives(
    hub: HubState, tmp_path: Path
) -> None:
    call = {
        "call_id": "C-5",
        "caller_number": "021-62345678",
        "customer_name": "林小姐",
        "category": "complaint",
        "ticket_no": "T-5",
        "order_no": "E-1",
    }
    await ingest(hub, "callcenter", _calls(tmp_path / "calls.csv", call))
    shop = _shop(
        tmp_path / "shop.jsonl", *_member_with_order("M-1", "林嘉欣", "13912345678", "E-1")
    )
    await ingest(hub, "shop", shop)
    member = await golden_of(hub, "shop", "M-1")
    assert member is not None
    assert await golden_of(hub, "callcenter", "C-5") == member
    before = await dump(hub)
    await ingest(hub, "shop", shop)  # the same orders again: no one is matched again
    assert await dump(hub) == before
