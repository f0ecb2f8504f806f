from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdm.normalize.timestamps import parse_date, parse_timestamp


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=UTC)


TIMESTAMP_ROWS: list[tuple[object, datetime, str]] = [
    ("2023-05-02T10:11:12+08:00", utc(2023, 5, 2, 2, 11, 12), "ISO with offset"),
    ("2024-11-03T12:15:00Z", utc(2024, 11, 3, 12, 15), "ISO with Z"),
    ("2024-11-03T12:15:00.250+0530", utc(2024, 11, 3, 6, 45, 0, 250000), "fraction, +hhmm"),
    ("2024-11-03T20:15:00", utc(2024, 11, 3, 12, 15), "naive ISO is Shanghai"),
    ("2024-11-03 20:15:00", utc(2024, 11, 3, 12, 15), "shop created"),
    ("2024-11-03 20:16:41", utc(2024, 11, 3, 12, 16, 41), "shop pay_time"),
    ("2024/11/03 20:15", utc(2024, 11, 3, 12, 15), "slashes without seconds"),
    ("2024/1/3 8:05", utc(2024, 1, 3, 0, 5), "single-digit parts"),
    ("20241103", utc(2024, 11, 2, 16), "ERP ERDAT"),
    ("2024-11-03", utc(2024, 11, 2, 16), "date only"),
    ("20241103201500", utc(2024, 11, 3, 12, 15), "compact date and time"),
    ("2024年11月3日 20时15分", utc(2024, 11, 3, 12, 15), "Chinese date and time"),
    ("２０２４－１１－０３ ２０:１５:００", utc(2024, 11, 3, 12, 15), "full-width"),
    (1382694957, utc(2013, 10, 25, 9, 55, 57), "wechat subscribe_time, int"),
    ("1382694957", utc(2013, 10, 25, 9, 55, 57), "Unix seconds as text"),
    (1730640000000, utc(2024, 11, 3, 13, 20), "milliseconds"),
    ("1730640000000", utc(2024, 11, 3, 13, 20), "milliseconds as text"),
    (1382694957.5, utc(2013, 10, 25, 9, 55, 57, 500000), "float seconds"),
    (datetime(2024, 11, 3, 20, 15), utc(2024, 11, 3, 12, 15), "naive datetime"),
    (
        datetime(2024, 11, 3, 20, 15, tzinfo=timezone(timedelta(hours=8))),
        utc(2024, 11, 3, 12, 15),
        "aware datetime",
    ),
    (date(2024, 11, 3), utc(2024, 11, 2, 16), "date object"),
]


@pytest.mark.parametrize(
    ("value", "expected", "label"), TIMESTAMP_ROWS, ids=[r[-1] for r in TIMESTAMP_ROWS]
)
def test_parse_timestamp(value: object, expected: datetime, label: str) -> None:
    result = parse_timestamp(value)
    assert result == expected, label
    assert result is not None
    assert result.utcoffset() == timedelta(0)


def test_default_timezone_can_be_changed() -> None:
    assert parse_timestamp("2024-11-03 20:15:00", default_tz="UTC") == utc(2024, 11, 3, 20, 15)


@pytest.mark.parametrize("value", [None, "", "  ", "null", "N/A"])
def test_blank_timestamp_is_none(value: object) -> None:
    assert parse_timestamp(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("junk", "not a timestamp"),
        ("2024-13-01", "month must be in 1..12"),
        ("2024-02-30 10:00:00", "day is out of range"),
        ("2024-11-03 25:00:00", "hour must be in 0..23"),
        ("1899-12-31", "outside 1900-01-01..2999-12-31"),
        ("3000-01-01", "outside 1900-01-01..2999-12-31"),
        (99999999999999999, "outside"),
        (True, "not a timestamp"),
        ([2024], "not a timestamp"),
        ("2024-11-03 20:15:00+25:00", "invalid UTC offset"),
    ],
)
def test_junk_timestamp_raises_a_clear_error(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_timestamp(value)


DATE_ROWS: list[tuple[object, date, str]] = [
    ("1990-03-14", date(1990, 3, 14), "shop birthday"),
    ("1990/3/14", date(1990, 3, 14), "slashes, single digit"),
    ("19900314", date(1990, 3, 14), "compact"),
    (19900314, date(1990, 3, 14), "compact int"),
    ("1990年3月14日", date(1990, 3, 14), "Chinese"),
    ("1990.03.14", date(1990, 3, 14), "dots"),
    ("1990-03-14T00:00:00+08:00", date(1990, 3, 14), "ISO datetime keeps its own date"),
    ("1990-03-14 23:30:00", date(1990, 3, 14), "datetime text"),
    (date(1990, 3, 14), date(1990, 3, 14), "date object"),
    (datetime(1990, 3, 14, 23, 0), date(1990, 3, 14), "datetime object"),
]


@pytest.mark.parametrize(("value", "expected", "label"), DATE_ROWS, ids=[r[-1] for r in DATE_ROWS])
def test_parse_date(value: object, expected: date, label: str) -> None:
    assert parse_date(value) == expected, label


@pytest.mark.parametrize("value", [None, "", "null"])
def test_blank_date_is_none(value: object) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value", ["junk", "1990-02-30", "0", "1990-3", "1890-01-01", 637344000, 1.5, True]
)
def test_junk_date_raises(value: object) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_date(value)


@given(st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2998, 12, 31)))
def test_iso_output_parses_back_to_the_same_instant(moment: datetime) -> None:
    parsed = parse_timestamp(moment.replace(tzinfo=UTC).isoformat())
    assert parsed == moment.replace(tzinfo=UTC)
    assert parse_timestamp(parsed) == parsed


@given(st.integers(min_value=0, max_value=32503679999))
def test_unix_seconds_and_milliseconds_agree(seconds: int) -> None:
    if seconds < 10**11 // 1000:  # milliseconds of such an early time have fewer than 12 digits
        return
    assert parse_timestamp(seconds) == parse_timestamp(seconds * 1000)
