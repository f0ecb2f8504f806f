"""Pinyin: readings of hanzi, segmentation of latin spellings, Chinese surnames.

The set of toneless Mandarin syllables is finite (about 410), so a latin token
such as ``jiaxin`` is split by dynamic programming over that set. 林嘉欣,
"Lin Jiaxin" and "JIAXIN LIN" all come out as the syllables ``lin jia xin``.
"""

from __future__ import annotations

import functools
import re

from pypinyin import Style, lazy_pinyin

from mdm.normalize.text import clean_text, is_hanzi, to_simplified

# Standard toneless syllables (ü written ``v`` as pypinyin does). Interjections
# (m, n, ng, hm, hng, ê) are left out: they never occur in names and would let
# the segmenter cut words such as "lin" into "li n".
SYLLABLES: frozenset[str] = frozenset(
    """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu
    ca cai can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong
    chou chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo
    da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan
    dui dun duo e ei en eng er fa fan fang fei fen feng fo fou fu ga gai gan gang gao
    ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he
    hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie
    jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong kou ku kua
    kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao
    lie lin ling liu lo long lou lu luan lun luo lv lve ma mai man mang mao me mei men
    meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni
    nian niang niao nie nin ning niu nong nou nu nuan nuo nv nve o ou pa pai pan pang
    pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin
    qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru ruan rui run
    ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi
    shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta
    tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai
    wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan
    xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang
    zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhen zheng zhi zhong zhou zhu zhua
    zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
    """.split()
)
_MAX_SYLLABLE = max(map(len, SYLLABLES))

