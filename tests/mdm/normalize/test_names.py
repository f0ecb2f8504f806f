from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdm.normalize.names import normalize_person_name
from mdm.normalize.pinyin import COMMON_SURNAMES, SYLLABLES

# (raw, full, surname, given, pinyin, initials, honorific_only, label)
HANZI_ROWS = [
    ("林嘉欣", "林嘉欣", "林", "嘉欣", "lin jia xin", "ljx", False, "plain"),
    ("  林 嘉 欣 ", "林嘉欣", "林", "嘉欣", "lin jia xin", "ljx", False, "inner spaces"),
    ("林嘉欣🌸", "林嘉欣", "林", "嘉欣", "lin jia xin", "ljx", False, "emoji"),
    ("林嘉欣。", "林嘉欣", "林", "嘉欣", "lin jia xin", "ljx", False, "punctuation"),
    ("林嘉欣2", "林嘉欣", "林", "嘉欣", "lin jia xin", "ljx", False, "digit"),
    ("陳嘉欣", "陈嘉欣", "陈", "嘉欣", "chen jia xin", "cjx", False, "traditional"),
    ("林\u200b嘉欣", "林嘉欣", "林", "嘉欣", "lin jia xin", "ljx", False, "zero-width"),
    ("林小姐", "林", "林", None, "lin", "l", True, "surname and 小姐"),
    ("林先生", "林", "林", None, "lin", "l", True, "surname and 先生"),
    ("林 女士", "林", "林", None, "lin", "l", True, "title after a space"),
    ("林嘉欣女士", "林嘉欣", "林", "嘉欣", "lin jia xin", "ljx", False, "full name and title"),
    ("王老师", "王", "王", None, "wang", "w", True, "老师"),
    ("张总", "张", "张", None, "zhang", "z", True, "one-character title 总"),
    ("李总经理", "李", "李", None, "li", "l", True, "总经理 before 经理"),
    ("刘师傅", "刘", "刘", None, "liu", "l", True, "师傅"),
    ("陈阿姨", "陈", "陈", None, "chen", "c", True, "阿姨"),
    ("周同学", "周", "周", None, "zhou", "z", True, "同学"),
    ("赵老板", "赵", "赵", None, "zhao", "z", True, "老板"),
    ("黄经理", "黄", "黄", None, "huang", "h", True, "经理"),
    ("欧阳娜娜", "欧阳娜娜", "欧阳", "娜娜", "ou yang na na", "oynn", False, "compound surname"),
    ("歐陽娜娜", "欧阳娜娜", "欧阳", "娜娜", "ou yang na na", "oynn", False, "traditional"),
    ("欧阳先生", "欧阳", "欧阳", None, "ou yang", "oy", True, "compound surname and title"),
    ("司马光", "司马光", "司马", "光", "si ma guang", "smg", False, "司马"),
    ("诸葛亮", "诸葛亮", "诸葛", "亮", "zhu ge liang", "zgl", False, "诸葛"),
    ("曾志伟", "曾志伟", "曾", "志伟", "zeng zhi wei", "zzw", False, "曾 read zeng"),
    ("单田芳", "单田芳", "单", "田芳", "shan tian fang", "stf", False, "单 read shan"),
    ("解缙", "解缙", "解", "缙", "xie jin", "xj", False, "解 read xie"),
    ("仇英", "仇英", "仇", "英", "qiu ying", "qy", False, "仇 read qiu"),
    ("朴槿惠", "朴槿惠", "朴", "槿惠", "piao jin hui", "pjh", False, "朴 read piao"),
    ("区小姐", "区", "区", None, "ou", "o", True, "区 read ou"),
    ("翟先生", "翟", "翟", None, "zhai", "z", True, "翟 read zhai"),
    ("尉迟恭", "尉迟恭", "尉迟", "恭", "yu chi gong", "ycg", False, "尉迟 read yu chi"),
    ("万俟卨", "万俟卨", "万俟", "卨", "mo qi xie", "mqx", False, "万俟 read mo qi"),
    ("吕小明", "吕小明", "吕", "小明", "lv xiao ming", "lxm", False, "ü written v"),
    ("林", "林", "林", None, "lin", "l", False, "surname alone"),
    ("阿依古丽·买买提", "阿依古丽买买提", "阿", "依古丽买买提", "a yi gu li mai mai ti",
     "ayglmmt", False, "middle dot removed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "full", "surname", "given_name", "pinyin", "initials", "honorific_only", "label"),
    HANZI_ROWS,
    ids=[r[-1] for r in HANZI_ROWS],
)
def test_hanzi_names(
    raw: str,
    full: str,
    surname: str,
    given_name: str | None,
    pinyin: str,
    initials: str,
    honorific_only: bool,
    label: str,
) -> None:
    name = normalize_person_name(raw)
    assert name is not None, label
    assert (name.full, name.surname, name.given) == (full, surname, given_name)
    assert (name.pinyin, name.initials) == (pinyin, initials)
    assert name.honorific_only is honorific_only
    assert not name.is_latin
    assert name.raw == raw


# (raw, full, surname, given, pinyin, initials, honorific_only, label)
LATIN_ROWS = [
    ("Lin Jiaxin", "lin jiaxin", "lin", "jiaxin", "lin jia xin", "ljx", False, "Chinese order"),
    ("JIAXIN LIN", "lin jiaxin", "lin", "jiaxin", "lin jia xin", "ljx", False, "western order"),
    ("lin jia xin", "lin jiaxin", "lin", "jiaxin", "lin jia xin", "ljx", False, "syllables apart"),
    ("Lin Jia-Xin", "lin jiaxin", "lin", "jiaxin", "lin jia xin", "ljx", False, "hyphenated"),
    ("Lin, Jiaxin", "lin jiaxin", "lin", "jiaxin", "lin jia xin", "ljx", False, "comma"),
    ("Jiaxin, Lin", "lin jiaxin", "lin", "jiaxin", "lin jia xin", "ljx", False,
     "a clear surname wins over a comma"),
    ("Smith, John", "smith john", "smith", "john", "smith john", "sj", False,
     "comma marks the surname of a western name"),
    ("Wei, Zhang", "wei zhang", "wei", "zhang", "wei zhang", "wz", False,
     "comma settles an unclear order"),
    ("linjiaxin", "lin jiaxin", "lin", "jiaxin", "lin jia xin", "ljx", False, "one word"),
    ("ＬＩＮ　Ｊｉａｘｉｎ", "lin jiaxin", "lin", "jiaxin", "lin jia xin", "ljx", False,
     "full-width"),
    ("Mr Lin", "lin", "lin", None, "lin", "l", True, "Mr and surname"),
    ("Ms. Lin", "lin", "lin", None, "lin", "l", True, "Ms. and surname"),
    ("Dr. Zhang Xiaoming", "zhang xiaoming", "zhang", "xiaoming", "zhang xiao ming", "zxm",
     False, "Dr. and full name"),
    ("Lin Xiansheng", "lin", "lin", None, "lin", "l", True, "pinyin title"),
    ("Ouyang Nana", "ouyang nana", "ouyang", "nana", "ou yang na na", "oynn", False,
     "compound surname first"),
    ("Nana Ouyang", "ouyang nana", "ouyang", "nana", "ou yang na na", "oynn", False,
     "compound surname last"),
    ("Lyu Xiaoming", "lv xiaoming", "lv", "xiaoming", "lv xiao ming", "lxm", False,
     "passport LYU for 吕"),
    ("Lü Xiaoming", "lv xiaoming", "lv", "xiaoming", "lv xiao ming", "lxm", False, "ü"),
    ("Xi'an Lin", "lin xi'an", "lin", "xi'an", "lin xi an", "lxa", False, "apostrophe kept"),
    ("Zhang Wei", "zhang wei", "zhang", "wei", "zhang wei", "zw", False,
     "both could be surnames: written order, surname first"),
    ("John Smith", "john smith", "smith", "john", "john smith", "js", False,
     "western name kept as written"),
    ("Band", "band", "band", None, "band", "b", False, "one non-pinyin word"),
    ("Michaela Smith", "michaela smith", "smith", "michaela", "michaela smith", "ms", False,
     "western word that splits into pinyin only with unwritten apostrophes stays whole"),
    ("Smith, Michaela", "smith michaela", "smith", "michaela", "smith michaela", "sm", False,
     "surname before the comma"),
    ("Maria Lee", "maria lee", "lee", "maria", "maria lee", "ml", False,
     "two pinyin-like western words read in western order"),
    ("Zhang Yian", "zhang yian", "zhang", "yian", "zhang yian", "zy", False,
     "known surname first keeps Chinese order"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "full", "surname", "given_name", "pinyin", "initials", "honorific_only", "label"),
    LATIN_ROWS,
    ids=[r[-1] for r in LATIN_ROWS],
)
def test_latin_names(
    raw: str,
    full: str,
    surname: str,
    given_name: str | None,
    pinyin: str,
    initials: str,
    honorific_only: bool,
    label: str,
) -> None:
    name = normalize_person_name(raw)
    assert name is not None, label
    assert (name.full, name.surname, name.given) == (full, surname, given_name)
    assert (name.pinyin, name.initials) == (pinyin, initials)
    assert name.honorific_only is honorific_only
    assert name.is_latin


@pytest.mark.parametrize(
    "writing",
    ["林嘉欣", "林嘉欣女士", "林 嘉欣", "Lin Jiaxin", "JIAXIN LIN", "lin jia xin", "Lin Jia-Xin",
     "LIN, JIAXIN", "linjiaxin", "Ms Lin Jiaxin"],
)  # fmt: skip
def test_every_writing_of_one_name_meets_on_pinyin(writing: str) -> None:
    name = normalize_person_name(writing)
    assert name is not None
    assert (name.pinyin, name.initials) == ("lin jia xin", "ljx")


@pytest.mark.parametrize("raw", ["", " ", "null", "123", "🌸🌸", "---", "先生", "Mr"])
def test_names_without_letters_are_none(raw: str) -> None:
    # "Mr" alone keeps its letters: a lone title is a name we cannot drop.
    name = normalize_person_name(raw)
    assert name is None or name.full == "mr"


_COMMON_GIVEN = "嘉欣伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美"
_hanzi_names = st.builds(
    lambda s, g, t: s + g + t,
    st.sampled_from([*COMMON_SURNAMES, "欧阳", "司马", "陳", "歐陽"]),
    st.text(_COMMON_GIVEN, max_size=3),
    st.sampled_from(["", "先生", "小姐", "女士", "总", " ", "🌸", "。"]),
)
_syllables = sorted(SYLLABLES)
_latin_names = st.builds(
    lambda words, sep, upper: sep.join(words).upper() if upper else sep.join(words).title(),
    st.lists(
        st.lists(st.sampled_from(_syllables), min_size=1, max_size=3).map("".join),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from([" ", ", ", "  ", "-"]),
    st.booleans(),
)


@settings(deadline=None)
@given(_hanzi_names | _latin_names | st.text(max_size=12))
def test_normalising_a_name_twice_changes_nothing(raw: str) -> None:
    name = normalize_person_name(raw)
    if name is None:
        return
    again = normalize_person_name(name.full)
    assert again is not None
    assert again.full == name.full
    assert again.pinyin == name.pinyin
    assert again.is_latin == name.is_latin
