"""Corruptions the outside world applies to names, emails, dates and IDs.

Each function takes the clean value and a `random.Random`, and returns one
realistic writing of it: traditional characters, pinyin, an IME homophone or a
visually similar character, a dropped character, changed case, a day and month
swapped. Callers choose how often to apply them.
"""

from __future__ import annotations

import random
from datetime import date
from functools import lru_cache

import opencc

from cdhub.demo.codes import is_valid_resident_id
from cdhub.demo.names import char_pinyin

# Characters an input method offers for the same pinyin; a typist picks the wrong one.
_HOMOPHONES = (
    "伟玮炜韦维唯", "丽莉俐立利", "娜那纳", "芳方舫", "敏民闵", "静靖晶婧敬", "军君钧",
    "明铭鸣名", "华桦骅", "磊蕾垒雷", "洋阳扬杨", "勇永泳", "艳燕彦雁", "杰洁捷",
    "娟鹃涓", "涛韬陶", "斌彬滨", "霞夏侠", "辉晖徽", "刚钢纲", "健建剑", "峰锋丰枫",
    "婷亭庭", "欣新馨心鑫", "怡宜仪艺", "佳嘉家", "雪学", "宇雨羽语玉", "浩昊皓豪",
    "轩萱宣", "涵晗含", "梓子紫", "晨辰臣", "琳林霖玲", "颖莹英盈", "倩茜", "慧惠",
    "萍平苹", "红虹宏鸿", "梅玫", "兰岚蓝", "凯恺楷", "鹏朋", "飞菲非", "波博柏",
    "亮良", "东冬", "志智", "文雯", "成程诚承", "龙隆", "帆凡", "睿瑞锐", "俊峻骏",
    "思斯丝", "悦越月", "妍研颜", "薇微", "张章", "王汪", "李黎", "刘柳", "陈程",
    "黄王", "吴武伍", "周邹", "徐许", "肖萧", "于余俞", "江姜蒋", "胡付",
)  # fmt: skip
# Characters that look alike in handwriting and in small fonts.
_LOOKALIKES = ("己已巳", "未末", "土士", "王玉", "日曰", "人入", "大太", "候侯", "晴睛", "辨辩")

_EMOJI = ("🌸", "🍀", "😊", "🌙", "☀️", "🐱", "💰", "🌹", "🎈", "✨", "🐟", "🍓")
_MOTTOS = (
    "快乐每一天", "岁月静好", "追梦人", "向日葵", "平安是福", "Sunshine", "简单生活",
    "知足常乐", "静待花开", "一路向北", "Lucky", "宝妈", "奋斗",
)  # fmt: skip
_TITLES = {"M": "先生", "F": "小姐"}


def _groups(table: tuple[str, ...]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for group in table:
        for char in group:
            lookup.setdefault(char, group)
    return lookup


_HOMOPHONE_OF = _groups(_HOMOPHONES)
_LOOKALIKE_OF = _groups(_LOOKALIKES)


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def traditional(text: str) -> str:
    """The text in traditional characters (张伟 -> 張偉)."""
    converted: str = _s2t().convert(text)
    return converted


def typo(text: str, rng: random.Random) -> str:
    """The text with one character mistyped: a homophone, a look-alike, or dropped."""
    if len(text) < 2:
        return text
    # Mostly in the given name: the last characters.
    position = len(text) - 1 - min(int(rng.expovariate(1.2)), len(text) - 1)
    char = text[position]
    roll = rng.random()
    group = _HOMOPHONE_OF.get(char) or _LOOKALIKE_OF.get(char)
    if roll < 0.8 and group:
        replacement = rng.choice([c for c in group if c != char])
    elif roll < 0.9 and len(text) >= 3:
        replacement = ""
    else:
        replacement = _same_sound(char, rng)
    return text[:position] + replacement + text[position + 1 :]


def _same_sound(char: str, rng: random.Random) -> str:
    sound = char_pinyin(char)
    peers = [c for g in _HOMOPHONES for c in g if c != char and char_pinyin(c) == sound]
    return rng.choice(peers) if peers else char


def title(surname: str, gender: str, rng: random.Random) -> str:
    """Surname plus the form of address an agent types (林小姐, 王先生, 张女士)."""
    if gender == "F" and rng.random() < 0.4:
        return surname + "女士"
    if rng.random() < 0.04:  # the agent misheard
        return surname + _TITLES["F" if gender == "M" else "M"]
    return surname + _TITLES[gender]


def nickname(given: str, english: str | None, pinyin: str, rng: random.Random) -> str:
    """A shop or WeChat nickname, often with emoji."""
    last = given[-1]
    choices = (
        f"小{last}",
        f"{last}{last}",
        f"阿{last}",
        english or pinyin,
        rng.choice(_MOTTOS),
        pinyin,
        f"A.{given}",
    )
    base = rng.choice(choices)
    if rng.random() < 0.45:
        base += rng.choice(_EMOJI) * rng.choice((1, 1, 2))
    return base


def email_case(email: str, rng: random.Random) -> str:
    """The address with its case changed the way people type it."""
    local, _, domain = email.partition("@")
    roll = rng.random()
    if roll < 0.4:
        return f"{local.title()}@{domain.title()}"
    if roll < 0.7:
        return email.upper()
    return f"{local.capitalize()}@{domain}"


def birthday(day: date, rng: random.Random) -> date:
    """A wrongly entered birth date: day and month swapped, or a year off."""
    if day.day <= 12 and day.day != day.month and rng.random() < 0.6:
        return day.replace(month=day.day, day=day.month)
    shifted = day.year + rng.choice((-1, 1))
    return day.replace(year=shifted, day=min(day.day, 28))


def mistype_resident_id(text: str, rng: random.Random) -> str:
    """The ID with one digit changed so that its check character no longer holds."""
    while True:
        position = rng.randrange(14, 17)
        digit = rng.choice([d for d in "0123456789" if d != text[position]])
        candidate = text[:position] + digit + text[position + 1 :]
        if not is_valid_resident_id(candidate):
            return candidate