# Two-character surnames; a hanzi name starting with one of these (and longer
# than it) has it as surname.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 宇文 司徒 夏侯 轩辕 端木
    独孤 南宫 西门 万俟 闻人 赫连 澹台 呼延 申屠 司空 钟离 淳于 公羊 太史 宗政 濮阳
    单于 拓跋 百里 东郭 羊舌 微生 梁丘 左丘 第五 谷梁 乐正 公冶 仲孙 亓官 司寇 巫马
    公良 漆雕 颛孙 鲜于 闾丘 东门 南门
    """.split()
)

# Surnames read differently from the character's everyday reading.
SURNAME_READINGS: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "查": "zha", "朴": "piao",
    "区": "ou", "乐": "yue", "覃": "qin", "翟": "zhai", "缪": "miao", "盖": "ge",
    "种": "chong", "秘": "bi", "召": "shao", "折": "she", "繁": "po", "句": "gou",
    "谌": "chen", "员": "yun", "黑": "he", "贲": "ben", "宿": "su", "都": "du",
    "洗": "xian", "冼": "xian", "隗": "wei", "能": "nai", "厍": "she", "薄": "bo",
    "尉": "wei", "祭": "zhai", "牟": "mou", "车": "che", "过": "guo", "相": "xiang",
    "任": "ren", "沈": "shen", "石": "shi", "华": "hua", "纪": "ji", "燕": "yan",
    "尉迟": "yu chi", "万俟": "mo qi", "长孙": "zhang sun", "澹台": "tan tai",
    "单于": "chan yu", "乐正": "yue zheng", "令狐": "ling hu", "濮阳": "pu yang",
}  # fmt: skip

# The most frequent single-character surnames (about 90% of the population),
# most frequent first. Used to recognise a surname in a latin spelling.
COMMON_SURNAMES: tuple[str, ...] = tuple(
    """
    王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯
    邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭
    陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎
    贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤 常 温 康 施 牛 樊 葛 邢 齐 乔 伍
    庞 颜 倪 庄 聂 章 鲁 岳 翟 殷 詹 申 欧 耿 关 焦 俞 左 柳 祝 包 尚 舒 阮 柯 梅 童 凌
    毕 单 裴 霍 涂 苗 谷 盛 翁 冉 骆 蓝 靳 管 柴 鲍 喻 祁 蒲 房 滕 屈 饶 解 牟 艾 尤
    穆 卓 缪 简 车 项 褚 娄 窦 戚 岑 瞿 佟 臧 闵 邬 卞 姬 栾 隋 甄 虞 敖 巩 佘 鞠 冀 郁
    """.split()
)


def _syllables_of(hanzi: str) -> list[str]:
    return [p for p in lazy_pinyin(hanzi, style=Style.NORMAL, errors="ignore") if p.isalpha()]


@functools.lru_cache(maxsize=16384)  # surnames are few and repeat in every feed
def surname_pinyin(surname: str) -> str:
    """Return the toneless pinyin of a hanzi surname in its surname reading.

    Example:
        >>> surname_pinyin("曾"), surname_pinyin("欧阳")
        ('zeng', 'ou yang')
    """
    reading = SURNAME_READINGS.get(surname)
    if reading is not None:
        return reading
    return " ".join(SURNAME_READINGS.get(ch) or " ".join(_syllables_of(ch)) for ch in surname)


def _build_latin_surnames() -> frozenset[str]:
    names = {surname_pinyin(s).replace(" ", "") for s in COMMON_SURNAMES}
    return frozenset(names)


# "lin", "zhang", "ouyang", ...: surnames as a latin token spells them.
LATIN_SURNAMES: frozenset[str] = _build_latin_surnames()  # single-syllable ones
# Only the well-known compound surnames, and not those spelt like common given
# names (宇文 "yuwen", 闻人 "wenren").
COMPOUND_LATIN_SURNAMES: frozenset[str] = frozenset(
    surname_pinyin(s).replace(" ", "")
    for s in """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 长孙 司徒 夏侯 轩辕 端木
    独孤 南宫 西门 万俟 赫连 澹台 呼延 申屠
    """.split()
)


@functools.lru_cache(maxsize=65536)
def hanzi_pinyin(text: str) -> tuple[str, ...]:
    """Return the toneless syllables of the hanzi in ``text``; other characters are dropped."""
    return tuple(_syllables_of(text))


@functools.lru_cache(maxsize=65536)
def pinyin_of(text: str) -> str:
    """Return the toneless pinyin of ``text``, syllables joined by single spaces.

    Hanzi become their (everyday) reading; runs of latin letters and digits are
    kept lower-cased as tokens of their own; everything else is dropped.

    Example:
        >>> pinyin_of("林嘉欣"), pinyin_of("林氏 Trading")
        ('lin jia xin', 'lin shi trading')
    """
    text = to_simplified(clean_text(text))
    out: list[str] = []
    for item in lazy_pinyin(text, style=Style.NORMAL):
        out.extend(_TOKEN.findall(item.lower()))
    return " ".join(out)


_TOKEN = re.compile(r"[a-z0-9]+")
_VOWEL_START = frozenset("aoe")


@functools.lru_cache(maxsize=65536)
def segment_pinyin(token: str) -> tuple[str, ...] | None:
    """Split one lower-case latin token into pinyin syllables, or None if it is not pinyin.

    Prefers the segmentation with the fewest syllables; ties go to the one with
    the fewest inner syllables starting with a vowel (pinyin writes those after
    an apostrophe, so ``fangan`` reads ``fan gan``).

    Example:
        >>> segment_pinyin("jiaxin"), segment_pinyin("smith")
        (('jia', 'xin'), None)
    """
    n = len(token)
    if n == 0 or not token.isascii() or not token.isalpha():
        return None
    inf = (n + 1, n + 1)
    best: list[tuple[int, int]] = [inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = (0, 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_SYLLABLE), end):
            if best[start] == inf or token[start:end] not in SYLLABLES:
                continue
            count, vowels = best[start]
            cost = (count + 1, vowels + (start > 0 and token[start] in _VOWEL_START))
            if cost < best[end]:
                best[end] = cost
                back[end] = start
    if best[n] == inf:
        return None
    parts: list[str] = []
    end = n
    while end > 0:
        start = back[end]
        parts.append(token[start:end])
        end = start
    return tuple(reversed(parts))


def join_syllables(syllables: tuple[str, ...] | list[str]) -> str:
    """Write syllables as one pinyin word, with an apostrophe before an inner vowel start.

    Example:
        >>> join_syllables(["xi", "an"]), join_syllables(["jia", "xin"])
        ("xi'an", 'jiaxin')
    """
    out = ""
    for i, syl in enumerate(syllables):
        if i and syl[0] in _VOWEL_START:
            out += "'"
        out += syl
    return out


def has_hanzi(text: str) -> bool:
    """Tell whether ``text`` contains at least one CJK ideograph."""
    return any(is_hanzi(ch) for ch in text)
