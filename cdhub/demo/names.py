"""Chinese personal names: surname frequencies, given-name pools, romanisation.

Surname weights follow the published national frequency tables (percent of the
population, rounded), so 王, 李 and 张 dominate and the most common full names
(张伟, 王伟, 王芳, 李娜, ...) recur among different people, as they do in real
customer data.
"""

from __future__ import annotations

import random
from bisect import bisect
from functools import lru_cache
from itertools import accumulate

from pypinyin import lazy_pinyin

# (surname, pinyin as written on a passport, weight in percent)
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 7.12), ("李", "li", 7.06), ("张", "zhang", 6.41), ("刘", "liu", 5.38),
    ("陈", "chen", 4.53), ("杨", "yang", 3.08), ("黄", "huang", 2.23), ("赵", "zhao", 2.19),
    ("吴", "wu", 2.05), ("周", "zhou", 1.89), ("徐", "xu", 1.57), ("孙", "sun", 1.51),
    ("马", "ma", 1.44), ("朱", "zhu", 1.30), ("胡", "hu", 1.29), ("郭", "guo", 1.13),
    ("何", "he", 1.06), ("林", "lin", 1.06), ("高", "gao", 1.07), ("罗", "luo", 0.92),
    ("郑", "zheng", 0.90), ("梁", "liang", 0.87), ("谢", "xie", 0.80), ("宋", "song", 0.72),
    ("唐", "tang", 0.71), ("许", "xu", 0.67), ("韩", "han", 0.65), ("冯", "feng", 0.64),
    ("邓", "deng", 0.63), ("曹", "cao", 0.61), ("彭", "peng", 0.60), ("曾", "zeng", 0.58),
    ("肖", "xiao", 0.56), ("田", "tian", 0.52), ("董", "dong", 0.51), ("袁", "yuan", 0.49),
    ("潘", "pan", 0.47), ("于", "yu", 0.46), ("蒋", "jiang", 0.45), ("蔡", "cai", 0.45),
    ("余", "yu", 0.44), ("杜", "du", 0.43), ("叶", "ye", 0.42), ("程", "cheng", 0.41),
    ("苏", "su", 0.39), ("魏", "wei", 0.38), ("吕", "lyu", 0.37), ("丁", "ding", 0.36),
    ("任", "ren", 0.35), ("沈", "shen", 0.34), ("姚", "yao", 0.33), ("卢", "lu", 0.33),
    ("姜", "jiang", 0.32), ("崔", "cui", 0.31), ("钟", "zhong", 0.31), ("谭", "tan", 0.30),
    ("陆", "lu", 0.30), ("汪", "wang", 0.29), ("范", "fan", 0.29), ("金", "jin", 0.28),
    ("石", "shi", 0.27), ("廖", "liao", 0.27), ("贾", "jia", 0.26), ("夏", "xia", 0.25),
    ("韦", "wei", 0.25), ("付", "fu", 0.24), ("方", "fang", 0.24), ("白", "bai", 0.23),
    ("邹", "zou", 0.23), ("孟", "meng", 0.22), ("熊", "xiong", 0.22), ("秦", "qin", 0.22),
    ("邱", "qiu", 0.21), ("江", "jiang", 0.21), ("尹", "yin", 0.20), ("薛", "xue", 0.20),
    ("闫", "yan", 0.19), ("段", "duan", 0.19), ("雷", "lei", 0.19), ("侯", "hou", 0.18),
    ("龙", "long", 0.18), ("史", "shi", 0.17), ("陶", "tao", 0.16), ("黎", "li", 0.16),
    ("贺", "he", 0.16), ("顾", "gu", 0.15), ("毛", "mao", 0.15), ("郝", "hao", 0.15),
    ("龚", "gong", 0.14), ("邵", "shao", 0.14), ("万", "wan", 0.14), ("钱", "qian", 0.13),
    ("严", "yan", 0.13), ("覃", "qin", 0.12), ("武", "wu", 0.12), ("戴", "dai", 0.12),
    ("莫", "mo", 0.11), ("孔", "kong", 0.11), ("向", "xiang", 0.11), ("汤", "tang", 0.10),
    ("单", "shan", 0.05), ("解", "xie", 0.03), ("仇", "qiu", 0.02), ("查", "zha", 0.02),
    ("欧阳", "ouyang", 0.04), ("司马", "sima", 0.006), ("上官", "shangguan", 0.005),
    ("诸葛", "zhuge", 0.004), ("东方", "dongfang", 0.003),
)  # fmt: skip

SURNAME_PINYIN: dict[str, str] = {s: p for s, p, _ in SURNAMES}

# Single-character given names, by how often they are held.
MALE_SINGLE: dict[str, int] = {
    "伟": 14, "磊": 7, "勇": 7, "强": 6, "军": 6, "洋": 5, "杰": 5, "涛": 5, "斌": 5,
    "超": 4, "鹏": 4, "刚": 4, "明": 4, "辉": 4, "平": 3, "浩": 3, "亮": 3, "健": 3,
    "飞": 3, "波": 3, "鑫": 3, "宇": 3, "帅": 2, "凯": 2, "峰": 3, "华": 2,
}  # fmt: skip
FEMALE_SINGLE: dict[str, int] = {
    "芳": 10, "娜": 10, "静": 10, "敏": 8, "丽": 8, "艳": 7, "娟": 6, "婷": 6, "霞": 5,
    "燕": 5, "颖": 4, "洁": 4, "玲": 4, "琳": 3, "倩": 3, "雪": 3, "慧": 3, "萍": 3,
    "红": 3, "梅": 3, "丹": 3, "洋": 3, "莉": 2, "晶": 2,
}  # fmt: skip
# Two-character given names: (first characters, second characters) by era.
_TWO_CHAR: dict[tuple[str, bool], tuple[str, str]] = {
    ("M", True): (
        "建国志海永庆春金德文明立军小学光红",
        "国军华明强伟平勇刚峰斌东波辉林生荣福成宝民新",
    ),
    ("M", False): (
        "浩宇子梓俊博一天皓嘉思家明泽睿志文雨晨铭",
        "轩涵睿泽杰文诚佑宇然豪毅航凯宸逸远明辰阳宁博鹏铭浩",
    ),
    ("F", True): ("秀桂玉淑春美金丽红小雪晓海", "英兰芳珍霞萍凤琴华燕艳娟敏静梅红莲"),
    ("F", False): ("欣梓子诗雨思佳可嘉心语晓一梦若紫雅", "怡涵萱琪馨悦婷雪颖晶妍雯璐蕾薇彤瑶琳然"),
}

