"""A seeded generator of realistic, noisy multi-source person records.

Each synthetic person yields one to four source records (shop member,
WeChat binding, call-center calls, ERP customer) with dropped fields,
homophone typos, honorific-only caller names, swapped birth dates; about one
in six persons has a household member who shares the mobile and address.
``truth`` maps each record's source ref to its person id.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from mdm.normalize import normalize_address, normalize_person_name, normalize_phone
from mdm.records import (
    Email,
    Identifier,
    IdentifierKind,
    PartyKind,
    PartyRecord,
    PersonName,
    Phone,
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭"
    "宁龙林欢阳建国峰立志坤文辉力诚亮成东晨嘉欣怡美玲子涵思雨轩博雅琪晓佳"
)
HOMOPHONES = {
    "欣": "馨",
    "怡": "仪",
    "玲": "琳",
    "伟": "玮",
    "静": "婧",
    "杰": "洁",
    "涛": "韬",
    "明": "铭",
}
PLACES = (
    [("上海", "上海", d) for d in ("徐汇", "浦东新区", "静安", "长宁", "闵行", "杨浦")]
    + [("广东", "广州", d) for d in ("天河", "越秀", "海珠", "白云")]
    + [("北京", "北京", d) for d in ("朝阳", "海淀", "东城", "西城")]
)
ROADS = "漕溪北路 南京西路 天河路 中山路 人民路 解放路 建国路 长安街 淮海中路 延安西路".split()


@dataclass
class Person:
    pid: int
    surname: str
    given: str
    mobile: str
    birth: date
    gender: str
    place: tuple[str, str, str]
    detail: str
    email: str | None
    unionid: str | None


def _name(raw: str) -> PersonName:
    n = normalize_person_name(raw)
    assert n is not None
    return n


def _phone(raw: str) -> Phone:
    p = normalize_phone(raw)
    assert p is not None
    return p


def _new_person(pid: int, rng: random.Random, household_of: Person | None) -> Person:
    surname = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    if household_of is not None and rng.random() < 0.6:
        surname = household_of.surname
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    gender = rng.choice("MF")
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    if household_of is not None:
        return Person(
            pid,
            surname,
            given,
            household_of.mobile,
            birth,
            gender,
            household_of.place,
            household_of.detail,
            None,
            None,
        )
    mobile = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    place = rng.choice(PLACES)
    detail = f"{rng.choice(ROADS)}{rng.randrange(1, 999)}号{rng.randrange(1, 30)}楼"
    email = f"user{pid}@example.com" if rng.random() < 0.5 else None
    unionid = f"oU{pid:08d}" if rng.random() < 0.4 else None
    return Person(pid, surname, given, mobile, birth, gender, place, detail, email, unionid)


def _typo_name(p: Person, rng: random.Random) -> str:
    given = "".join(HOMOPHONES.get(c, c) if rng.random() < 0.5 else c for c in p.given)
    return p.surname + given


def _record(p: Person, source: str, key: str, rng: random.Random) -> PartyRecord:
    names: tuple[PersonName, ...] = ()
    r = rng.random()
    if source == "callcenter":
        if r < 0.35:
            names = (_name(p.surname + ("女士" if p.gender == "F" else "先生")),)
        elif r < 0.9:
            names = (_name(_typo_name(p, rng) if rng.random() < 0.2 else p.surname + p.given),)
    elif source != "wechat" or r < 0.3:
        names = (_name(p.surname + p.given),)
    birth = p.birth if source in ("shop", "erp") and rng.random() < 0.8 else None
    if birth is not None and rng.random() < 0.05 and birth.day <= 12:
        birth = date(birth.year, birth.day, birth.month)
    address = ()
    if source in ("shop", "erp") and rng.random() < 0.85:
        a = normalize_address(
            province=p.place[0], city=p.place[1], district=p.place[2], detail=p.detail
        )
        address = (a,) if a else ()
    idents: list[Identifier] = []
    if source in ("shop", "wechat") and p.unionid:
        idents.append(Identifier(IdentifierKind.UNIONID, p.unionid, p.unionid, True))
    if source == "shop":
        idents.append(Identifier(IdentifierKind.MEMBER_ID, key, key, True))
    phones = (_phone(p.mobile),) if rng.random() < 0.95 else ()
    emails = (Email(p.email, p.email),) if p.email and source == "shop" else ()
    return PartyRecord(
        source_system=source,
        source_key=key,
        kind=PartyKind.PERSON,
        names=names,
        phones=phones,
        emails=emails,
        identifiers=tuple(idents),
        birth_date=birth,
        gender=p.gender if source != "callcenter" and rng.random() < 0.9 else None,
        addresses=address,
    )


def generate(n_people: int, seed: int = 0) -> tuple[list[PartyRecord], dict[tuple[str, str], int]]:
    """About 2.2 records per person; returns the records and ref -> person id."""
    rng = random.Random(seed)
    people: list[Person] = []
    for pid in range(n_people):
        head = people[-1] if people and rng.random() < 0.15 else None
        people.append(_new_person(pid, rng, head))
    records: list[PartyRecord] = []
    truth: dict[tuple[str, str], int] = {}
    counter = 0
    for p in people:
        sources = ["shop"]
        if rng.random() < 0.5:
            sources.append("wechat")
        sources.extend("callcenter" for _ in range(rng.choice((0, 0, 1, 2))))
        if rng.random() < 0.2:
            sources.append("erp")
        for s in sources:
            counter += 1
            key = f"{s[0].upper()}{counter:07d}"
            rec = _record(p, s, key, rng)
            records.append(rec)
            truth[(s, key)] = p.pid
    return records, truth
