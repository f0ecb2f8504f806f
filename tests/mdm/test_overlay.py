"""Partial updates laid over a stored record, in the order the events happened."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from mdm.overlay import overlay, overlay_in_time
from mdm.records import PartyRecord
from tests.mdm.matching_records import person

EARLY = datetime(2023, 11, 14, tzinfo=UTC)
LATE = datetime(2024, 11, 7, tzinfo=UTC)


def _follower() -> tuple[PartyRecord, PartyRecord]:
    """A follower seen in 2023 and her unsubscribe of 2024."""
    follower = replace(
        person("o6_1", source="wechat", openid="o6_1", nickname="小林"),
        subscribed=True,
        observed_at=EARLY,
    )
    left = replace(person("o6_1", source="wechat"), subscribed=False, observed_at=LATE)
    return follower, left


def test_a_newer_event_is_laid_over_the_stored_record() -> None:
    follower, left = _follower()
    merged = overlay_in_time(follower, left)
    assert merged == overlay(follower, left)
    assert (merged.subscribed, merged.nickname, merged.observed_at) == (False, "小林", LATE)


def test_an_older_event_only_fills_what_the_stored_record_lacks() -> None:
    follower, left = _follower()
    stored = overlay(follower, left)
    assert overlay_in_time(stored, follower) == stored  # a replay changes nothing
    bare = replace(left, nickname=None)
    merged = overlay_in_time(bare, follower)  # events out of order
    assert (merged.subscribed, merged.nickname, merged.observed_at) == (False, "小林", LATE)
