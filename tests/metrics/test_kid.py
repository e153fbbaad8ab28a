"""KID: the unbiased estimator against a double loop, ~0 for one distribution, reproducibility."""

import itertools

import pytest
import torch

from gankit.metrics import kid
from gankit.metrics.kid import polynomial_kernel, unbiased_mmd2

F64 = torch.float64


def _gaussian(n: int, d: int, seed: int, shift: float = 0.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=F64) + shift


def _mmd2_by_loops(x: torch.Tensor, y: torch.Tensor) -> float:
    def k(a, b):
        return (float(a @ b) / x.shape[1] + 1) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(n), 2)) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_polynomial_kernel_by_hand():
    x, y = torch.tensor([[1.0, 2.0]], dtype=F64), torch.tensor([[3.0, 4.0]], dtype=F64)
    assert float(polynomial_kernel(x, y)) == pytest.approx((11 / 2 + 1) ** 3, rel=1e-15)


def test_unbiased_mmd2_matches_double_loop():
    x, y = _gaussian(6, 3, seed=0), _gaussian(5, 3, seed=1, shift=0.5)
    assert float(unbiased_mmd2(x, y)) == pytest.approx(_mmd2_by_loops(x, y), rel=1e-12)


def test_full_size_subsets_give_the_full_set_estimate():
    # subset_size >= n: every subset is a permutation of the whole set -> one value, std 0.
    x, y = _gaussian(7, 3, seed=2), _gaussian(7, 3, seed=3, shift=1.0)
    mean, std = kid(x, y, subsets=5, subset_size=1000)
    assert mean == pytest.approx(_mmd2_by_loops(x, y), rel=1e-10)
    assert std == pytest.approx(0.0, abs=1e-10)


def test_same_distribution_gives_about_zero_and_shift_is_clearly_positive():
    real, fake = _gaussian(400, 8, seed=4), _gaussian(400, 8, seed=5)
    mean, std = kid(real, fake, subsets=50, subset_size=200)
    assert abs(mean) < 2 * std
    shifted_mean, shifted_std = kid(real, fake + 0.5, subsets=50, subset_size=200)
    assert shifted_mean > 5 * shifted_std
    assert shifted_mean > 20 * abs(mean)


def test_estimator_is_unbiased_over_independent_draws():
    # A biased (V-statistic) estimator would average ~+0.4 here; the unbiased one averages 0.
    means = torch.tensor(
        [kid(_gaussian(50, 8, 2 * s), _gaussian(50, 8, 2 * s + 1), subsets=1)[0] for s in range(30)]
    )
    standard_error = means.std() / 30**0.5
    assert abs(float(means.mean())) < 3 * float(standard_error)


def test_same_seed_reproduces_and_other_seed_differs():
    real, fake = _gaussian(120, 4, seed=6), _gaussian(100, 4, seed=7, shift=0.2)
    first = kid(real, fake, subsets=10, subset_size=50, seed=11)
    assert kid(real, fake, subsets=10, subset_size=50, seed=11) == first
    assert kid(real, fake, subsets=10, subset_size=50, seed=12) != first


def test_subset_size_is_clipped_to_the_smaller_set():
    real, fake = _gaussian(60, 4, seed=8), _gaussian(40, 4, seed=9)
    clipped = kid(real, fake, subsets=3, subset_size=10_000)
    assert clipped == kid(real, fake, subsets=3, subset_size=40)
