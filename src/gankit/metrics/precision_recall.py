"""Improved precision and recall with k-NN manifolds (Kynkäänniemi et al. 2019).

Each set's manifold is the union of balls around its points, each ball's radius the distance to
the point's k-th nearest neighbour in the same set (the point itself excluded):

    precision = fraction of fake samples inside the real manifold   (are fakes realistic?)
    recall    = fraction of real samples inside the fake manifold   (is all of real covered?)

"Inside" means within the radius of SOME point (distance <= radius, so exact copies count).
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


def precision_recall(
    real, fake, *, k: int = 3, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> tuple[float, float]:
    """(precision, recall) in [0, 1] of `(N, D)` real vs `(M, D)` fake features; N, M > k.

    k = 3 is the paper's default. `chunk_size` (rows per distance block) bounds memory to about
    chunk_size * max(N, M) * 30 bytes and does not change the result.
    """
    real = as_features(real, "real features")
    fake = as_features(fake, "fake features")
    check_same_dim(real, fake, "real features", "fake features")
    fake = fake.to(real.device)
    k = positive_int(k, "k")
    chunk_size = positive_int(chunk_size, "chunk_size")
    check_neighbours(k, real.shape[0], "real features")
    check_neighbours(k, fake.shape[0], "fake features")

    real, fake = centred_on(real, fake)
    real_radii = kth_neighbour_radii(real, k, chunk_size=chunk_size)
    fake_radii = kth_neighbour_radii(fake, k, chunk_size=chunk_size)
    slack = boundary_slack(real, fake)
    fake_in_real = torch.zeros(fake.shape[0], dtype=torch.bool, device=real.device)
    real_in_fake = torch.zeros(real.shape[0], dtype=torch.bool, device=real.device)
    # One pass over (fake, real) distances serves both directions.
    for rows, d2 in cross_distance_chunks(fake, real, chunk_size):
        in_real_balls = inside_balls(d2, fake[rows], real, real_radii[None, :], slack=slack)
        in_fake_balls = inside_balls(d2, fake[rows], real, fake_radii[rows, None], slack=slack)
        fake_in_real[rows] = in_real_balls.any(dim=1)
        real_in_fake |= in_fake_balls.any(dim=0)
    return float(fake_in_real.double().mean()), float(real_in_fake.double().mean())
