"""Online-shop members and orders, in time order.

Party records: each member (keyed `member_id`) and the buyer of each guest
order (keyed `tid`). Some people register twice; a parent may register with
the child's mobile; some member profiles are exported after their first order,
so orders reference members not yet seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from cdhub.demo import clock, entry, noise
from cdhub.demo.catalogue import Catalogue, tracking_number
from cdhub.demo.people import Person
from cdhub.demo.world import World
from cdhub.demo.writers import json_line

_MEMBER_NAME = entry.NameMix(traditional=0.04, typo=0.05, romanised=0.05, missing=0.12)
_RECEIVER_NAME = entry.NameMix(traditional=0.02, typo=0.05, romanised=0.02, title=0.08)
_LEVELS = ("NORMAL", "SILVER", "GOLD", "PLATINUM")
_STATUSES = (
    "TRADE_FINISHED",
    "SHIPPED",
    "WAIT_SELLER_SEND_GOODS",
    "WAIT_BUYER_PAY",
    "TRADE_CLOSED",
)
_STATUS_CUM = (55, 80, 90, 95, 100)
_ORDER_COUNT_CUM = tuple(accumulate((20, 30, 20, 12, 8, 4, 3, 2, 1)))


@dataclass(frozen=True)
class OrderRef:
    """What the call center can cite about a shop order."""

    tid: str
    created: datetime
    batches: tuple[str, ...]


@dataclass
class ShopOutput:
    """Member and order lines in file order, truth rows, and each person's orders."""

    lines: list[str] = field(default_factory=list)  # JSON lines
    truth: list[tuple[str, str]] = field(default_factory=list)
    orders: dict[int, list[OrderRef]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Account:
    person: int
    registered: datetime
    duplicate: bool
    member_id: str = ""


@dataclass(frozen=True)
class _OrderSpec:
    created: datetime
    person: int
    member_id: str | None


def build_shop(
    world: World, rng: random.Random, catalogue: Catalogue, unionid_of: dict[int, str]
) -> ShopOutput:
    """Render the shop's members and orders."""
    accounts, guests = _accounts(world, rng)
    specs = _order_specs(accounts, guests, rng)
    out = ShopOutput()
    timed: list[tuple[datetime, int, str]] = []
    first_order: dict[str, datetime] = {}
    per_day: dict[str, int] = {}
    for spec in specs:
        day = clock.sap_date(spec.created)
        # other sales channels draw from the same daily sequence
        sequence = per_day[day] if day in per_day else rng.randint(0, 400)
        per_day[day] = sequence + rng.randint(1, 5)
        tid = f"E{day}{per_day[day]:06d}"
        order, batches = _order(world, world.people[spec.person], spec, tid, catalogue, rng)
        timed.append((spec.created, len(timed), json_line(order)))
        out.orders.setdefault(spec.person, []).append(OrderRef(tid, spec.created, batches))
        if spec.member_id is None:
            out.truth.append((tid, world.people[spec.person].entity_id))
        else:
            first_order.setdefault(spec.member_id, spec.created)
    late_chosen = False
    for account in accounts:
        person = world.people[account.person]
        out.truth.append((account.member_id, person.entity_id))
        shown = account.registered
        first = first_order.get(account.member_id)
        if first is not None and (rng.random() < 0.03 or not late_chosen):
            shown = first + timedelta(hours=rng.randint(1, 240))  # profile synced late
            late_chosen = True
        record = _member(world, person, account, unionid_of.get(person.index), rng)
        timed.append((shown, len(timed), json_line(record)))
    timed.sort(key=lambda item: (item[0], item[1]))
    out.lines = [line for _, _, line in timed]
    return out


def _accounts(world: World, rng: random.Random) -> tuple[list[_Account], list[int]]:
    """Member accounts with ids rising by registration time, and guest-only buyers."""
    sharing = {p for h in world.households if h.shared_mobile for p in h.shared_mobile}
    accounts: list[_Account] = []
    guests: list[int] = []
    for person in world.people:
        if not world.presence[person.index].shop:
            continue
        if rng.random() < 0.12 and person.index not in sharing:
            guests.append(person.index)
            continue
        accounts.append(_Account(person.index, clock.between(rng, clock.START, clock.END), False))
        if rng.random() < 0.025:  # registered again, forgetting the first account
            again = clock.between(rng, clock.START, clock.END)
            accounts.append(_Account(person.index, again, True))
    accounts.sort(key=lambda a: (a.registered, a.person))
    number = 100000
    for i, account in enumerate(accounts):
        number += rng.randint(1, 9)
        accounts[i] = _Account(account.person, account.registered, account.duplicate, f"M{number}")
    return accounts, guests


def _order_specs(
    accounts: list[_Account], guests: list[int], rng: random.Random
) -> list[_OrderSpec]:
    """When each order was placed and by whom, in time order."""
    specs: list[_OrderSpec] = []
    for account in accounts:
        for _ in range(rng.choices(range(9), cum_weights=_ORDER_COUNT_CUM)[0]):
            created = clock.between(rng, account.registered, clock.END)
            specs.append(_OrderSpec(created, account.person, account.member_id))
        if rng.random() < 0.06:  # checked out without logging in
            created = clock.between(rng, account.registered, clock.END)
            specs.append(_OrderSpec(created, account.person, None))
    for guest in guests:
        for _ in range(rng.randint(1, 3)):
            specs.append(_OrderSpec(clock.between(rng, clock.START, clock.END), guest, None))
    specs.sort(key=lambda s: (s.created, s.person))
    return specs


def _member(
    world: World, person: Person, account: _Account, unionid: str | None, rng: random.Random
) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "member", "member_id": account.member_id}
    nick = noise.nickname(person.given, person.english_name, person.pinyin, rng)
    entry.put(record, "nickname", nick if rng.random() < 0.9 else None, rng)
    entry.put(record, "name", entry.name(person, rng, _MEMBER_NAME), rng)
    number = person.mobiles[0] if person.mobiles else None
    shared = world.households[person.household].shared_mobile
    if shared and shared[0] == person.index:
        number = world.people[shared[1]].mobiles[0]  # shops with the child's phone
    elif account.duplicate and len(person.mobiles) > 1:
        number = person.mobiles[1]
    entry.put(record, "mobile", entry.mobile(number, rng, 0.7) if number else None, rng)
    email = person.email if not account.duplicate or rng.random() < 0.3 else None
    entry.put(record, "email", entry.email(email, rng), rng)
    entry.put(record, "gender", person.gender if rng.random() < 0.85 else None, rng)
    born = person.birth if rng.random() < 0.95 else noise.birthday(person.birth, rng)
    entry.put(record, "birthday", f"{born:%Y-%m-%d}" if rng.random() < 0.6 else None, rng)
    entry.put(record, "unionid", unionid if rng.random() < 0.5 else None, rng)
    record["level"] = rng.choices(_LEVELS, (60, 25, 12, 3))[0]
    roll = rng.random()
    moment = account.registered
    written = (
        clock.iso(moment)
        if roll < 0.8
        else clock.local(moment)
        if roll < 0.92
        else clock.iso_utc(moment)
    )
    record["registered_at"] = written
    if rng.random() < 0.7:
        parts = entry.address_parts(person.home, rng, short=0.3)
        if rng.random() < 0.75:
            parts["postcode"] = person.home.place.postcode
        record["address"] = parts
    return record


