from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat

from mdm.normalize.phones import normalize_phone, phone_key
from mdm.records import PhoneKind

MOBILE = "+8613800138000"
LANDLINE = "+862162345678"
BEIJING = "+861088889999"

# (raw, e164, kind, extension, label): every writing the source formats name, and more.
PHONE_ROWS = [
    ("13800138000", MOBILE, PhoneKind.MOBILE, None, "bare mobile"),
    ("138 0013 8000", MOBILE, PhoneKind.MOBILE, None, "mobile in groups"),
    ("138-0013-8000", MOBILE, PhoneKind.MOBILE, None, "mobile with dashes"),
    ("+86 138-0013-8000", MOBILE, PhoneKind.MOBILE, None, "+86 and dashes"),
    ("+8613800138000", MOBILE, PhoneKind.MOBILE, None, "already E.164"),
    ("008613800138000", MOBILE, PhoneKind.MOBILE, None, "0086 prefix"),
    ("86 13800138000", MOBILE, PhoneKind.MOBILE, None, "86 prefix without plus"),
    ("8613800138000", MOBILE, PhoneKind.MOBILE, None, "86 prefix glued"),
    ("１３８００１３８０００", MOBILE, PhoneKind.MOBILE, None, "full-width digits"),
    (
        "＋８６ １３８－００１３－８０００",
        MOBILE,
        PhoneKind.MOBILE,
        None,
        "full-width plus and dashes",
    ),
    ("\ufeff13800138000\u200b", MOBILE, PhoneKind.MOBILE, None, "invisible characters"),
    ("+86 13912345678", "+8613912345678", PhoneKind.MOBILE, None, "wechat phoneNumber"),
    ("021-6234 5678", LANDLINE, PhoneKind.LANDLINE, None, "landline with area code"),
    ("021-62345678", LANDLINE, PhoneKind.LANDLINE, None, "landline with dash"),
    ("(021)62345678", LANDLINE, PhoneKind.LANDLINE, None, "area code in brackets"),
    ("（021）62345678", LANDLINE, PhoneKind.LANDLINE, None, "full-width brackets"),
    ("+86 21 6234 5678", LANDLINE, PhoneKind.LANDLINE, None, "landline international"),
    ("+86 (0)21 6234 5678", LANDLINE, PhoneKind.LANDLINE, None, "international with (0)"),
    ("0086 21 62345678", LANDLINE, PhoneKind.LANDLINE, None, "landline 0086"),
    ("010-88889999-123", BEIJING, PhoneKind.LANDLINE, "123", "dash extension"),
    ("010-88889999转123", BEIJING, PhoneKind.LANDLINE, "123", "转 extension"),
    ("010-88889999 转 123", BEIJING, PhoneKind.LANDLINE, "123", "转 with spaces"),
    ("010-88889999分机123", BEIJING, PhoneKind.LANDLINE, "123", "分机 extension"),
    ("010-88889999 ext. 123", BEIJING, PhoneKind.LANDLINE, "123", "ext. extension"),
    ("010-88889999 EXT 123", BEIJING, PhoneKind.LANDLINE, "123", "upper-case EXT"),
    ("010-88889999 x123", BEIJING, PhoneKind.LANDLINE, "123", "x extension"),
    ("010 8888 9999 #123", BEIJING, PhoneKind.LANDLINE, "123", "# extension"),
    ("+1 650 253 0000", "+16502530000", PhoneKind.UNKNOWN, None, "US fixed line or mobile"),
    ("+852 2123 4567", "+85221234567", PhoneKind.LANDLINE, None, "Hong Kong landline"),
    ("12345678901", None, PhoneKind.UNKNOWN, None, "eleven digits, not a number"),
    ("1380013800", None, PhoneKind.UNKNOWN, None, "mobile missing a digit"),
    ("13800138000-1", None, PhoneKind.UNKNOWN, None, "mobile with an extension is junk"),
    ("010-8888999", None, PhoneKind.UNKNOWN, None, "landline missing a digit"),
    ("abc", None, PhoneKind.UNKNOWN, None, "letters"),
    ("x", None, PhoneKind.UNKNOWN, None, "only an extension marker"),
    ("++--()", None, PhoneKind.UNKNOWN, None, "punctuation"),
    ("1" * 300, None, PhoneKind.UNKNOWN, None, "far too long"),
    ("13800138000 / 13900139000", None, PhoneKind.UNKNOWN, None, "two numbers in one field"),
]


@pytest.mark.parametrize(
    ("raw", "e164", "kind", "extension", "label"), PHONE_ROWS, ids=[r[4] for r in PHONE_ROWS]
)
def test_normalize_phone(
    raw: str, e164: str | None, kind: PhoneKind, extension: str | None, label: str
) -> None:
    phone = normalize_phone(raw)
    assert phone is not None, label
    assert (phone.raw, phone.e164, phone.kind, phone.extension) == (raw, e164, kind, extension)


@pytest.mark.parametrize("raw", ["", "   ", "null", "N/A", "-", "\u200b"])
def test_blank_phone_is_none(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_region_applies_to_numbers_without_country_code() -> None:
    phone = normalize_phone("2123 4567", region="HK")
    assert phone is not None
    assert phone.e164 == "+85221234567"


@pytest.mark.parametrize(
    ("e164", "key"),
    [(MOBILE, "13800138000"), (LANDLINE, "2162345678"), (BEIJING, "1088889999"), ("junk12", "12")],
)
def test_phone_key_is_the_national_number(e164: str, key: str) -> None:
    assert phone_key(e164) == key


_FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


def _writings(national: str) -> list[str]:
    a, b, c = national[:3], national[3:7], national[7:]
    plain = [
        national,
        f"{a} {b} {c}",
        f"{a}-{b}-{c}",
        f"+86 {a}-{b}-{c}",
        f"+86{national}",
        f"0086{national}",
        f"0086 {a} {b} {c}",
        f"86 {national}",
        f"86{national}",
        f" {national}\u200b",
    ]
    return plain + [w.translate(_FULL_WIDTH) for w in plain]


_MOBILE_PREFIXES = ["130", "135", "138", "139", "150", "158", "177", "186", "189", "199"]


@settings(deadline=None)
@given(st.sampled_from(_MOBILE_PREFIXES), st.text("0123456789", min_size=8, max_size=8))
def test_every_writing_of_a_mobile_gives_one_e164(prefix: str, rest: str) -> None:
    national = prefix + rest
    results = {w: normalize_phone(w) for w in _writings(national)}
    assert {p.e164 if p else None for p in results.values()} == {f"+86{national}"}, results
    assert {p.kind if p else None for p in results.values()} == {PhoneKind.MOBILE}


@settings(deadline=None)
@given(st.text(alphabet="0123456789 +-()#x转ext.", max_size=30) | st.text(max_size=30))
def test_normalising_the_e164_gives_the_same_e164(raw: str) -> None:
    phone = normalize_phone(raw)  # never raises
    if phone is not None and phone.e164 is not None:
        again = normalize_phone(phone.e164)
        assert again is not None
        assert (again.e164, again.kind) == (phone.e164, phone.kind)


@given(st.text("0123456789", min_size=10, max_size=10))
def test_the_mobile_fast_path_agrees_with_the_full_parser(rest: str) -> None:
    raw = "1" + rest
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:  # e.g. "11000002100": no number at all
        expected = None
    else:
        valid = phonenumbers.is_valid_number(number)
        expected = phonenumbers.format_number(number, PhoneNumberFormat.E164) if valid else None
    phone = normalize_phone(raw)
    assert phone is not None
    assert phone.e164 == expected
