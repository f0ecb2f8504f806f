"""Call-center calls grouped into tickets.

Every call is a party record of its caller (keyed `call_id`). A ticket spans
one to three calls, opened on the first and resolved (with a satisfaction
score) on the last; complaints cite the shop order and the product batch.
Callers ring from their mobiles, a household landline, or an office switchboard
shared by dozens of colleagues.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cdhub.demo import clock, entry
from cdhub.demo.catalogue import Catalogue
from cdhub.demo.people import Person
from cdhub.demo.shop import OrderRef
from cdhub.demo.world import World

HEADER = (
    "call_id", "caller_number", "customer_name", "started_at", "duration_s", "agent_id",
    "category", "summary", "ticket_no", "ticket_status", "order_no", "batch_no", "satisfaction",
)  # fmt: skip
_AGENT_NAME = entry.NameMix(traditional=0.02, typo=0.08, romanised=0.02, title=0.45, missing=0.08)
_SUMMARIES = {
    "complaint": (
        "杯盖漏水 要求换货",
        "收到商品破损",
        "质量问题 要求退款",
        "少发配件",
        "使用一周后故障",
    ),
    "inquiry": ("咨询会员积分", "查询订单物流", "咨询发票开具", "询问门店地址", "咨询产品使用方法"),
    "refund": ("申请退款", "退货进度查询", "退款未到账"),
    "order": ("电话下单", "修改收货地址", "取消订单"),
    "followup": ("回访 已寄出新品", "回访 问题已解决", "回访 客户未接听", "回访 已退款"),
}
_CALL_START = datetime(2023, 1, 1)
_CALL_ID, _TICKET_NO, _TICKET_STATUS = (
    HEADER.index(c) for c in ("call_id", "ticket_no", "ticket_status")
)


@dataclass
class CallOutput:
    """Rows in call order (header `HEADER`) and truth rows."""

    rows: list[list[str]] = field(default_factory=list)
    truth: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Call:
    started: datetime
    person: int
    row: list[str]
    ticket: int  # -1 for none


def build_callcenter(
    world: World,
    rng: random.Random,
    catalogue: Catalogue,
    orders: dict[int, list[OrderRef]],
) -> CallOutput:
    """Render every call of everyone present in the call center."""
    calls: list[_Call] = []
    tickets = 0
    callers = {p for office in world.offices for p in office.callers}
    for person in world.people:
        if not world.presence[person.index].callcenter:
            continue
        remaining = rng.choices((1, 2, 3, 4, 5), (40, 25, 17, 10, 8))[0]
        from_office = person.index in callers
        while remaining > 0:
            size = min(remaining, rng.choices((1, 2, 3), (55, 30, 15))[0])
            remaining -= size
            ticket = -1  # a call logged without a ticket
            if size > 1 or rng.random() < 0.85:
                ticket, tickets = tickets, tickets + 1
            start = clock.office_hours(
                rng, clock.between(rng, _CALL_START, clock.END - timedelta(days=10))
            )
            for moment, row in _ticket(
                world,
                person,
                size,
                start,
                orders.get(person.index, []),
                catalogue,
                rng,
                force_office=from_office,
            ):
                calls.append(_Call(moment, person.index, row, ticket))
            from_office = False
    calls.sort(key=lambda c: (c.started, c.person))
    out = CallOutput()
    ticket_numbers: dict[int, str] = {}
    for i, call in enumerate(calls):
        call_id = f"C-{10001 + i}"
        if call.ticket >= 0:
            number = ticket_numbers.setdefault(call.ticket, f"T-{1001 + len(ticket_numbers)}")
            call.row[_TICKET_NO] = number
        else:
            call.row[_TICKET_STATUS] = ""
        call.row[_CALL_ID] = call_id
        out.rows.append(call.row)
        out.truth.append((call_id, world.people[call.person].entity_id))
    return out


def _ticket(
    world: World,
    person: Person,
    size: int,
    start: datetime,
    orders: list[OrderRef],
    catalogue: Catalogue,
    rng: random.Random,
    *,
    force_office: bool,
) -> list[tuple[datetime, list[str]]]:
    placed = [o for o in orders if o.created < start]
    category = rng.choice(("inquiry", "refund", "order"))
    order_no = batch_no = ""
    if placed and rng.random() < 0.6:
        order = rng.choice(placed)
        bad = [b for b in order.batches if b in catalogue.defective]
        category = "complaint"
        order_no, batch_no = order.tid, rng.choice(bad or list(order.batches))
    calls: list[tuple[datetime, list[str]]] = []
    moment = start
    for position in range(size):
        last = position == size - 1
        status = "resolved" if last and (size > 1 or rng.random() < 0.7) else "open"
        kind = category if position == 0 else "followup"
        satisfaction = ""
        if status == "resolved" and rng.random() < 0.75:
            low = category in ("complaint", "refund")
            satisfaction = str(
                rng.choices((1, 2, 3, 4, 5), (3, 3, 4, 5, 5) if low else (1, 1, 3, 6, 9))[0]
            )
        row = [
            "",
            _caller_number(world, person, rng, force_office and position == 0),
            entry.name(person, rng, _AGENT_NAME) or "",
            clock.local(moment),
            str(min(3600, max(8, int(rng.lognormvariate(5.0, 0.7))))),
            f"A{rng.randint(1, 40):03d}",
            kind,
            rng.choice(_SUMMARIES[kind]),
            "",
            status,
            order_no if position == 0 else "",
            batch_no if position == 0 else "",
            satisfaction,
        ]
        calls.append((moment, row))
        following = clock.office_hours(rng, moment + timedelta(minutes=rng.randint(30, 5760)))
        moment = following if following > moment else following + timedelta(days=1)
    return calls


def _caller_number(world: World, person: Person, rng: random.Random, office_line: bool) -> str:
    office = world.office_of(person.index)
    home_line = world.households[person.household].landline
    roll = rng.random()
    if office is not None and (office_line or roll < 0.15):
        extension = str(rng.randint(100, 899)) if rng.random() < 0.05 else ""
        return entry.landline(office.landline, rng, 0.7, extension)
    if home_line is not None and roll < 0.3:
        return entry.landline(home_line, rng, 0.7)
    if not person.mobiles or roll > 0.985:
        return rng.choice(("", "", "anonymous", "0"))  # withheld or junk
    number = person.mobiles[-1] if rng.random() < 0.6 else person.mobiles[0]
    return entry.mobile(number, rng, 0.85)
