from __future__ import annotations

import pytest

from mdm.normalize.gender import gender_from_honorific, normalize_gender

GENDER_ROWS: list[tuple[object, str | None, str]] = [
    ("M", "M", "M"),
    ("F", "F", "F"),
    ("m", "M", "lower-case m"),
    ("male", "M", "male"),
    ("Female", "F", "Female"),
    ("男", "M", "男"),
    ("女", "F", "女"),
    ("男性", "M", "男性"),
    (1, "M", "wechat sex 1"),
    (2, "F", "wechat sex 2"),
    (0, None, "wechat sex 0 unknown"),
    ("1", "M", "text 1"),
    ("2", "F", "text 2"),
    (1.0, "M", "float 1.0"),
    ("先生", "M", "先生"),
    ("小姐", "F", "小姐"),
    ("女士", "F", "女士"),
    ("Ｆ", "F", "full-width F"),
    (True, None, "a bool is no code"),
    (None, None, "None"),
    ("", None, "empty"),
    ("unknown", None, "unknown"),
    ("3", None, "3"),
]


@pytest.mark.parametrize(
    ("value", "expected", "label"), GENDER_ROWS, ids=[r[2] for r in GENDER_ROWS]
)
def test_normalize_gender(value: object, expected: str | None, label: str) -> None:
    assert normalize_gender(value) == expected, label


HONORIFIC_ROWS = [
    ("林先生", "M", "先生"),
    ("林小姐", "F", "小姐"),
    ("林女士", "F", "女士"),
    ("林太太", "F", "太太"),
    ("林小姐。", "F", "trailing punctuation"),
    ("Mr. Lin", "M", "Mr."),
    ("Mrs Lin", "F", "Mrs"),
    ("Ms Lin", "F", "Ms"),
    ("Miss Lin", "F", "Miss"),
    ("林嘉欣", None, "no title"),
    ("Dr. Lin", None, "Dr says nothing"),
    ("Mrlin", None, "Mr glued to a word is no title"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(
    ("name", "expected", "label"), HONORIFIC_ROWS, ids=[r[2] for r in HONORIFIC_ROWS]
)
def test_gender_from_honorific(name: str, expected: str | None, label: str) -> None:
    assert gender_from_honorific(name) == expected, label
