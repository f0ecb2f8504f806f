from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.normalize.text import clean_text, is_blank, is_hanzi, to_simplified

CLEAN_ROWS = [
    ("  林嘉欣  ", "林嘉欣", "ends stripped"),
    ("\ufeff13800138000", "13800138000", "byte-order mark"),
    ("林\u200b嘉\u200c欣\u200d\u2060", "林嘉欣", "zero-width characters"),
    ("１３８\u3000００１３", "138 0013", "full-width digits and ideographic space"),
    ("ＬＩＮ．Ｊｉａｘｉｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "LIN.Jiaxin@example.com", "full-width ASCII"),
    ("a\t\tb\n\nc", "a b c", "whitespace collapsed"),
    ("a\x00b\x07c", "abc", "control characters removed"),
    ("漕溪北路88号\u00a012楼", "漕溪北路88号 12楼", "no-break space"),
    ("（上海）", "(上海)", "full-width brackets"),
    ("", "", "empty"),
]


@pytest.mark.parametrize(("raw", "expected", "label"), CLEAN_ROWS, ids=[r[2] for r in CLEAN_ROWS])
def test_clean_text(raw: str, expected: str, label: str) -> None:
    assert clean_text(raw) == expected, label


SIMPLIFIED_ROWS = [
    ("陳嘉欣", "陈嘉欣", "traditional surname"),
    ("台灣林氏貿易股份有限公司", "台湾林氏贸易股份有限公司", "traditional company name"),
    ("林嘉欣", "林嘉欣", "already simplified"),
    ("Lin Jiaxin", "Lin Jiaxin", "latin unchanged"),
    ("歐陽娜娜", "欧阳娜娜", "compound surname"),
]


@pytest.mark.parametrize(
    ("raw", "expected", "label"), SIMPLIFIED_ROWS, ids=[r[2] for r in SIMPLIFIED_ROWS]
)
def test_to_simplified(raw: str, expected: str, label: str) -> None:
    assert to_simplified(raw) == expected, label


BLANK_ROWS: list[tuple[object, bool, str]] = [
    (None, True, "None"),
    ("", True, "empty"),
    ("   ", True, "spaces"),
    ("\u3000\u200b", True, "invisible and ideographic space"),
    ("null", True, "null"),
    ("NULL", True, "NULL"),
    ("None", True, "None text"),
    ("N/A", True, "N/A"),
    ("-", True, "dash"),
    (float("nan"), True, "NaN"),
    ("林", False, "a name"),
    ("0", False, "zero text"),
    (0, False, "zero int"),
    ("Na", False, "the surname Na is not blank"),
]


@pytest.mark.parametrize(("value", "expected", "label"), BLANK_ROWS, ids=[r[2] for r in BLANK_ROWS])
def test_is_blank(value: object, expected: bool, label: str) -> None:
    assert is_blank(value) is expected, label


@pytest.mark.parametrize(
    ("ch", "expected"), [("林", True), ("〇", True), ("L", False), ("１", False), ("林嘉", False)]
)
def test_is_hanzi(ch: str, expected: bool) -> None:
    assert is_hanzi(ch) is expected


@given(st.text())
def test_clean_text_is_idempotent(s: str) -> None:
    once = clean_text(s)
    assert clean_text(once) == once
