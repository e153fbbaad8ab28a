"""Density and coverage on point clouds with known answers, and against brute force."""

import pytest
import torch

from gankit.metrics import density_coverage

F64 = torch.float64
CENTRES = 50 * torch.eye(4, dtype=F64)


def _clusters(centres: torch.Tensor, per_cluster: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(len(centres), per_cluster, centres.shape[1], generator=g, dtype=F64)
    return (centres[:, None, :] + noise).reshape(-1, centres.shape[1])


def _brute_force(real: torch.Tensor, fake: torch.Tensor, k: int) -> tuple[float, float]:
    d_real = torch.cdist(real, real, compute_mode="donot_use_mm_for_euclid_dist")
    d_real.fill_diagonal_(float("inf"))
    radii = d_real.sort(dim=1).values[:, k - 1]
    inside = torch.cdist(fake, real, compute_mode="donot_use_mm_for_euclid_dist") <= radii[None, :]
    return float(inside.sum()) / (k * len(fake)), float(inside.any(dim=0).double().mean())


@pytest.mark.parametrize("k", [3, 5])
def test_copies_of_real_give_density_k_plus_one_over_k(k):
    # Each real ball holds its centre and its k nearest neighbours (the k-th on the surface).
    real = _clusters(CENTRES, 50, seed=0)
    density, coverage = density_coverage(real, real.clone(), k=k)
    assert density == pytest.approx((k + 1) / k, rel=1e-12)
    assert coverage == 1.0


def test_far_away_fakes_give_zero_zero():
    real = _clusters(CENTRES, 50, seed=1)
    assert density_coverage(real, real - 1000.0) == (0.0, 0.0)


def test_copies_of_half_the_clusters_cover_half():
    real = _clusters(CENTRES, 50, seed=2)
    density, coverage = density_coverage(real, real[:100].clone())
    assert density == pytest.approx(6 / 5, rel=1e-12)
    assert coverage == 0.5


def test_same_distribution_gives_density_one_coverage_one_minus_two_to_minus_k():
    real, fake = _clusters(CENTRES, 250, seed=3), _clusters(CENTRES, 250, seed=4)
    density, coverage = density_coverage(real, fake, k=5)
    assert density == pytest.approx(1.0, abs=0.06)
    assert coverage == pytest.approx(1 - 2**-5, abs=0.02)


def test_outlying_fakes_do_not_raise_coverage():
    real = _clusters(CENTRES, 50, seed=5)
    fake = torch.cat([real[:100].clone(), torch.full((100, 4), 500.0, dtype=F64)])
    density, coverage = density_coverage(real, fake)
    assert coverage == 0.5
    assert density == pytest.approx(6 / 5 / 2, rel=1e-12)


@pytest.mark.parametrize("k", [1, 5])
def test_matches_brute_force(k):
    g = torch.Generator().manual_seed(6)
    real = torch.randn(120, 5, generator=g, dtype=F64)
    fake = torch.cat([real[:20], torch.randn(80, 5, generator=g, dtype=F64) + 0.5])
    expected = _brute_force(real, fake, k)
    assert density_coverage(real, fake, k=k) == pytest.approx(expected, abs=1e-12)


def test_chunk_size_does_not_change_the_result():
    g = torch.Generator().manual_seed(7)
    real = torch.randn(300, 8, generator=g, dtype=F64)
    fake = torch.cat([real[:100], torch.randn(150, 8, generator=g, dtype=F64) + 0.3])
    assert density_coverage(real, fake, chunk_size=7) == density_coverage(
        real, fake, chunk_size=10_000
    )