def _receiver(
    world: World, buyer: Person, rng: random.Random, *, may_be_other: bool = True
) -> tuple[dict[str, Any], bool]:
    """The receiver block and whether it names another person than the buyer."""
    person, address = buyer, buyer.home
    roll = rng.random()
    household = world.households[buyer.household].members
    office = world.office_of(buyer.index)
    if roll < 0.1 and len(household) > 1 and may_be_other:
        person = world.people[rng.choice([m for m in household if m != buyer.index])]
    elif roll < 0.18 and office is not None:
        address = office.address  # delivered to work
    number = (person.mobiles or buyer.mobiles or ("",))[0]
    parts = entry.address_parts(address, rng, short=0.8)
    block = {
        "name": entry.name(person, rng, _RECEIVER_NAME) or "",
        "mobile": entry.mobile(number, rng, 0.9) if number else "",
        "province": parts["province"],
        "city": parts["city"],
        "district": parts["district"],
        "address": parts["detail"].replace(" ", "") if rng.random() < 0.7 else parts["detail"],
    }
    return block, person is not buyer


def _order(
    world: World,
    buyer: Person,
    spec: _OrderSpec,
    tid: str,
    catalogue: Catalogue,
    rng: random.Random,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    status = rng.choices(_STATUSES, cum_weights=_STATUS_CUM)[0]
    paid = status not in ("WAIT_BUYER_PAY", "TRADE_CLOSED")
    items: list[dict[str, Any]] = []
    total = 0
    for oid, product in enumerate(
        rng.sample(catalogue.products, rng.choice((1, 1, 1, 2, 2, 3))), 1
    ):
        num = rng.choice((1, 1, 1, 2, 2, 3))
        total += num * product.price_cents
        items.append(
            {
                "oid": str(oid),
                "sku": product.sku,
                "title": product.title,
                "num": num,
                "price": f"{product.price_cents / 100:.2f}",
                "batch_no": catalogue.batch(product, spec.created.date(), rng),
            }
        )
    order: dict[str, Any] = {"type": "order", "tid": tid}
    if spec.member_id is not None:
        order["member_id"] = spec.member_id
    guest = spec.member_id is None
    # A guest's gift to a relative is only attributable through the buyer's own mobile,
    # so such orders always carry it (else the record would describe the receiver).
    receiver, for_other = _receiver(
        world, buyer, rng, may_be_other=not guest or bool(buyer.mobiles)
    )
    buyer_mobile = (
        buyer.mobiles[0]
        if buyer.mobiles and (rng.random() < 0.9 or (guest and for_other))
        else None
    )
    if guest and for_other:
        order["buyer_mobile"] = entry.mobile(buyer_mobile, rng, 1.0) if buyer_mobile else None
    else:
        entry.put(
            order,
            "buyer_mobile",
            entry.mobile(buyer_mobile, rng, 0.95) if buyer_mobile else None,
            rng,
        )
    paid_at = spec.created + timedelta(seconds=rng.randint(20, 900))
    order.update(
        created=clock.local(spec.created),
        pay_time=clock.local(paid_at) if paid else None,
        status=status,
        payment=f"{total / 100:.2f}",
        receiver=receiver,
        items=items,
    )
    shipped = status in ("TRADE_FINISHED", "SHIPPED")
    if shipped:
        company, tracking = tracking_number(rng)
        order["logistics"] = {"company": company, "tracking_no": tracking}
    else:
        order["logistics"] = None
    order["points_earned"] = total // 100 if paid and spec.member_id else 0
    return order, tuple(item["batch_no"] for item in items)
