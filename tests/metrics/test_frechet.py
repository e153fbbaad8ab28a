"""Fréchet distance against closed forms for Gaussians; FID of a set against itself."""

import math

import numpy as np
import pytest
import torch

from gankit.metrics import feature_stats, fid_from_features, frechet_distance
from gankit.metrics.frechet import trace_sqrt_product

F64 = torch.float64


def _random_orthogonal(d: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=F64))
    return q


def test_diagonal_gaussians_match_closed_form():
    g = torch.Generator().manual_seed(0)
    mu1, mu2 = torch.randn(6, generator=g, dtype=F64), torch.randn(6, generator=g, dtype=F64)
    s1, s2 = torch.rand(6, generator=g, dtype=F64) + 0.1, torch.rand(6, generator=g, dtype=F64) * 5
    expected = ((mu1 - mu2) ** 2).sum() + (s1 + s2 - 2 * (s1 * s2).sqrt()).sum()
    got = frechet_distance(mu1, torch.diag(s1), mu2, torch.diag(s2))
    assert got == pytest.approx(float(expected), rel=1e-12)


def test_commuting_full_covariances_match_closed_form():
    # S1 = Q diag(a) Q^T, S2 = Q diag(b) Q^T commute, so tr sqrt(S1 S2) = sum sqrt(a b).
    q = _random_orthogonal(8, seed=1)
    a = torch.linspace(0.5, 4.0, 8, dtype=F64)
    b = torch.linspace(3.0, 0.2, 8, dtype=F64)
    mu1, mu2 = torch.zeros(8, dtype=F64), torch.full((8,), 0.5, dtype=F64)
    expected = 8 * 0.25 + float((a + b - 2 * (a * b).sqrt()).sum())
    got = frechet_distance(mu1, q @ torch.diag(a) @ q.T, mu2, q @ torch.diag(b) @ q.T)
    assert got == pytest.approx(expected, rel=1e-10)


def test_non_commuting_2x2_matches_hand_computation():
    # For 2x2: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)); M = S1 S2 = [[2, 3], [1, 6]],
    # tr M = 8, det M = det S1 det S2 = 3 * 3, so tr sqrt(S1 S2) = sqrt(14).
    s1 = torch.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=F64)
    s2 = torch.tensor([[1.0, 0.0], [0.0, 3.0]], dtype=F64)
    mu1 = torch.tensor([1.0, 2.0], dtype=F64)
    mu2 = torch.tensor([0.0, 0.0], dtype=F64)
    expected = 5.0 + 4.0 + 4.0 - 2 * math.sqrt(14.0)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-12)


def test_trace_sqrt_matches_eigenvalues_of_the_product():
    g = torch.Generator().manual_seed(2)
    x, y = torch.randn(20, 40, generator=g, dtype=F64), torch.randn(20, 40, generator=g, dtype=F64)
    s1, s2 = x @ x.T / 40, y @ y.T / 40
    reference = torch.linalg.eigvals(s1 @ s2).real.clamp(min=0).sqrt().sum()
    torch.testing.assert_close(trace_sqrt_product(s1, s2), reference, rtol=1e-10, atol=0)


def test_singular_covariances_match_closed_form():
    s1 = torch.diag(torch.tensor([1.0, 0.0], dtype=F64))
    s2 = torch.diag(torch.tensor([4.0, 0.0], dtype=F64))
    zero = torch.zeros(2, dtype=F64)
    assert frechet_distance(zero, s1, zero, s2) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("n, d", [(500, 16), (10, 50)])  # second: rank-deficient covariance
def test_fid_of_a_set_against_itself_is_zero(n, d):
    g = torch.Generator().manual_seed(3)
    features = torch.randn(n, d, generator=g) * 3 + 1
    assert fid_from_features(features, features) == pytest.approx(0.0, abs=1e-8)


def test_fid_is_symmetric_and_uses_feature_stats():
    g = torch.Generator().manual_seed(4)
    real = torch.randn(300, 5, generator=g, dtype=F64)
    fake = torch.randn(200, 5, generator=g, dtype=F64) * 1.5 + 0.3
    fid = fid_from_features(real, fake)
    assert fid == pytest.approx(fid_from_features(fake, real), rel=1e-10)
    from_stats = frechet_distance(*feature_stats(real), *feature_stats(fake))
    assert fid == pytest.approx(from_stats, rel=1e-12)
    assert fid > 0.1


def test_feature_stats_match_numpy():
    rng = np.random.default_rng(5)
    features = rng.normal(size=(50, 4)).astype(np.float32)
    mu, sigma = feature_stats(features)
    assert mu.dtype == F64 and sigma.shape == (4, 4)
    np.testing.assert_allclose(mu.numpy(), features.astype(np.float64).mean(axis=0), rtol=1e-12)
    expected = np.cov(features.astype(np.float64), rowvar=False)
    np.testing.assert_allclose(sigma.numpy(), expected, rtol=1e-10)


def test_numpy_float32_and_torch_float64_agree():
    rng = np.random.default_rng(6)
    real = rng.normal(size=(100, 3)).astype(np.float32)
    fake = rng.normal(size=(80, 3)).astype(np.float32)
    from_numpy = fid_from_features(real, fake)
    from_torch = fid_from_features(torch.from_numpy(real).double(), torch.from_numpy(fake).double())
    assert from_numpy == pytest.approx(from_torch, rel=1e-12)
