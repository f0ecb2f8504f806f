"""Properties of the normalisers that tests/mdm/normalize does not cover yet.

Covered there already (not repeated): every writing of a mobile gives one
E.164, and normalising twice changes nothing for text, names, organisations,
e-mails and addresses. Added here: landlines and extensions in every common
writing, identifiers, gender codes, traditional-to-simplified conversion,
timestamps, and normalisers that never raise on any text at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdm.normalize.gender import normalize_gender
from mdm.normalize.identifiers import (
    make_identifier,
    normalize_credit_code,
    normalize_resident_id,
    resident_id_check_digit,
)
from mdm.normalize.names import normalize_org_name, normalize_person_name
from mdm.normalize.phones import normalize_phone
from mdm.normalize.text import clean_text, to_simplified
from mdm.normalize.timestamps import parse_timestamp
from mdm.records import IdentifierKind, PhoneKind

_FULL_WIDTH = {ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789+-()#"}
# (area code without the trunk 0, digits of the local number) of cities with valid plans.
_AREAS = [("10", 8), ("20", 8), ("21", 8), ("22", 8), ("23", 8), ("755", 8), ("571", 8), ("28", 8)]


def _landline_writings(area: str, local: str) -> list[str]:
    half = len(local) // 2
    spaced = f"{local[:half]} {local[half:]}"
    plain = [
        f"0{area}-{local}",
        f"0{area} {spaced}",
        f"(0{area}){local}",
        f"（0{area}）{spaced}",
        f"+86 {area} {spaced}",
        f"+86-{area}-{local}",
        f"0086 {area} {local}",
        f"86-{area}-{local}",
        f" 0{area}{local}\u200b",
    ]
    return plain + [w.translate(_FULL_WIDTH) for w in plain]


@st.composite
def _landlines(draw: st.DrawFn) -> tuple[str, str]:
    area, length = draw(st.sampled_from(_AREAS))
    local = draw(st.sampled_from("2345678")) + draw(
        st.text("0123456789", min_size=length - 1, max_size=length - 1)
    )
    number = phonenumbers.parse(f"+86{area}{local}")
    if not phonenumbers.is_valid_number(number):  # not every local prefix is in use
        local = "6" + local[1:]
    return area, local


@settings(deadline=None, max_examples=150)
@given(_landlines())
def test_every_writing_of_a_landline_gives_one_e164(number: tuple[str, str]) -> None:
    area, local = number
    expected = f"+86{area}{local}"
    if not phonenumbers.is_valid_number(phonenumbers.parse(expected)):
        return  # the plan does not hand out this block: nothing to agree on
    found = {w: normalize_phone(w) for w in _landline_writings(area, local)}
    assert {p.e164 if p else None for p in found.values()} == {expected}, found
    assert {p.kind if p else None for p in found.values()} == {PhoneKind.LANDLINE}


@settings(deadline=None, max_examples=100)
@given(_landlines(), st.text("0123456789", min_size=1, max_size=5))
def test_every_writing_of_an_extension_gives_the_number_and_the_extension(
    number: tuple[str, str], extension: str
) -> None:
    area, local = number
    expected = f"+86{area}{local}"
    if not phonenumbers.is_valid_number(phonenumbers.parse(expected)):
        return
    writings = [
        f"0{area}-{local}-{extension}",
        f"0{area}-{local} 转 {extension}",
        f"0{area}-{local}转{extension}",
        f"0{area} {local} ext. {extension}",
        f"+86-{area}-{local}#{extension}",
    ]
    found = {w: normalize_phone(w) for w in writings}
    assert {(p.e164, p.extension) if p else None for p in found.values()} == {
        (expected, extension)
    }, found


@given(st.text(max_size=40))
def test_the_phone_normaliser_never_raises_and_is_stable_on_its_own_output(raw: str) -> None:
    phone = normalize_phone(raw)
    if phone is not None and phone.e164 is not None:
        again = normalize_phone(phone.e164 if not phone.extension else phone.raw)
        assert again is not None
        assert again.e164 == phone.e164


_IDENTIFIER_KINDS = list(IdentifierKind)


@given(st.sampled_from(_IDENTIFIER_KINDS), st.text(min_size=1, max_size=40))
def test_making_an_identifier_of_its_own_value_changes_nothing(
    kind: IdentifierKind, raw: str
) -> None:
    first = make_identifier(kind, raw)
    if first is None or not first.value:  # empty values: see the xfail test below
        return
    second = make_identifier(kind, first.value)
    assert second is not None
    assert (second.kind, second.value, second.valid) == (first.kind, first.value, first.valid)


@pytest.mark.parametrize("kind", [IdentifierKind.RESIDENT_ID, IdentifierKind.CREDIT_CODE])
def test_no_identifier_is_made_with_an_empty_value(kind: IdentifierKind) -> None:
    made = make_identifier(kind, "_")
    assert made is None or made.value != ""


@given(
    st.sampled_from(["110101", "310104", "440106"]),
    st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2020, 12, 31).date()),
    st.text("0123456789", min_size=3, max_size=3),
)
def test_a_resident_id_in_any_writing_normalises_to_one_value(
    region: str, born: object, sequence: str
) -> None:
    first17 = f"{region}{born:%Y%m%d}{sequence}"  # type: ignore[str-format]
    number = first17 + resident_id_check_digit(first17)
    writings = [number, number.lower(), f" {number[:6]} {number[6:14]} {number[14:]} "]
    found = {w: normalize_resident_id(w) for w in writings}
    values = {(r.identifier.value, r.identifier.valid) if r else None for r in found.values()}
    assert values == {(number.upper(), True)}, found


@given(st.text(min_size=1, max_size=30))
def test_normalising_a_credit_code_twice_changes_nothing(raw: str) -> None:
    first = normalize_credit_code(raw)
    second = normalize_credit_code(first.value)
    assert (second.value, second.valid) == (first.value, first.valid)


@given(
    st.one_of(
        st.sampled_from(["F", "M", "f", "m", "女", "男", "female", "Male", "1", "2", "0", 1, 2]),
        st.text(max_size=8),
        st.integers(),
    )
)
def test_normalising_a_gender_twice_changes_nothing(raw: object) -> None:
    first = normalize_gender(raw)
    assert first in (None, "F", "M")
    if first is not None:
        assert normalize_gender(first) == first


_HAN = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=12
)


@settings(deadline=None)
@given(_HAN | st.text(max_size=20))
def test_converting_to_simplified_twice_changes_nothing(text: str) -> None:
    once = to_simplified(text)
    assert to_simplified(once) == once


@settings(deadline=None)
@given(_HAN | st.text(max_size=20))
def test_name_normalisers_never_raise_and_settle_after_one_pass(raw: str) -> None:
    person = normalize_person_name(raw)
    if person is not None:
        again = normalize_person_name(person.full)
        assert again is not None
        assert again.full == person.full
    org = normalize_org_name(raw)
    if org is not None:
        again_org = normalize_org_name(org.full)
        assert again_org is not None
        assert again_org.full == org.full


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2999, 12, 30)))
def test_a_timestamp_written_in_any_supported_way_is_one_instant(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    shanghai = moment.replace(tzinfo=UTC) - timedelta(hours=8)
    writings = [
        moment.strftime("%Y-%m-%d %H:%M:%S"),  # naive: Asia/Shanghai
        moment.strftime("%Y/%m/%d %H:%M:%S"),
        moment.isoformat() + "+08:00",
        shanghai.isoformat(),
        shanghai.strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]
    seconds = int(shanghai.timestamp())
    if 10**9 <= seconds < 10**10:  # Unix seconds are read as text of ten digits (8 are a date)
        writings.append(str(seconds))
    if moment.year < 1992:  # naive text is Asia/Shanghai: LMT, war time, summer time 1986-91
        writings = writings[2:]
    found = {w: parse_timestamp(w) for w in writings}
    assert set(found.values()) == {shanghai}, found


@pytest.mark.parametrize("text", ["", " ", "\u200b", "\x00\x01", "🌸" * 3, "ｆｕｌｌ"])
def test_clean_text_settles_after_one_pass_on_edge_text(text: str) -> None:
    assert clean_text(clean_text(text)) == clean_text(text)
