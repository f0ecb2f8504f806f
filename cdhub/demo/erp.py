"""ERP customer master (KNA1-like), sales orders (VBAK/VBAP) and deliveries.

Party records: one per customer master row (keyed `KUNNR`). Companies are Z001
rows with their credit code in STCD5; a few are keyed twice (a re-keyed
duplicate with another writing of the name and often no code). People are Z002
rows: company contacts (NAME2 names the company, phone is the office line) and
private customers. A person's STCD5, when filled, holds the resident ID number,
which is also the individual taxpayer number; some are mistyped.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cdhub.demo import clock, entry, noise
from cdhub.demo.catalogue import Catalogue, tracking_number
from cdhub.demo.geo import Address
from cdhub.demo.names import surname_pinyin
from cdhub.demo.organisations import Organisation
from cdhub.demo.people import Person
from cdhub.demo.world import World

CUSTOMER_HEADER = (
    "KUNNR", "KTOKD", "NAME1", "NAME2", "STCD5", "TELF1", "SMTP_ADDR", "LAND1", "REGIO",
    "ORT01", "ORT02", "STRAS", "PSTLZ", "ERDAT",
)  # fmt: skip
ORDER_HEADER = (
    "VBELN", "POSNR", "KUNNR", "ERDAT", "NETWR", "WAERK", "MATNR", "ARKTX", "KWMENG", "CHARG",
    "BSTKD",
)  # fmt: skip
DELIVERY_HEADER = ("VBELN_DEL", "VBELN", "CARRIER", "TRACKING_NO", "SHIPPED_AT")

_CLERK_NAME = entry.NameMix(traditional=0.03, typo=0.05, romanised=0.04)
_FIRST = datetime(2015, 1, 1)
_DEPARTMENTS = ("采购部", "财务部", "行政部", "")


@dataclass
class ErpOutput:
    """Rows of the three ERP files and the truth rows of the customer master."""

    customers: list[list[str]] = field(default_factory=list)
    orders: list[list[str]] = field(default_factory=list)
    deliveries: list[list[str]] = field(default_factory=list)
    truth: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Row:
    created: datetime
    entity: str
    company: bool
    cells: list[str]


def build_erp(world: World, rng: random.Random, catalogue: Catalogue) -> ErpOutput:
    """Render the ERP customer master, its sales orders and deliveries."""
    rows: list[_Row] = []
    for org in world.organisations:
        created = clock.between(rng, _FIRST, clock.END)
        rows.append(_Row(created, org.entity_id, True, _company(world, org, rng, 0)))
        if rng.random() < 0.08:  # keyed again later, by another clerk
            again = clock.between(rng, created, clock.END)
            rows.append(
                _Row(again, org.entity_id, True, _company(world, org, rng, rng.randint(1, 6)))
            )
    for person in world.people:
        if not world.presence[person.index].erp:
            continue
        copies = 2 if rng.random() < 0.04 else 1
        for _ in range(copies):
            created = clock.between(rng, _FIRST, clock.END)
            rows.append(_Row(created, person.entity_id, False, _person(world, person, rng)))
    rows.sort(key=lambda r: (r.created, r.entity))
    out = ErpOutput()
    number = 100000
    keys: dict[str, list[tuple[str, datetime, bool]]] = {}
    for row in rows:
        number += rng.randint(1, 20)
        kunnr = f"{number:010d}"
        row.cells[0] = kunnr
        row.cells[-1] = clock.sap_date(row.created)
        out.customers.append(row.cells)
        out.truth.append((kunnr, row.entity))
        keys.setdefault(row.entity, []).append((kunnr, row.created, row.company))
    _sales(out, keys, catalogue, rng)
    return out


def _location(address: Address, rng: random.Random, with_floor: bool) -> list[str]:
    place = address.place
    street = address.detail(rng.randrange(6)) if with_floor else f"{address.road}{address.number}号"
    return [
        "CN",
        place.regio,
        place.city_short if rng.random() < 0.8 else place.city,
        place.district if rng.random() < 0.8 else place.district_short,
        street,
        place.postcode if rng.random() < 0.9 else "",
    ]


def _company(world: World, org: Organisation, rng: random.Random, style: int) -> list[str]:
    office = world.offices[org.office]
    name = org.writing(style)
    if style == 6:
        name = noise.traditional(org.name)
    code = org.credit_code if (style == 0 and rng.random() < 0.9) or rng.random() < 0.4 else ""
    phone = ""
    if rng.random() < 0.95:
        extension = str(rng.randint(800, 899)) if rng.random() < 0.1 else ""
        phone = entry.landline(office.landline, rng, 0.5, extension)
    mailbox = rng.choice(("purchase", "info", "finance", "sales", "admin"))
    mail = f"{mailbox}@{org.email_domain}" if rng.random() < 0.7 else ""
    return [
        "", "Z001", name, "", code, phone, mail,
        *_location(office.address, rng, rng.random() < 0.3), "",
    ]  # fmt: skip


def _person(world: World, person: Person, rng: random.Random) -> list[str]:
    org_index = world.employer.get(person.index)
    contact = org_index is not None and person.index in world.organisations[org_index].contacts
    name2 = phone = mail = ""
    address = person.home
    if contact and org_index is not None:
        org = world.organisations[org_index]
        office = world.offices[org.office]
        address = office.address
        if rng.random() < 0.6:
            name2 = f"{org.writing(rng.choice((0, 0, 4)))} {rng.choice(_DEPARTMENTS)}".strip()
        if rng.random() < 0.5:
            phone = entry.landline(office.landline, rng, 0.5, str(rng.randint(100, 799)))
        if rng.random() < 0.6:
            mail = f"{person.pinyin}.{surname_pinyin(person.surname)}@{org.email_domain}"
    home_line = world.households[person.household].landline
    if not phone and home_line is not None and rng.random() < 0.15:
        phone = entry.landline(home_line, rng, 0.4)
    if not phone and person.mobiles:
        phone = entry.mobile(person.mobiles[-1], rng, 0.5, typo_rate=0.02)
    if not mail and rng.random() < 0.5:
        mail = entry.email(person.email, rng, 0.3) or ""
    tax_id = ""
    if rng.random() < 0.35:
        tax_id = person.resident_id
        if rng.random() < 0.08:
            tax_id = noise.mistype_resident_id(tax_id, rng)
    return [
        "", "Z002", entry.name(person, rng, _CLERK_NAME) or person.name, name2, tax_id, phone,
        mail, *_location(address, rng, True), "",
    ]  # fmt: skip


def _sales(
    out: ErpOutput,
    keys: dict[str, list[tuple[str, datetime, bool]]],
    catalogue: Catalogue,
    rng: random.Random,
) -> None:
    plans: list[tuple[datetime, str, bool]] = []
    for entity_keys in keys.values():
        for _ in range(rng.randint(1, 8) if entity_keys[0][2] else rng.choice((0, 0, 1, 2))):
            kunnr, opened, company = (
                entity_keys[0] if rng.random() < 0.7 else rng.choice(entity_keys)
            )
            plans.append((clock.between(rng, opened, clock.END), kunnr, company))
    plans.sort()
    delivery = 8000000000
    for number, (moment, kunnr, company) in enumerate(plans, 4500000001):
        vbeln = f"{number:010d}"
        for position, product in enumerate(rng.sample(catalogue.products, rng.randint(1, 4)), 1):
            quantity = rng.randint(1, 100) * 10 if company else rng.randint(1, 20)
            discount = rng.uniform(0.6, 0.9) if company else 1.0
            out.orders.append(
                [
                    vbeln,
                    str(position * 10),
                    kunnr,
                    clock.sap_date(moment),
                    f"{quantity * product.price_cents * discount / 100:.2f}",
                    "CNY",
                    product.material,
                    product.title,
                    str(quantity),
                    catalogue.batch(product, moment.date(), rng),
                    f"PO-{rng.randint(10, 99999)}" if company and rng.random() < 0.8 else "",
                ]
            )
        if rng.random() < 0.9:
            for _ in range(2 if rng.random() < 0.1 else 1):
                delivery += 1
                shipped = moment + timedelta(hours=rng.randint(12, 120))
                carrier, tracking = tracking_number(rng)
                out.deliveries.append(
                    [f"{delivery:010d}", vbeln, carrier, tracking, clock.local(shipped)]
                )
