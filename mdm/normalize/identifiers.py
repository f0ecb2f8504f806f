"""Identifiers: resident IDs (GB 11643), unified social credit codes (GB 32100), others.

An identifier that fails its checksum is kept with ``valid=False``: it is still
evidence (a typo of a real number), the matcher only trusts it less.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from rapidfuzz.distance import Hamming

from mdm.normalize.addresses import PROVINCE_BY_CODE
from mdm.normalize.text import clean_text, is_blank
from mdm.records import Identifier, IdentifierKind

_SEPARATORS = re.compile(r"[\s\-_.·/]+")
_RESIDENT_18 = re.compile(r"\d{17}[\dX]")
_RESIDENT_15 = re.compile(r"\d{15}")
_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"

_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_CREDIT_VALUES = {ch: i for i, ch in enumerate(_CREDIT_CHARSET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A resident ID card number (居民身份证号码) and what it tells about its holder.

    ``birth_date`` and ``gender`` are filled only when the number is valid.
    """

    identifier: Identifier
    birth_date: date | None
    gender: str | None  # "M" or "F"


def _squeeze(raw: str) -> str:
    return _SEPARATORS.sub("", clean_text(raw)).upper()


def resident_id_check_digit(first17: str) -> str:
    """Return the GB 11643 (ISO 7064 MOD 11-2) check character for 17 digits.

    Example:
        >>> resident_id_check_digit("11010519491231002")
        'X'
    """
    total = sum(int(d) * w for d, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK[total % 11]


def _birth_date(yyyymmdd: str) -> date | None:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return born if born >= _EARLIEST_BIRTH else None


@functools.lru_cache(maxsize=65536)
def normalize_resident_id(raw: str) -> ResidentId | None:
    """Normalise and check a mainland resident ID number.

    The value is upper-cased without separators. An 18-character number is
    valid when its MOD 11-2 check character matches, the birth date (digits
    7-14) is a real date from 1900 on and the first two digits are a province
    code. A 15-digit first-generation number is converted to 18 characters
    ("19" inserted before the year, check character computed) and is valid when
    its date and region are.

    Returns:
        None when ``raw`` is blank; otherwise the identifier with its birth date
        and gender ("M" for an odd sequence digit) when valid.

    Example:
        >>> rid = normalize_resident_id("11010519491231002x")
        >>> rid.identifier.valid, rid.birth_date, rid.gender
        (True, datetime.date(1949, 12, 31), 'F')
    """
    if is_blank(raw):
        return None
    value = _squeeze(raw)
    if _RESIDENT_15.fullmatch(value):
        body = value[:6] + "19" + value[6:]
        value = body + resident_id_check_digit(body)
        checksum_ok = True
    elif _RESIDENT_18.fullmatch(value):
        checksum_ok = resident_id_check_digit(value[:17]) == value[17]
    else:
        return ResidentId(Identifier(IdentifierKind.RESIDENT_ID, raw, value, False), None, None)
    born = _birth_date(value[6:14])
    valid = checksum_ok and born is not None and value[:2] in PROVINCE_BY_CODE
    identifier = Identifier(IdentifierKind.RESIDENT_ID, raw, value, valid)
    if not valid:
        return ResidentId(identifier, None, None)
    return ResidentId(identifier, born, "M" if int(value[16]) % 2 else "F")


def credit_code_check_char(first17: str) -> str | None:
    """Return the GB 32100-2015 check character for 17 characters, or None if one is illegal.

    Example:
        >>> credit_code_check_char("91350100M000100Y4")
        '3'
    """
    try:
        total = sum(_CREDIT_VALUES[ch] * w for ch, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    except (KeyError, ValueError):
        return None
    return _CREDIT_CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(raw: str) -> Identifier:
    """Normalise and check a unified social credit code (统一社会信用代码).

    Valid means 18 characters from the code's alphabet (digits and capitals
    without I, O, S, V, Z), a six-digit region code in positions 3-8 and a
    matching check character.

    Example:
        >>> normalize_credit_code("91350100M000100Y43").valid
        True
    """
    value = _squeeze(raw)
    valid = (
        len(value) == 18
        and value[2:8].isdigit()
        and credit_code_check_char(value[:17]) == value[17]
    )
    return Identifier(IdentifierKind.CREDIT_CODE, raw, value, valid)


def make_identifier(kind: IdentifierKind, raw: str) -> Identifier | None:
    """Build the identifier of ``kind`` from source text, checked where a checksum exists.

    Resident IDs and credit codes are checked; passports are upper-cased without
    spaces; other kinds (openid, unionid, member ids, ...) are case-sensitive and
    only trimmed, and are valid when not blank.

    Returns:
        None when ``raw`` is blank or holds nothing but separators.

    Example:
        >>> make_identifier(IdentifierKind.OPENID, " o6_bmjrPTlm6 ").value
        'o6_bmjrPTlm6'
    """
    if is_blank(raw):
        return None
    if kind is IdentifierKind.RESIDENT_ID:
        rid = normalize_resident_id(raw)
        return rid.identifier if rid is not None and rid.identifier.value else None
    if kind is IdentifierKind.CREDIT_CODE:
        code = normalize_credit_code(raw)
        return code if code.value else None
    value = clean_text(raw)
    if kind is IdentifierKind.PASSPORT:
        value = value.replace(" ", "").upper()
    return Identifier(kind, raw, value, True)


def near_identifier(a: str, b: str) -> bool:
    """Tell whether two different values of the same length differ by one typo.

    One typo is one substituted character or two adjacent characters swapped.
    Equal values are not "near": the caller tests equality first.

    Example:
        >>> near_identifier("110105194912310021", "110105194912310012")
        True
    """
    if len(a) != len(b) or a == b:
        return False
    # Most compared values differ in many places: rapidfuzz counts them in C.
    if Hamming.distance(a, b, score_cutoff=2) > 2:
        return False
    diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diffs) == 1:
        return True
    if len(diffs) == 2:
        i, j = diffs
        return j == i + 1 and a[i] == b[j] and a[j] == b[i]
    return False
