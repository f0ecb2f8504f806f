"""Times in Asia/Shanghai and the ways the source systems write them."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

_EPOCH_SHANGHAI = datetime(1970, 1, 1, 8, 0, 0)  # the Unix epoch in Shanghai local time
START = datetime(2019, 1, 1)
END = datetime(2024, 12, 31, 23, 59, 59)


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A random second in [start, end] (naive Shanghai local time)."""
    span = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randint(0, max(span, 0)))


def local(moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS`, meaning Asia/Shanghai."""
    return moment.isoformat(" ")  # never has microseconds: faster than strftime


def iso(moment: datetime) -> str:
    """ISO 8601 with the +08:00 offset."""
    return moment.isoformat() + "+08:00"


def iso_utc(moment: datetime) -> str:
    """The same instant in ISO 8601 UTC (+00:00)."""
    return (moment - timedelta(hours=8)).isoformat() + "+00:00"


def unix(moment: datetime) -> int:
    """Unix seconds of a Shanghai local time."""
    return int((moment - _EPOCH_SHANGHAI).total_seconds())


def sap_date(moment: datetime) -> str:
    """SAP's YYYYMMDD."""
    return f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"


def office_hours(rng: random.Random, moment: datetime) -> datetime:
    """The same day at a random time between 08:00 and 21:59."""
    return moment.replace(
        hour=rng.randint(8, 21), minute=rng.randrange(60), second=rng.randrange(60)
    )
