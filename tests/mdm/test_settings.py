from __future__ import annotations

import json

from mdm.settings import (
    Outcome,
    default_settings,
    settings_from_json,
    settings_hash,
    settings_to_json,
)


def test_settings_round_trip_through_json() -> None:
    s = default_settings()
    text = settings_to_json(s)
    assert json.loads(text)["version"] == "cdhub-default-5"
    assert settings_from_json(text) == s
    assert settings_hash(settings_from_json(text)) == settings_hash(s)


def test_hash_changes_with_a_threshold() -> None:
    s = default_settings()
    data = json.loads(settings_to_json(s))
    data["thresholds"]["match_weight"] = 9.0
    changed = settings_from_json(json.dumps(data))
    assert settings_hash(changed) != settings_hash(s)


def test_default_source_policies_and_caps() -> None:
    s = default_settings()
    assert s.source_policy("callcenter").mode == "probabilistic"  # type: ignore[union-attr]
    assert {p.source_system for p in s.source_policies if p.mode == "strong_only"} == {
        "shop",
        "erp",
        "wechat",
    }
    assert any(c.max_outcome is Outcome.NO_MATCH for c in s.cap_rules)
