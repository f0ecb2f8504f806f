"""Records prepared once for training and the rebuild after it."""

from __future__ import annotations

import numpy as np
import pytest

from mdm.batch import cluster_records
from mdm.blocking import candidate_pairs
from mdm.comparison_matrix import comparison_matrix
from mdm.prepared import PreparedRecords, prepare
from mdm.settings import default_settings
from mdm.training import train_model
from tests.mdm.synthetic_people import generate

SETTINGS = default_settings()


def test_memoised_levels_equal_a_fresh_comparison_of_every_pair() -> None:
    records, _ = generate(120, seed=4)
    prepared = PreparedRecords(records, SETTINGS)
    pairs = candidate_pairs(prepared.keys, SETTINGS)
    assert len(pairs) > 40
    first, second = pairs[: len(pairs) * 2 // 3], pairs[len(pairs) // 3 :]  # overlapping

    for part in (first, second, pairs):
        levels = prepared.comparison_matrix(part)
        assert np.array_equal(levels, comparison_matrix(prepared.features, part, SETTINGS))
    # every distinct pair was compared once and kept once
    assert len(prepared._codes) == len(pairs)
    assert np.all(np.diff(prepared._codes) > 0)
    assert prepared.comparison_matrix(pairs[:0]).shape == (0, len(SETTINGS.comparisons))


def test_prepared_records_serve_only_their_own_records_and_settings() -> None:
    records, _ = generate(20, seed=1)
    prepared = PreparedRecords(records, SETTINGS)
    assert prepare(records, SETTINGS, prepared) is prepared
    with pytest.raises(ValueError, match="other records"):
        prepare(list(records), SETTINGS, prepared)
    with pytest.raises(ValueError, match="other records"):
        cluster_records(
            records, train_model(records, SETTINGS), default_settings(), None, prepared=prepared
        )


def test_training_then_clustering_on_one_preparation_equals_doing_both_apart() -> None:
    records, _ = generate(200, seed=8)
    shared = PreparedRecords(records, SETTINGS)
    model = train_model(records, SETTINGS, prepared=shared)
    assert model.version == train_model(records, SETTINGS).version
    together = cluster_records(records, model, SETTINGS, prepared=shared)
    apart = cluster_records(records, model, SETTINGS)
    assert sorted(map(sorted, together.clusters)) == sorted(map(sorted, apart.clusters))
    assert len(together.review) == len(apart.review)
