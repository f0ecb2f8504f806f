"""Synthetic companies, their offices and the people who work there.

Truth rule for branches: a branch office (分公司) registers its own unified
social credit code, so it is its own organisation entity, even though its name
extends the parent's. Two ERP rows are the same organisation exactly when they
describe the same credit code, whether or not the row carries it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pypinyin import lazy_pinyin

from cdhub.demo.codes import credit_code
from cdhub.demo.geo import Address, PlaceSampler
from cdhub.demo.people import Person
from cdhub.demo.phones import Landline, PhoneBook

BRANDS = (
    "华远", "鼎盛", "恒信", "宏达", "金诚", "瑞丰", "嘉禾", "天成", "万通", "新创", "博远",
    "中瑞", "汇通", "永昌", "东方", "明德", "联合", "盛世", "通达", "海纳", "星辰", "德润",
    "佳美", "安泰", "富华", "新华", "长江", "宝利", "正泰", "天和", "智信", "乐家",
)  # fmt: skip
INDUSTRIES = (
    "贸易", "科技", "电子", "餐饮管理", "商贸", "信息技术", "食品", "物流", "家居用品",
    "文化传媒", "医疗器械", "建材", "酒店管理", "实业", "供应链管理", "网络科技",
)  # fmt: skip
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司")


@dataclass(frozen=True)
class Office:
    """A company address with its switchboard landline, maybe shared by several companies."""

    index: int
    address: Address
    landline: Landline
    callers: tuple[int, ...] = ()  # people who phone from this switchboard


@dataclass(frozen=True)
class Organisation:
    """A legal entity (or a branch with its own credit code)."""

    index: int
    brand: str
    industry: str
    region: str  # city in the name: 上海
    suffix: str
    bracketed: bool  # 华远贸易(上海)有限公司 rather than 上海华远贸易有限公司
    branch: str  # "" or the branch's place: 徐汇
    credit_code: str
    office: int
    email_domain: str
    contacts: tuple[int, ...]

    @property
    def entity_id(self) -> str:
        return f"O{self.index + 1:06d}"

    @property
    def name(self) -> str:
        """The registered name."""
        return self.writing(0)

    def writing(self, style: int) -> str:
        """The name as typed into a system; style 0 is the registered name."""
        core = self.brand + self.industry
        suffix = self.suffix
        bracketed = self.bracketed
        region = self.region
        if style == 1:
            bracketed = not bracketed
        elif style == 2:
            suffix = {"有限公司": "有限责任公司"}.get(suffix, "有限公司")
        elif style == 3:
            region = region + "市"
        elif style == 4:
            suffix = ""
        if bracketed and suffix:
            open_, close = ("（", "）") if style == 5 else ("(", ")")
            text = f"{core}{open_}{region}{close}{suffix}"
        else:
            text = f"{region}{core}{suffix}"
        if self.branch:
            text += f"{self.branch}分公司"
        return text


def build_organisations(
    rng: random.Random,
    people: list[Person],
    places: PlaceSampler,
    phones: PhoneBook,
) -> tuple[list[Organisation], list[Office], dict[int, int]]:
    """Companies with offices and contacts; returns them and each employee's employer."""
    count = max(4, len(people) // 40)
    pools = _workers_by_city(rng, people)
    offices: list[Office] = []
    orgs: list[Organisation] = []
    employer: dict[int, int] = {}
    while len(orgs) < count:
        parent = orgs[-1] if orgs and not orgs[-1].branch and rng.random() < 0.12 else None
        if parent is None:
            place = places.place()
        else:
            place = places.in_city(offices[parent.office].address.place.city)
        same_city = [o for o in offices[-30:] if o.address.place.city == place.city]
        if parent is None and same_city and rng.random() < 0.15:
            office = rng.choice(same_city)  # a business centre hosting several companies
        else:
            office = Office(len(offices), places.office(place), phones.landline(place))
            offices.append(office)
        pool = pools.get(place.city, [])
        contacts = tuple(pool.pop() for _ in range(min(len(pool), rng.randint(1, 3))))
        for person in contacts:
            employer[person] = len(orgs)
        brand = parent.brand if parent else rng.choice(BRANDS)
        domain = f"{''.join(lazy_pinyin(brand))}{rng.choice(('', 'tech', 'sh', 'group'))}"
        orgs.append(
            Organisation(
                index=len(orgs),
                brand=brand,
                industry=parent.industry if parent else rng.choice(INDUSTRIES),
                region=parent.region if parent else place.city_short,
                suffix=parent.suffix if parent else rng.choices(SUFFIXES, (70, 15, 15))[0],
                bracketed=parent.bracketed if parent else rng.random() < 0.3,
                branch=place.district_short if parent else "",
                credit_code=credit_code(rng, place.admin_code),
                office=office.index,
                email_domain=f"{domain}.{rng.choice(('com', 'cn', 'com.cn'))}",
                contacts=contacts,
            )
        )
    offices = _busy_switchboards(rng, orgs, offices, pools, employer, len(people))
    return orgs, offices, employer


def _workers_by_city(rng: random.Random, people: list[Person]) -> dict[str, list[int]]:
    pools: dict[str, list[int]] = {}
    for person in people:
        if 1960 <= person.birth.year <= 2000 and person.mobiles:
            pools.setdefault(person.home.place.city, []).append(person.index)
    for pool in pools.values():
        rng.shuffle(pool)
    return pools


def _busy_switchboards(
    rng: random.Random,
    orgs: list[Organisation],
    offices: list[Office],
    pools: dict[str, list[int]],
    employer: dict[int, int],
    population: int,
) -> list[Office]:
    """Give a few offices 20-40 employees who all phone from the shared switchboard."""
    tenants: dict[int, list[int]] = {}
    for org in orgs:
        tenants.setdefault(org.office, []).append(org.index)
    ranked = sorted(
        range(len(offices)),
        key=lambda i: (-len(pools.get(offices[i].address.place.city, [])), i),
    )
    busy = ranked[: max(1, population // 400)]
    result = list(offices)
    for office_index in sorted(busy):
        office = offices[office_index]
        pool = pools.get(office.address.place.city, [])
        size = min(len(pool), rng.randint(20, 40))
        callers = tuple(pool.pop() for _ in range(size))
        for person in callers:
            employer[person] = rng.choice(tenants[office_index])
        result[office_index] = Office(office.index, office.address, office.landline, callers)
    return result
