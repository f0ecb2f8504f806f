from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from mdm.model import model_from_json, model_to_json
from mdm.settings import default_settings, settings_hash
from mdm.training import (
    expectation_maximisation,
    level_shares,
    sample_pairs,
    train_model,
    unique_rows,
)
from tests.mdm.synthetic_people import generate

SETTINGS = default_settings()


def _synthetic_vectors(
    rng: np.random.Generator, n: int, lam: float, m: list[list[float]], u: list[list[float]]
) -> np.ndarray:
    is_match = rng.random(n) < lam
    cols = []
    for mc, uc in zip(m, u, strict=True):
        draw_m = rng.choice(len(mc), size=n, p=mc)
        draw_u = rng.choice(len(uc), size=n, p=uc)
        cols.append(np.where(is_match, draw_m, draw_u))
    return np.stack(cols, axis=1).astype(np.int8)


def test_em_recovers_known_m_and_lambda() -> None:
    rng = np.random.default_rng(42)
    # level 0 is null in every comparison and never drawn here
    m = [[0.0, 0.9, 0.07, 0.03], [0.0, 0.8, 0.2], [0.0, 0.6, 0.3, 0.1]]
    u = [[0.0, 0.01, 0.09, 0.9], [0.0, 0.1, 0.9], [0.0, 0.05, 0.15, 0.8]]
    gamma = _synthetic_vectors(rng, 60_000, 0.2, m, u)
    u_fixed = [np.asarray(x) for x in u]
    start = [
        np.asarray([0.0, 0.5, 0.3, 0.2]),
        np.asarray([0.0, 0.5, 0.5]),
        np.asarray([0.0, 0.4, 0.3, 0.3]),
    ]
    result = expectation_maximisation(
        gamma, u_fixed, start, 0.5, [0, 0, 0], max_iterations=200, tolerance=1e-7
    )
    assert result.converged
    assert abs(result.lambda_ - 0.2) < 0.01
    for est, true in zip(result.m, m, strict=True):
        assert np.allclose(est[1:], true[1:], atol=0.02)


def test_u_is_the_share_of_levels_among_random_pairs() -> None:
    gamma = np.asarray([[0], [1], [1], [2]], dtype=np.int8)
    (share,) = level_shares(gamma, [3], [0])
    assert np.allclose(share[1:], [2 / 3, 1 / 3])


def test_all_pairs_are_used_when_there_are_few() -> None:
    pairs = sample_pairs(5, 200_000, np.random.default_rng(0))
    assert len(pairs) == 10
    assert (pairs[:, 0] < pairs[:, 1]).all()


def test_trained_model_is_deterministic_and_serialisable() -> None:
    records, _ = generate(300, seed=11)
    when = datetime(2025, 1, 1, tzinfo=UTC)
    a = train_model(records, SETTINGS, seed=7, trained_at=when)
    b = train_model(records, SETTINGS, seed=7, trained_at=when)
    assert a == b
    assert a.settings_hash == settings_hash(SETTINGS)
    assert a.record_count == len(records)
    assert model_from_json(model_to_json(a)) == a
    name = a.parameters("name")
    diff = name.labels.index("same_surname_different_given")
    exact = name.labels.index("exact")
    assert name.m[diff] < 0.01 < name.m[exact]


def test_u_leaves_out_the_true_matches_among_random_pairs() -> None:
    records, _ = generate(300, seed=11)
    model = train_model(records, SETTINGS, seed=7, trained_at=datetime(2025, 1, 1, tzinfo=UTC))
    phone = model.parameters("phone")
    shared = phone.labels.index("shared_mobile")
    # the chance agreement is below the raw share, and tf frequencies are scaled alike
    assert 0.0 < phone.tf_scale[shared] <= 1.0
    assert model_from_json(model_to_json(model)).parameters("phone").tf_scale == phone.tf_scale


@pytest.mark.parametrize("shape", [(0, 3), (1, 3), (2_000, 13)])
def test_unique_rows_is_numpys_row_unique_in_the_same_order(shape: tuple[int, int]) -> None:
    rows = np.random.default_rng(7).integers(0, 6, size=shape).astype(np.int16)
    expected, expected_counts = np.unique(rows, axis=0, return_counts=True)
    unique, counts = unique_rows(rows)
    assert unique.tolist() == expected.tolist()
    assert counts.tolist() == expected_counts.tolist()


def test_unique_rows_falls_back_when_the_codes_would_overflow() -> None:
    rows = np.full((3, 40), 200, dtype=np.int16)  # 201**40 overflows any integer code
    rows[1, 39] = 3
    unique, counts = unique_rows(rows)
    assert unique.tolist() == np.unique(rows, axis=0).tolist()
    assert sorted(counts.tolist()) == [1, 2]
