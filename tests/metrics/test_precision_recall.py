"""Improved precision/recall on point clouds with known answers, and against brute force."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gankit.metrics import precision_recall

F64 = torch.float64
CENTRES = 50 * torch.eye(4, dtype=F64)  # four clusters, far apart relative to their unit spread


def _clusters(centres: torch.Tensor, per_cluster: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(len(centres), per_cluster, centres.shape[1], generator=g, dtype=F64)
    return (centres[:, None, :] + noise).reshape(-1, centres.shape[1])


def _brute_force(real: torch.Tensor, fake: torch.Tensor, k: int) -> tuple[float, float]:
    """Full distance matrices, exact differences, k-th neighbour excluding the point itself."""

    def radii(x):
        d = torch.cdist(x, x, compute_mode="donot_use_mm_for_euclid_dist")
        d.fill_diagonal_(float("inf"))
        return d.sort(dim=1).values[:, k - 1]

    d = torch.cdist(fake, real, compute_mode="donot_use_mm_for_euclid_dist")  # (M, N)
    precision = (d <= radii(real)[None, :]).any(dim=1).double().mean()
    recall = (d <= radii(fake)[:, None]).any(dim=0).double().mean()
    return float(precision), float(recall)


def test_copies_of_real_score_one_one():
    real = _clusters(CENTRES, 50, seed=0)
    assert precision_recall(real, real.clone()) == (1.0, 1.0)


def test_far_away_fakes_score_zero_zero():
    real = _clusters(CENTRES, 50, seed=1)
    assert precision_recall(real, real + 1000.0) == (0.0, 0.0)


def test_copies_of_half_the_clusters_give_full_precision_half_recall():
    real = _clusters(CENTRES, 50, seed=2)
    assert precision_recall(real, real[:100].clone()) == (1.0, 0.5)


def test_fresh_samples_of_half_the_clusters():
    real = _clusters(CENTRES, 200, seed=3)
    fake = _clusters(CENTRES[:2], 200, seed=4)
    precision, recall = precision_recall(real, fake)
    assert precision > 0.85  # same-distribution precision for k=3, D=4
    assert recall == pytest.approx(0.5, abs=0.06)


@pytest.mark.parametrize("k", [1, 3, 7])
def test_matches_brute_force(k):
    g = torch.Generator().manual_seed(5)
    real = torch.randn(120, 5, generator=g, dtype=F64)
    fake = torch.randn(90, 5, generator=g, dtype=F64) * 1.3 + 0.4
    got = precision_recall(real, fake, k=k)
    assert got == pytest.approx(_brute_force(real, fake, k), abs=1e-12)


def test_chunk_size_does_not_change_the_result():
    g = torch.Generator().manual_seed(6)
    real = torch.randn(300, 8, generator=g, dtype=F64)
    # Half the fakes copy real points: many pairs sit exactly on a ball's surface.
    fake = torch.cat([real[:100], torch.randn(150, 8, generator=g, dtype=F64) + 0.3])
    assert precision_recall(real, fake, chunk_size=7) == precision_recall(
        real, fake, chunk_size=10_000
    )


@settings(max_examples=15, deadline=None)
@given(chunk_size=st.integers(min_value=1, max_value=80))
def test_any_chunk_size_matches_brute_force(chunk_size):
    g = torch.Generator().manual_seed(7)
    real = torch.randn(40, 3, generator=g, dtype=F64)
    fake = torch.cat([real[:10], torch.randn(30, 3, generator=g, dtype=F64)])
    assert precision_recall(real, fake, chunk_size=chunk_size) == pytest.approx(
        _brute_force(real, fake, 3), abs=1e-12
    )
