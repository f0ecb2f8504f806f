from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.normalize.identifiers import (
    credit_code_check_char,
    make_identifier,
    near_identifier,
    normalize_credit_code,
    normalize_resident_id,
    resident_id_check_digit,
)
from mdm.records import IdentifierKind

# (raw, value, valid, birth_date, gender, label)
RESIDENT_ROWS = [
    ("11010519491231002X", "11010519491231002X", True, date(1949, 12, 31), "F",
     "well-known valid example"),
    ("11010519491231002x", "11010519491231002X", True, date(1949, 12, 31), "F", "lower-case x"),
    (" 110105 19491231 002X ", "11010519491231002X", True, date(1949, 12, 31), "F",
     "spaces inside"),
    ("110105-19491231-002X", "11010519491231002X", True, date(1949, 12, 31), "F", "dashes"),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", True, date(1949, 12, 31), "F",
     "full-width"),
    ("110105194912310029", "110105194912310029", False, None, None, "wrong check digit"),
    ("11010519491231001X", "11010519491231001X", False, None, None, "check digit of another"),
    ("110105194902300021", "110105194902300021", False, None, None, "30 February"),
    ("990105194912310024", "990105194912310024", False, None, None, "no such province"),
    ("110105491231002", "11010519491231002X", True, date(1949, 12, 31), "F",
     "15 digits converted"),
    ("110105491331002", "110105194913310021", False, None, None, "15 digits, month 13"),
    ("11010519491231002", "11010519491231002", False, None, None, "17 characters"),
    ("1101051949123100AX", "1101051949123100AX", False, None, None, "letter inside"),
    ("abc", "ABC", False, None, None, "junk"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "value", "valid", "birth_date", "gender", "label"),
    RESIDENT_ROWS,
    ids=[r[-1] for r in RESIDENT_ROWS],
)
def test_normalize_resident_id(
    raw: str, value: str, valid: bool, birth_date: date | None, gender: str | None, label: str
) -> None:
    rid = normalize_resident_id(raw)
    assert rid is not None, label
    ident = rid.identifier
    assert (ident.kind, ident.raw, ident.value, ident.valid) == (
        IdentifierKind.RESIDENT_ID,
        raw,
        value,
        valid,
    )
    assert (rid.birth_date, rid.gender) == (birth_date, gender)


def test_odd_sequence_digit_is_male() -> None:
    body = "31010419900314001"  # 17th digit 1: odd
    rid = normalize_resident_id(body + resident_id_check_digit(body))
    assert rid is not None
    assert (rid.identifier.valid, rid.birth_date, rid.gender) == (True, date(1990, 3, 14), "M")


@pytest.mark.parametrize("raw", ["", "  ", "null"])
def test_blank_resident_id_is_none(raw: str) -> None:
    assert normalize_resident_id(raw) is None


# 91350100M000100Y43 is the worked example of GB 32100-2015, checked independently
# of this module; the ERP sample code in the formats file does not pass the check.
CREDIT_ROWS = [
    ("91350100M000100Y43", "91350100M000100Y43", True, "standard's worked example"),
    ("91350100m000100y43", "91350100M000100Y43", True, "lower case"),
    (" 9135 0100 M000 100Y 43 ", "91350100M000100Y43", True, "spaces"),
    ("91350100M000100Y44", "91350100M000100Y44", False, "wrong check character"),
    ("91310104MA1FL3XX2Q", "91310104MA1FL3XX2Q", False, "formats sample: check should be 4"),
    ("91310104MA1FL3XX24", "91310104MA1FL3XX24", True, "formats sample with its check fixed"),
    ("91350100M000100I43", "91350100M000100I43", False, "I is not in the alphabet"),
    ("9135010OM000100Y43", "9135010OM000100Y43", False, "letter in the region code"),
    ("91350100M000100Y4", "91350100M000100Y4", False, "17 characters"),
    ("", "", False, "empty"),
]


@pytest.mark.parametrize(
    ("raw", "value", "valid", "label"), CREDIT_ROWS, ids=[r[-1] for r in CREDIT_ROWS]
)
def test_normalize_credit_code(raw: str, value: str, valid: bool, label: str) -> None:
    ident = normalize_credit_code(raw)
    assert (ident.kind, ident.raw, ident.value, ident.valid) == (
        IdentifierKind.CREDIT_CODE,
        raw,
        value,
        valid,
    ), label


def test_credit_check_char_of_the_worked_example() -> None:
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert credit_code_check_char("91350100M000100I4") is None


MAKE_ROWS = [
    (IdentifierKind.RESIDENT_ID, "11010519491231002x", "11010519491231002X", True, "resident id"),
    (IdentifierKind.RESIDENT_ID, "110105194912310029", "110105194912310029", False, "bad id"),
    (IdentifierKind.CREDIT_CODE, "91350100M000100Y43", "91350100M000100Y43", True, "credit code"),
    (IdentifierKind.UNIONID, " o6_bmasdasdsad6_2sgVt7hMZOPfL ", "o6_bmasdasdsad6_2sgVt7hMZOPfL",
     True, "unionid keeps its case"),
    (IdentifierKind.OPENID, "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", True,
     "openid"),
    (IdentifierKind.ERP_CUSTOMER, "0000100234", "0000100234", True, "leading zeros kept"),
    (IdentifierKind.MEMBER_ID, "M100234", "M100234", True, "member id"),
    (IdentifierKind.PASSPORT, "e 1234 5678", "E12345678", True, "passport upper-cased"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "raw", "value", "valid", "label"), MAKE_ROWS, ids=[r[-1] for r in MAKE_ROWS]
)
def test_make_identifier(
    kind: IdentifierKind, raw: str, value: str, valid: bool, label: str
) -> None:
    ident = make_identifier(kind, raw)
    assert ident is not None, label
    assert (ident.kind, ident.raw, ident.value, ident.valid) == (kind, raw, value, valid)


@pytest.mark.parametrize("kind", list(IdentifierKind))
def test_make_identifier_of_blank_is_none(kind: IdentifierKind) -> None:
    assert make_identifier(kind, " ") is None


NEAR_ROWS = [
    ("11010519491231002X", "11010519491231003X", True, "one substitution"),
    ("11010519491231002X", "11010519491231020X", True, "adjacent transposition"),
    ("11010519491231002X", "11010519491231002X", False, "equal is not near"),
    ("11010519491231002X", "11010519491231013X", False, "two substitutions"),
    ("11010519491231002X", "1101051949123100X", False, "different length"),
    ("12345", "32145", False, "non-adjacent swap"),
]


@pytest.mark.parametrize(("a", "b", "expected", "label"), NEAR_ROWS, ids=[r[-1] for r in NEAR_ROWS])
def test_near_identifier(a: str, b: str, expected: bool, label: str) -> None:
    assert near_identifier(a, b) is expected, label
    assert near_identifier(b, a) is expected, label


@given(st.text("0123456789", min_size=17, max_size=17))
def test_resident_id_check_digit_catches_every_single_substitution(body: str) -> None:
    value = body + resident_id_check_digit(body)
    for i in range(17):
        wrong = value[:i] + str((int(value[i]) + 1) % 10) + value[i + 1 :]
        assert resident_id_check_digit(wrong[:17]) != wrong[17]


@given(st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_credit_codes_with_their_own_check_char_pass_unless_the_region_is_not_digits(
    body: str,
) -> None:
    check = credit_code_check_char(body)
    assert check is not None
    assert normalize_credit_code(body + check).valid is body[2:8].isdigit()
