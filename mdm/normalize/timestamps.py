"""Timestamps and dates as the sources write them, to aware UTC datetimes and dates.

Naive local times mean Asia/Shanghai unless told otherwise; Unix times are
seconds (10 digits, WeChat) or milliseconds (13 digits).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mdm.normalize.text import clean_text, is_blank

_YEARS = range(1900, 3000)
_DATETIME = re.compile(
    r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:(?:T|\s+|T\s*)(?P<H>\d{1,2})[:时](?P<M>\d{2})分?(?:[:分]?(?P<S>\d{2})秒?(?:[.,](?P<f>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_COMPACT = re.compile(
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$"
)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


@functools.lru_cache(maxsize=32)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        if name == "Asia/Shanghai":  # no tz database: China has kept UTC+8 since 1991
            return timezone(timedelta(hours=8), name)
        raise


def _offset(text: str) -> tzinfo:
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"invalid UTC offset {text!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _checked(value: datetime, original: object) -> datetime:
    """Convert to UTC; the range applies to the date as written (local)."""
    if value.year not in _YEARS:
        raise ValueError(f"timestamp {original!r} is outside 1900-01-01..2999-12-31")
    return value.astimezone(UTC)


def _from_unix(number: float, original: object) -> datetime:
    magnitude = abs(number)
    seconds = number / 1000 if magnitude >= 1e11 else number  # 13 digits: milliseconds
    if magnitude >= 1e14:
        seconds = number / 1_000_000  # 16 digits: microseconds
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"Unix time {original!r} is out of range") from exc
    return _checked(moment, original)


def _from_match(m: re.Match[str], tz: tzinfo, original: object) -> datetime:
    fraction = (m.groupdict().get("f") or "").ljust(6, "0")[:6]
    try:
        moment = datetime(
            int(m["y"]),
            int(m["m"]),
            int(m["d"]),
            int(m["H"] or 0),
            int(m["M"] or 0),
            int(m["S"] or 0),
            int(fraction),
        )
    except ValueError as exc:
        raise ValueError(f"invalid date or time in {original!r}: {exc}") from None
    zone = _offset(m["tz"]) if m.groupdict().get("tz") else tz
    return moment.replace(tzinfo=zone)


def parse_timestamp(value: object, default_tz: str = "Asia/Shanghai") -> datetime | None:
    """Parse a source timestamp into an aware UTC datetime.

    Accepts ISO 8601 with an offset or ``Z``, ``YYYY-MM-DD HH:MM[:SS]`` and
    ``YYYY/MM/DD HH:MM`` (naive: ``default_tz``), ``YYYYMMDD``, ``YYYY-MM-DD``,
    Unix seconds (10 digits) and milliseconds (13 digits) as int, float or
    text, and datetime/date objects. Plausibility is the caller's business:
    anything from 1900-01-01 to 2999-12-31 is returned.

    Returns:
        None for a blank value.

    Raises:
        ValueError: the value is not a timestamp or lies outside the range.

    Example:
        >>> parse_timestamp("2024-11-03 20:15:00").isoformat()
        '2024-11-03T12:15:00+00:00'
    """
    if is_blank(value):
        return None
    tz = _zone(default_tz)
    if isinstance(value, datetime):
        return _checked(value if value.tzinfo else value.replace(tzinfo=tz), value)
    if isinstance(value, date):
        return _checked(datetime(value.year, value.month, value.day, tzinfo=tz), value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a timestamp: {value!r} ({type(value).__name__})")
    if isinstance(value, int | float):
        return _from_unix(value, value)
    text = clean_text(value)
    if (m := _COMPACT.match(text)) is not None:
        return _checked(_from_match(m, tz, value), value)
    if _NUMBER.match(text):
        return _from_unix(float(text) if "." in text else int(text), value)
    if (m := _DATETIME.match(text)) is not None:
        return _checked(_from_match(m, tz, value), value)
    raise ValueError(f"not a timestamp: {value!r}")


_DATE_TAIL = re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?(?:[T\s].*)?$")
_MIN_DATE = date(1900, 1, 1)


def parse_date(value: object) -> date | None:
    """Parse a calendar date such as a birthday.

    Accepts ``1990-03-14``, ``1990/3/14``, ``19900314`` (text or int),
    ``1990年3月14日``, ISO datetimes (the date as written, without converting
    its offset) and date/datetime objects.

    Returns:
        None for a blank value.

    Raises:
        ValueError: the value is not a date or lies outside 1900-01-01..2999-12-31.

    Example:
        >>> parse_date("1990年3月14日")
        datetime.date(1990, 3, 14)
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = _date_from_text(str(value), value)
    elif isinstance(value, str):
        result = _date_from_text(clean_text(value), value)
    else:
        raise ValueError(f"not a date: {value!r} ({type(value).__name__})")
    if not _MIN_DATE <= result <= date(2999, 12, 31):
        raise ValueError(f"date {value!r} is outside 1900-01-01..2999-12-31")
    return result


def _date_from_text(text: str, original: object) -> date:
    m = _COMPACT.match(text) if len(text) == 8 else _DATE_TAIL.match(text)
    if m is None:
        raise ValueError(f"not a date: {original!r}")
    try:
        return date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError as exc:
        raise ValueError(f"invalid date {original!r}: {exc}") from None