# The most frequent full names in China (surname, given name, gender).
COMMON_FULL_NAMES: tuple[tuple[str, str, str], ...] = (
    ("张", "伟", "M"), ("王", "伟", "M"), ("王", "芳", "F"), ("李", "伟", "M"),
    ("李", "娜", "F"), ("张", "敏", "F"), ("李", "静", "F"), ("王", "静", "F"),
    ("刘", "伟", "M"), ("王", "秀英", "F"), ("张", "丽", "F"), ("李", "秀英", "F"),
    ("王", "丽", "F"), ("张", "静", "F"), ("李", "强", "M"), ("王", "敏", "F"),
    ("李", "敏", "F"), ("王", "磊", "M"), ("刘", "洋", "M"), ("王", "艳", "F"),
    ("王", "勇", "M"), ("李", "军", "M"), ("张", "勇", "M"), ("李", "杰", "M"),
)  # fmt: skip

ENGLISH_NAMES_M = ("Kevin", "Jason", "Eric", "Tony", "Jack", "David", "Leo", "Michael", "Frank")
ENGLISH_NAMES_F = ("Amy", "Cindy", "Grace", "Lily", "Vivian", "Coco", "Emma", "Sophia", "Iris")


class NameSampler:
    """Draws surnames and given names with realistic frequencies."""

    def __init__(self, rng: random.Random, common_name_rate: float = 0.03) -> None:
        self._rng = rng
        self._common_rate = common_name_rate
        self._surnames = [s for s, _, _ in SURNAMES]
        self._surname_cum = list(accumulate(w for _, _, w in SURNAMES))
        self._single = {
            "M": (list(MALE_SINGLE), list(accumulate(MALE_SINGLE.values()))),
            "F": (list(FEMALE_SINGLE), list(accumulate(FEMALE_SINGLE.values()))),
        }

    def surname(self) -> str:
        """A surname drawn by national frequency."""
        index = bisect(self._surname_cum, self._rng.random() * self._surname_cum[-1])
        return self._surnames[min(index, len(self._surnames) - 1)]

    def given(self, gender: str, birth_year: int) -> str:
        """A one- or two-character given name typical of the gender and generation."""
        rng = self._rng
        single_rate = 0.35 if 1960 <= birth_year <= 1995 else 0.15
        if rng.random() < single_rate:
            chars, cum = self._single[gender]
            return chars[min(bisect(cum, rng.random() * cum[-1]), len(chars) - 1)]
        older = birth_year < 1975 or (birth_year < 1990 and rng.random() < 0.5)
        firsts, seconds = _TWO_CHAR[gender, older]
        if gender == "F" and not older and rng.random() < 0.04:
            second = rng.choice(seconds)
            return second + second  # 婷婷, 琳琳
        first, second = rng.choice(firsts), rng.choice(seconds)
        while second == first:
            second = rng.choice(seconds)
        return first + second

    def full(self, gender: str, birth_year: int) -> tuple[str, str]:
        """A (surname, given name) pair; a few people get one of the commonest full names."""
        if self._rng.random() < self._common_rate:
            candidates = [(s, g) for s, g, sex in COMMON_FULL_NAMES if sex == gender]
            return self._rng.choice(candidates)
        return self.surname(), self.given(gender, birth_year)


@lru_cache(maxsize=4096)
def char_pinyin(char: str) -> str:
    """Toneless pinyin of one character (its most common reading)."""
    return "".join(lazy_pinyin(char)).replace("v", "u")


def surname_pinyin(surname: str) -> str:
    """Pinyin of a surname, using the surname reading (曾 zeng, 单 shan)."""
    known = SURNAME_PINYIN.get(surname)
    if known is not None:
        return known
    return "".join(char_pinyin(c) for c in surname)


def given_pinyin(given: str) -> str:
    """Pinyin of a given name written as one word (嘉欣 -> jiaxin)."""
    return "".join(char_pinyin(c) for c in given)


def romanise(surname: str, given: str, style: int) -> str:
    """A romanised writing of a name; `style` picks one of the common orders and cases."""
    sur, giv = surname_pinyin(surname), given_pinyin(given)
    syllables = " ".join(char_pinyin(c) for c in given)
    writings = (
        f"{sur.title()} {giv.title()}",  # Lin Jiaxin
        f"{giv.upper()} {sur.upper()}",  # JIAXIN LIN
        f"{giv.title()} {sur.title()}",  # Jiaxin Lin
        f"{sur} {syllables}",  # lin jia xin
        f"{sur.upper()} {syllables.title()}",  # LIN Jia Xin
        f"{sur.title()}{giv}",  # Linjiaxin
    )
    return writings[style % len(writings)]
