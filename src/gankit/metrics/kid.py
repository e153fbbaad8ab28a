"""Kernel Inception Distance: unbiased MMD^2, cubic polynomial kernel (Bińkowski et al. 2018).

    k(x, y) = (x . y / d + 1)^3                         d = feature dimension
    MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1))
              - 2 sum_{i, j} k(x_i, y_j) / m^2

averaged over `subsets` random subsets of m = min(subset_size, n_real, n_fake) real and m fake
samples (without replacement inside a subset), as in the paper's reference code, clean-fid and
torch-fidelity. Unbiased: its expectation is 0 when real and fake share one distribution, so
small negative values are normal.
"""

import numbers

import torch

from gankit.metrics.inputs import MetricInputError, as_features, check_same_dim, positive_int


def polynomial_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """`(m, d), (n, d) -> (m, n)` kernel matrix (x . y / d + 1)^3 (in place: no temporaries)."""
    return (x @ y.T).div_(x.shape[1]).add_(1).pow_(3)


def within_mean(x: torch.Tensor) -> torch.Tensor:
    """Mean kernel value over the pairs i != j of `(m, d)` x (m >= 2); 0-dim."""
    m = x.shape[0]
    k_xx = polynomial_kernel(x, x)
    return (k_xx.sum() - k_xx.diagonal().sum()) / (m * (m - 1))


def unbiased_mmd2(x: torch.Tensor, y: torch.Tensor, *, within_x: torch.Tensor | None = None) -> torch.Tensor:
    """Unbiased MMD^2 between `(m, d)` x and `(n, d)` y (m, n >= 2), polynomial kernel; 0-dim.
    `within_x`: `within_mean(x)`, when already known."""
    within_x = within_mean(x) if within_x is None else within_x
    return within_x + within_mean(y) - 2 * polynomial_kernel(x, y).mean()


def subset_draws(n_real: int, n_fake: int, *, subsets: int, subset_size: int,
                 seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """`kid`'s (real rows, fake rows) of each subset, m = min(subset_size, n_real, n_fake) each,
    drawn from a CPU generator seeded with `seed` (real then fake, subset after subset)."""
    size = min(subset_size, n_real, n_fake)
    generator = torch.Generator().manual_seed(seed)
    return [(torch.randperm(n_real, generator=generator)[:size], torch.randperm(n_fake, generator=generator)[:size])
            for _ in range(subsets)]


def kid(
    real, fake, *, subsets: int = 100, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """KID of `(N, D)` real vs `(M, D)` fake features (N, M >= 2) -> (mean, std) over subsets.

    std is the population standard deviation (ddof 0) of the per-subset MMD^2, as torch-fidelity
    reports it; it is 0 for `subsets=1`. Subsets are drawn from a CPU generator seeded with
    `seed`, so the result is reproducible and independent of the device.
    """
    real = as_features(real, "real features")
    fake = as_features(fake, "fake features")
    check_same_dim(real, fake, "real features", "fake features")
    fake = fake.to(real.device)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise MetricInputError(f"seed: expected an integer, got {seed!r}")
    subsets = positive_int(subsets, "subsets")
    subset_size = positive_int(subset_size, "subset_size")
    if subset_size < 2:
        raise MetricInputError("subset_size: need at least 2 (pairs i != j), got 1")
    values = torch.empty(subsets, dtype=torch.float64)
    draws = subset_draws(real.shape[0], fake.shape[0], subsets=subsets, subset_size=subset_size, seed=seed)
    for s, (real_idx, fake_idx) in enumerate(draws):
        values[s] = unbiased_mmd2(
            real[real_idx.to(real.device)], fake[fake_idx.to(real.device)]
        ).cpu()
    return float(values.mean()), float(values.std(correction=0))
