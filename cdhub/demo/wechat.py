"""WeChat events: official-account followers, mini-program phone bindings, unsubscribes.

One person may hold an official-account (OA) openid and a mini-program openid;
both are party records of the same person, tied by a `unionid` when the apps
are bound to one open-platform account (often, not always). Since October 2021
the user-info API no longer returns sex and region, and since 27 December 2021
no nickname or avatar either; followers after those dates arrive nearly empty.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cdhub.demo import clock, entry, noise
from cdhub.demo.geo import PLACES
from cdhub.demo.names import char_pinyin
from cdhub.demo.people import Person
from cdhub.demo.world import World
from cdhub.demo.writers import json_line

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_NO_REGION_SINCE = datetime(2021, 10, 20)
_NO_NICKNAME_SINCE = datetime(2021, 12, 27)
_FIRST = datetime(2015, 1, 1)
_REMARK_NAME = entry.NameMix(typo=0.1, title=0.2)


@dataclass
class WechatOutput:
    """The events in time order, the truth rows, and each person's unionid."""

    events: list[str] = field(default_factory=list)  # JSON lines
    truth: list[tuple[str, str]] = field(default_factory=list)
    unionid_of: dict[int, str] = field(default_factory=dict)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._taken: set[str] = set()

    def new(self, prefix: str) -> str:
        while True:
            value = prefix + "".join(self._rng.choices(_ALPHABET, k=28 - len(prefix)))
            if value not in self._taken:
                self._taken.add(value)
                return value


def build_wechat(world: World, rng: random.Random) -> WechatOutput:
    """Render the WeChat events of everyone present on WeChat."""
    out = WechatOutput()
    ids = _Ids(rng)
    timed: list[tuple[datetime, int, dict[str, Any]]] = []
    for person in world.people:
        if not world.presence[person.index].wechat:
            continue
        accounts = 2 if rng.random() < 0.02 else 1
        for account in range(accounts):
            unionid = ids.new("oX7aT0") if rng.random() < 0.7 else None
            if unionid and account == 0:
                out.unionid_of[person.index] = unionid
            has_oa = rng.random() < 0.8 or not person.mobiles
            has_mp = bool(person.mobiles) and (not has_oa or rng.random() < 0.55)
            if has_oa:
                openid = ids.new("o6_bmj")
                out.truth.append((openid, person.entity_id))
                timed.extend(_follower(person, openid, unionid, rng))
            if has_mp:
                openid = ids.new("oMini_")
                out.truth.append((openid, person.entity_id))
                timed.append(_binding(world, person, openid, unionid, rng))
    timed.sort(key=lambda item: (item[0], item[1]))
    out.events = [json_line(event) for _, _, event in timed]
    return out


def _follower(
    person: Person, openid: str, unionid: str | None, rng: random.Random
) -> list[tuple[datetime, int, dict[str, Any]]]:
    subscribed = clock.between(rng, _FIRST, clock.END)
    events = [(subscribed, 0, _user_info(person, openid, unionid, subscribed, rng))]
    if rng.random() < 0.12:
        left = clock.between(rng, subscribed, clock.END)
        events.append(
            (left, 1, {"event": "unsubscribe", "openid": openid, "time": clock.unix(left)})
        )
        if rng.random() < 0.3:  # came back: delivered again, with changed content
            back = clock.between(rng, left, clock.END)
            events.append((back, 2, _user_info(person, openid, unionid, back, rng)))
    return events


def _user_info(
    person: Person, openid: str, unionid: str | None, when: datetime, rng: random.Random
) -> dict[str, Any]:
    language = rng.choices(("zh_CN", "en", "zh_TW"), (90, 6, 4))[0]
    place = person.home.place
    if rng.random() < 0.06:  # the phone reports where the person was travelling
        place = rng.choice(PLACES)
    city = place.district_short if place.municipality else place.city_short
    province, country = place.province_short, "中国"
    if language == "en":
        province, city, country = _latin(province), _latin(city), "China"
    elif language == "zh_TW":
        province, city, country = (noise.traditional(t) for t in (province, city, "中國"))
    sex = {"M": 1, "F": 2}[person.gender] if rng.random() < 0.92 else 0
    headimg = "http://thirdwx.qlogo.cn/mmopen/vi_32/" + "".join(rng.choices(_ALPHABET, k=40))
    if when >= _NO_REGION_SINCE:
        sex, province, city, country = 0, "", "", ""
    nick = _nickname(person, rng)
    if when >= _NO_NICKNAME_SINCE:
        nick, headimg = "", ""
    record: dict[str, Any] = {"event": "user_info", "openid": openid}
    if unionid and rng.random() < 0.95:
        record["unionid"] = unionid
    remark = ""
    if rng.random() < 0.05:
        remark = entry.name(person, rng, _REMARK_NAME) or ""
    elif rng.random() < 0.03:
        remark = rng.choice(("VIP", "老客户", "投诉过"))
    record.update(
        nickname=nick,
        sex=sex,
        language=language,
        city=city,
        province=province,
        country=country,
        headimgurl=headimg + "/132" if headimg else "",
        subscribe=1,
        subscribe_time=clock.unix(when),
        remark=remark,
        tagid_list=sorted(rng.sample((2, 100, 101, 128, 135), rng.choice((0, 0, 1, 2)))),
    )
    return record


def _nickname(person: Person, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return person.name
    if roll < 0.12:
        return noise.traditional(person.name)
    return noise.nickname(person.given, person.english_name, person.pinyin, rng)


def _latin(text: str) -> str:
    return "".join(char_pinyin(c) for c in text).title()


def _binding(
    world: World, person: Person, openid: str, unionid: str | None, rng: random.Random
) -> tuple[datetime, int, dict[str, Any]]:
    bound = clock.between(rng, clock.START, clock.END)
    number = person.mobiles[-1] if rng.random() < 0.4 else person.mobiles[0]
    shared = world.households[person.household].shared_mobile
    if shared and shared[0] == person.index and rng.random() < 0.5:
        number = world.people[shared[1]].mobiles[0]  # the child's phone
    record: dict[str, Any] = {"event": "phone_bound", "openid": openid}
    if unionid and rng.random() < 0.9:
        record["unionid"] = unionid
    record.update(
        phoneNumber=f"+86 {number}" if rng.random() < 0.7 else number,
        purePhoneNumber=number,
        countryCode="86",
        bound_at=clock.unix(bound),
    )
    return bound, 0, record
