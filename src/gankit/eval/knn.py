"""The neighbour-based metrics, with the real side computed once and cached.

Precision/recall and density/coverage together, with the real set's k-NN radii cached.

`gankit.metrics.precision_recall` and `density_coverage` each find the real images' k-th
neighbour radii and every fake-to-real distance. Called one after the other on 10,000 images
they would do that work twice, and redo the real half on every evaluation: about 60% of the
time it takes to score a generator. `knn_scores` runs the same arithmetic as the two (the same
centring on the real mean, chunks, ball tests and boundary re-checks, from
`gankit.metrics.neighbours`) in one pass over the fake-to-real distances, with the real radii
computed once by `real_radii` and cached; tests check it returns exactly what the two return.

Memorisation: `memorised_fraction` is `gankit.metrics.memorisation`'s fraction with its threshold
(real data only) cached, and its search of 60,000 training features screened in float32 (twice
as fast as float64 on a CPU) with every pair near the threshold decided in float64.
"""

import torch

from gankit.metrics.neighbours import (
    DEFAULT_CHUNK_SIZE,
    boundary_slack,
    centred_on,
    cross_distance_chunks,
    inside_balls,
    kth_neighbour_radii,
    squared_norms,
)


def real_radii(real: torch.Tensor, k: int) -> torch.Tensor:
    """`(N, D)` real features -> `(N,)` float64 distance of each to its k-th nearest other one,
    as `precision_recall` and `density_coverage` compute them (after centring on the real mean)."""
    (real,) = centred_on(real.double())
    return kth_neighbour_radii(real, k, chunk_size=DEFAULT_CHUNK_SIZE)


def knn_scores(real: torch.Tensor, fake: torch.Tensor, *, pr_radii: torch.Tensor, pr_k: int,
               dc_radii: torch.Tensor, dc_k: int) -> dict:
    """{"precision", "recall", "density", "coverage"} of `(N, D)` real vs `(M, D)` fake features
    (M > pr_k), equal to `precision_recall(real, fake, k=pr_k)` and `density_coverage(real, fake,
    k=dc_k)`; `pr_radii`, `dc_radii` are `real_radii(real, pr_k)` and `real_radii(real, dc_k)`."""
    real, fake = centred_on(real.double(), fake.double())
    fake_radii = kth_neighbour_radii(fake, pr_k, chunk_size=DEFAULT_CHUNK_SIZE)
    slack = boundary_slack(real, fake)
    fake_in_real = torch.zeros(fake.shape[0], dtype=torch.bool)
    real_in_fake = torch.zeros(real.shape[0], dtype=torch.bool)
    covered = torch.zeros(real.shape[0], dtype=torch.bool)
    balls_hit = torch.zeros((), dtype=torch.int64)
    for rows, d2 in cross_distance_chunks(fake, real, DEFAULT_CHUNK_SIZE):
        # (chunk, N) masks: fake j inside real i's k-NN ball, real i inside fake j's ball
        fake_in_real[rows] = inside_balls(d2, fake[rows], real, pr_radii[None, :], slack=slack).any(dim=1)
        real_in_fake |= inside_balls(d2, fake[rows], real, fake_radii[rows, None], slack=slack).any(dim=0)
        inside = inside_balls(d2, fake[rows], real, dc_radii[None, :], slack=slack)
        balls_hit += inside.sum()
        covered |= inside.any(dim=0)
    return {
        "precision": float(fake_in_real.double().mean()),
        "recall": float(real_in_fake.double().mean()),
        "density": float(balls_hit) / (dc_k * fake.shape[0]),
        "coverage": float(covered.double().mean()),
    }


def memorised_fraction(fake: torch.Tensor, train: torch.Tensor, threshold: float) -> float:
    """Fraction of `(M, D)` fake features within distance `threshold` of some `(N, D)` train feature.

    With `threshold = memorisation(test, train, test)["threshold"]` this is
    `memorisation(fake, train, test)["fraction"]`: same centring (on the train mean), same
    closed test `<=` on float64 distances of differences, so exact copies always count.
    """
    train, fake = centred_on(train.double(), fake.double())
    # A float32 squared distance |f|^2 + |t|^2 - 2 f.t is off by at most ~2 (D + 2) eps32
    # (|f|^2 + |t|^2); twice that margin keeps every pair that could be within the threshold.
    eps = torch.finfo(torch.float32).eps
    margin = 4 * (fake.shape[1] + 2) * eps * float(squared_norms(fake).max() + squared_norms(train).max())
    bound = threshold**2 + margin
    memorised = torch.zeros(fake.shape[0], dtype=torch.bool)
    for rows, d2 in cross_distance_chunks(fake.float(), train.float(), DEFAULT_CHUNK_SIZE):
        r, c = (d2 <= bound).nonzero(as_tuple=True)
        close = (fake[rows][r] - train[c]).norm(dim=1) <= threshold
        memorised[rows.start + r[close]] = True
    return float(memorised.double().mean())
