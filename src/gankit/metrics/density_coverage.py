"""Density and coverage (Naeem et al. 2020), robust alternatives to precision and recall.

With B_i the ball around real point r_i of radius NND_k(r_i) (distance to its k-th nearest
other real point), for N real and M fake samples:

    density  = 1 / (k M) * sum_j sum_i 1[f_j in B_i]     (>= 0; ~1 when fake ~ real, can exceed 1)
    coverage = 1 / N * sum_i 1[some f_j in B_i]           (in [0, 1])

Only real-sample balls are used, so a few outlying fakes cannot inflate the fake manifold.
"In B_i" means distance <= radius (the paper's code uses <; they differ only on exact ties, such
as fake = real, where <= counts the k-th neighbour on each ball's surface).
"""

import torch

from gankit.metrics.inputs import as_features, check_neighbours, check_same_dim, positive_int
from gankit.metrics.neighbours import (
    DEFAULT_CHUNK_SIZE,
    boundary_slack,
    centred_on,
    cross_distance_chunks,
    inside_balls,
    kth_neighbour_radii,
)


def density_coverage(
    real, fake, *, k: int = 5, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> tuple[float, float]:
    """(density, coverage) of `(N, D)` real vs `(M, D)` fake features; N > k, M >= 2.

    k = 5 is the paper's default. Two samples of one distribution give density ~ 1 and coverage
    ~ 1 - 2^-k; fake = real exactly gives density (k + 1) / k and coverage 1. `chunk_size` bounds
    memory to about chunk_size * N * 30 bytes and does not change the result.
    """
    real = as_features(real, "real features")
    fake = as_features(fake, "fake features")
    check_same_dim(real, fake, "real features", "fake features")
    fake = fake.to(real.device)
    k = positive_int(k, "k")
    chunk_size = positive_int(chunk_size, "chunk_size")
    check_neighbours(k, real.shape[0], "real features")

    real, fake = centred_on(real, fake)
    real_radii = kth_neighbour_radii(real, k, chunk_size=chunk_size)
    slack = boundary_slack(real, fake)
    balls_hit = torch.zeros((), dtype=torch.int64, device=real.device)
    covered = torch.zeros(real.shape[0], dtype=torch.bool, device=real.device)
    for rows, d2 in cross_distance_chunks(fake, real, chunk_size):
        # (chunk, N): fake j inside the ball of real i
        inside = inside_balls(d2, fake[rows], real, real_radii[None, :], slack=slack)
        balls_hit += inside.sum()
        covered |= inside.any(dim=0)
    density = float(balls_hit) / (k * fake.shape[0])
    return density, float(covered.double().mean())
