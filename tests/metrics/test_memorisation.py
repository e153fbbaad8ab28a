"""Memorisation flags copies of training samples, not fresh samples of the same distribution."""

import pytest
import torch

from gankit.metrics import memorisation

F64 = torch.float64


def _gaussian(n: int, seed: int, d: int = 6) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=F64)


TRAIN, TEST = _gaussian(500, seed=0), _gaussian(400, seed=1)


def test_exact_copies_are_all_flagged():
    result = memorisation(TRAIN[:100].clone(), TRAIN, TEST)
    assert result["fraction"] == 1.0
    assert result["threshold"] > 0


def test_copies_are_flagged_even_at_threshold_zero():
    # The test set holds a training image, so the 0-quantile threshold is exactly 0.
    test = torch.cat([TEST, TRAIN[:1]])
    result = memorisation(TRAIN[5:25].clone(), TRAIN, test, quantile=0.0)
    assert result["threshold"] == 0.0
    assert result["fraction"] == 1.0


def test_fresh_samples_are_flagged_at_about_the_quantile_rate():
    result = memorisation(_gaussian(1000, seed=2), TRAIN, TEST, quantile=0.05)
    assert result["fraction"] == pytest.approx(0.05, abs=0.03)


def test_far_away_samples_are_not_flagged():
    assert memorisation(_gaussian(50, seed=3) + 100.0, TRAIN, TEST)["fraction"] == 0.0


def test_test_set_is_flagged_at_its_quantile():
    result = memorisation(TEST, TRAIN, TEST, quantile=0.1)
    assert result["fraction"] == pytest.approx(0.1, abs=1 / len(TEST))


def test_threshold_is_the_quantile_of_test_nearest_distances():
    distances = torch.cdist(TEST, TRAIN, compute_mode="donot_use_mm_for_euclid_dist")
    nearest = distances.min(dim=1).values
    for quantile in (0.0, 0.05, 0.5, 1.0):
        expected = float(torch.quantile(nearest, quantile))
        got = memorisation(TEST[:3], TRAIN, TEST, quantile=quantile)["threshold"]
        assert got == pytest.approx(expected, rel=1e-12)


def test_near_copies_are_flagged():
    near = TRAIN[:100] + 1e-3 * _gaussian(100, seed=4)
    assert memorisation(near, TRAIN, TEST)["fraction"] == 1.0


def test_chunk_size_does_not_change_the_result():
    fake = torch.cat([TRAIN[:40], _gaussian(200, seed=5)])
    assert memorisation(fake, TRAIN, TEST, chunk_size=7) == memorisation(
        fake, TRAIN, TEST, chunk_size=10_000
    )
