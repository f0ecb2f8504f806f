from __future__ import annotations

import random
from dataclasses import replace

from mdm.batch import cluster_records
from mdm.model import load_default_model
from mdm.settings import Outcome, default_settings
from tests.mdm.matching_records import person
from tests.mdm.synthetic_people import generate

SETTINGS = default_settings()
MODEL = load_default_model()
HOME = ("上海", "上海", "徐汇", "漕溪北路88号12楼")


def test_batch_clusters_one_person_and_keeps_the_household_apart() -> None:
    records = [
        person(
            "M1", "林嘉欣", mobile="13912345678", member_id="M1", birth="1990-03-14", address=HOME
        ),
        person("C1", "林嘉欣", source="callcenter", mobile="139 1234 5678"),
        person("K7", "林嘉欣", source="erp", mobile="13912345678", address=HOME),
        person(
            "M2", "林美玲", mobile="13912345678", member_id="M2", birth="1962-07-01", address=HOME
        ),
    ]
    result = cluster_records(records, MODEL, SETTINGS)
    assert result.clusters == (
        (("callcenter", "C1"), ("erp", "K7"), ("shop", "M1")),
        (("shop", "M2"),),
    )
    assert result.settings_version == SETTINGS.version
    assert all(d.outcome is not Outcome.NO_MATCH for d in result.review)


def test_batch_result_does_not_depend_on_record_order() -> None:
    records, _ = generate(300, seed=3)
    first = cluster_records(records, MODEL, SETTINGS)
    shuffled = records[:]
    random.Random(1).shuffle(shuffled)
    second = cluster_records(shuffled, MODEL, SETTINGS)
    assert first.clusters == second.clusters


def test_batch_precision_on_synthetic_people() -> None:
    records, truth = generate(400, seed=5)
    result = cluster_records(records, MODEL, SETTINGS)
    wrong = sum(1 for c in result.clusters if len({truth[r] for r in c}) > 1)
    assert wrong <= len(result.clusters) * 0.01
    assert sum(1 for c in result.clusters if len(c) > 1) > 100


def test_mutual_best_candidates_link_when_nothing_else_resembles_them() -> None:
    settings = replace(SETTINGS, thresholds=replace(SETTINGS.thresholds, mutual_weight=-30.0))
    records = [
        person("C1", "林嘉欣", source="callcenter", birth="1990-03-14"),
        person("C2", "林嘉欣", source="callcenter", birth="1990-04-13"),
        person("C3", "陈伟", source="callcenter", birth="1971-01-02"),
    ]
    apart = cluster_records(records, MODEL, replace(settings, thresholds=SETTINGS.thresholds))
    together = cluster_records(records, MODEL, settings)
    assert len(apart.clusters) == 3
    assert together.clusters[0] == (("callcenter", "C1"), ("callcenter", "C2"))
    off = replace(settings, thresholds=replace(settings.thresholds, mutual_weight=None))
    assert len(cluster_records(records, MODEL, off).clusters) == 3
