from __future__ import annotations

import pytest

from cdhub.security.traces import ERASED, Traces, key_pattern, national_number, scrub


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("+86 139-1234-5678", "13912345678"),
        ("13912345678", "13912345678"),
        ("008613800138000", "13800138000"),
        ("021-62345678", "2162345678"),
        ("+862162345678", "2162345678"),
        ("12", None),
    ],
)
def test_every_spelling_of_a_phone_gives_one_number(phone: str, expected: str | None) -> None:
    assert national_number(phone) == expected


def _traces() -> Traces:
    traces = Traces()
    traces.add_phone("+8613912345678")
    traces.add_strong("Lin.JiaXin@Example.com")
    traces.add_name("林嘉欣")
    return traces


def test_identifying_text_is_found_in_any_spelling() -> None:
    traces = _traces()
    assert traces.identifies('{"mobile": "139 1234 5678"}')
    assert traces.identifies("mail lin.jiaxin@example.com please")
    assert not traces.identifies("林嘉欣 called")  # a name alone picks nobody out
    assert traces.mentions("林嘉欣 called")
    assert not traces.mentions("王伟 13800138000")


def test_scrub_replaces_only_strings_that_mention_the_person() -> None:
    cleaned = scrub({"a": ["林嘉欣", "ok"], "b": {"c": "13912345678"}, "n": 3}, _traces())
    assert cleaned == {"a": [ERASED, "ok"], "b": {"c": ERASED}, "n": 3}


def test_key_pattern_matches_whole_keys_only() -> None:
    pattern = key_pattern(["M100234"])
    assert pattern is not None
    assert pattern.search('{"member_id": "M100234"}')
    assert not pattern.search('{"member_id": "M1002345"}')
