from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.normalize.names import pinyin_of
from mdm.normalize.pinyin import SYLLABLES, join_syllables, segment_pinyin, surname_pinyin

PINYIN_ROWS = [
    ("林嘉欣", "lin jia xin", "hanzi name"),
    ("陳嘉欣", "chen jia xin", "traditional"),
    ("林氏 Trading", "lin shi trading", "latin word kept"),
    ("保温杯 500ml", "bao wen bei 500ml", "digits kept with letters"),
    ("林🌸嘉欣！", "lin jia xin", "emoji and punctuation dropped"),
    ("", "", "empty"),
]


@pytest.mark.parametrize(
    ("text", "expected", "label"), PINYIN_ROWS, ids=[r[2] for r in PINYIN_ROWS]
)
def test_pinyin_of(text: str, expected: str, label: str) -> None:
    assert pinyin_of(text) == expected, label


SEGMENT_ROWS = [
    ("jiaxin", ("jia", "xin"), "two syllables"),
    ("lin", ("lin",), "one syllable, not li+n"),
    ("xian", ("xian",), "fewest syllables: xian, not xi an"),
    ("fangan", ("fan", "gan"), "tie goes to the consonant start"),
    ("zhangwei", ("zhang", "wei"), "full name in one word"),
    ("ouyang", ("ou", "yang"), "compound surname"),
    ("xiaoming", ("xiao", "ming"), "xiao ming"),
    ("tiananmen", ("tian", "an", "men"), "three syllables"),
    ("zhuangshuang", ("zhuang", "shuang"), "longest syllables"),
    ("lv", ("lv",), "ü written v"),
    ("smith", None, "not pinyin"),
    ("john", None, "not pinyin either"),
    ("", None, "empty"),
    ("lin1", None, "digit"),
]


@pytest.mark.parametrize(
    ("token", "expected", "label"), SEGMENT_ROWS, ids=[r[2] for r in SEGMENT_ROWS]
)
def test_segment_pinyin(token: str, expected: tuple[str, ...] | None, label: str) -> None:
    assert segment_pinyin(token) == expected, label


@pytest.mark.parametrize(
    ("surname", "reading"),
    [("曾", "zeng"), ("单", "shan"), ("解", "xie"), ("仇", "qiu"), ("查", "zha"), ("朴", "piao"),
     ("区", "ou"), ("乐", "yue"), ("覃", "qin"), ("翟", "zhai"), ("缪", "miao"), ("盖", "ge"),
     ("种", "chong"), ("尉迟", "yu chi"), ("万俟", "mo qi"), ("林", "lin"), ("欧阳", "ou yang")],
)  # fmt: skip
def test_surnames_are_read_in_their_surname_reading(surname: str, reading: str) -> None:
    assert surname_pinyin(surname) == reading


def test_the_syllable_table_is_the_standard_one() -> None:
    assert 400 <= len(SYLLABLES) <= 420
    assert {"zhuang", "lve", "nv", "er", "a"} <= SYLLABLES
    assert not {"n", "ng", "m", "hm"} & SYLLABLES


@given(st.lists(st.sampled_from(sorted(SYLLABLES)), min_size=1, max_size=4))
def test_a_written_word_segments_back_into_its_syllables_or_fewer(syllables: list[str]) -> None:
    word = join_syllables(syllables)
    parts = [segment_pinyin(p) for p in word.split("'")]
    assert all(p is not None for p in parts)
    found = [s for p in parts if p is not None for s in p]
    assert "".join(found) == "".join(syllables)
    assert len(found) <= len(syllables)
