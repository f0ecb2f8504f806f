"""The column-wise comparison matrix agrees with the per-pair evaluators."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from mdm.comparison_matrix import comparison_matrix
from mdm.comparisons import comparison_levels
from mdm.features import features_of
from mdm.settings import default_settings
from tests.mdm.matching_records import latin_person, organisation, person

SETTINGS = default_settings()
RID = "11010519900314002X"


def test_every_pair_gets_the_level_the_pair_evaluator_gives() -> None:
    records = [
        person("a", "林嘉欣", mobile="13912345678", birth="1990-03-14", resident_id=RID),
        person("b", "Lin Jiaxin", mobile="13912345687", birth="1990-04-13"),
        person("c", "林嘉怡", landline="021-62345678", birth="1991-03-14"),
        person("d", "胡荣", birth="1990-03-15", email="hu@qq.com"),
        person("e", "胡小荣", email="hu@qq.com", gender="M"),
        person("f", "王先生", landline="021-62345678", gender="M"),
        person("g", "Wheatley, Olivia", source="generic", birth="1942-10-07"),
        person("h", "Winfield, Olivia", source="generic", birth="1942-10-07"),
        person("i", ", Pascajle", source="generic"),
        person("j", names=("林嘉欣", "Jessica Lin")),
        latin_person("k", "chloe", "ryan", postcode="2905", street="53 yarra street"),
        latin_person("l", "ryna", "chloe", postcode="2905", street="53 yarra st"),
        person("m"),
        organisation("n", "上海林氏贸易有限公司"),
        person("o", "林嘉欣", address=("上海市", "上海市", "徐汇区", "漕溪北路88号 12楼")),
        person("p", "林美玲", address=("上海", "上海", "徐汇", "漕溪北路88号12楼1201室")),
        person("q", "林嘉欣", address=("上海", "上海", "静安", "漕溪北路88号12楼")),
        person("r", "陈伟", address=("广东", "深圳", "南山", "深南大道1号")),
        person("s", "陈伟", address=("广东", "广州", None, None)),
        latin_person("t", "reni", "marianne", postcode="5118", street="23 bath place eventide"),
        latin_person("u", "reni", "marianne", postcode="5118", street="23 bath pace"),
        latin_person("v", "reni", "marianne", postcode="5119", street="23 bath pace"),
    ]
    features = [features_of(r) for r in records]
    pairs = np.asarray(list(combinations(range(len(records)), 2)), dtype=np.int64)
    gamma = comparison_matrix(features, pairs, SETTINGS)
    expected = [comparison_levels(features[i], features[j], SETTINGS) for i, j in pairs.tolist()]
    assert gamma.tolist() == [list(row) for row in expected]


def test_no_pairs_give_an_empty_matrix() -> None:
    gamma = comparison_matrix([], np.zeros((0, 2), dtype=np.int64), SETTINGS)
    assert gamma.shape == (0, len(SETTINGS.comparisons))
