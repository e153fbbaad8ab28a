"""The neighbour-based metrics in one pass, with the real side computed once and cached.

`gankit.metrics.precision_recall` and `density_coverage` each find the real images' k-th
neighbour radii and every fake-to-real distance, in float64. `knn_scores` gives the same four
numbers from one float32 pass over the fake-to-real distances: a pair within float32 rounding of
a ball's surface is decided from its float64 distance (`gankit.eval.nearest`), as
`gankit.metrics.neighbours.inside_balls` decides the pairs within float64 rounding of it. The
real radii are computed once by `real_radii` and cached; tests check that the four numbers are
exactly what the two functions return.

Memorisation: `memorised_fraction` is `gankit.metrics.memorisation`'s fraction with its threshold
(real data only) cached, from each fake's exact nearest training feature (`distances_to`, a
search the copy detector shares).
"""

import torch

from gankit.metrics.neighbours import centred_on, squared_norms

from gankit.workers import map_pieces

from gankit.eval.nearest import blocks, distances_to, kth_radii, rounding_margin, screen


def real_radii(real: torch.Tensor, k: int, *, workers: int = 1) -> torch.Tensor:
    """`(N, D)` real features -> `(N,)` float64 distance of each to its k-th nearest other one,
    as `precision_recall` and `density_coverage` compute them (after centring on the real mean)."""
    (real,) = centred_on(real.double())
    return kth_radii(real, (k,), workers=workers)[k]


def inside(d2: torch.Tensor, sq_radii: torch.Tensor, radii: torch.Tensor, query: torch.Tensor,
           reference: torch.Tensor, margin: float) -> torch.Tensor:
    """`(q, r)` mask of ||query_i - reference_j|| <= radii_ij from float32 squared distances `d2`:
    `sq_radii` are the float64 `radii`'s squares in float32, both broadcastable to `(q, r)`; pairs
    within `margin` of the surface are decided by their float64 distance."""
    mask = d2 <= sq_radii
    rows, cols = ((d2 - sq_radii).abs_() <= margin).nonzero(as_tuple=True)
    if rows.numel():
        mask[rows, cols] = (query[rows] - reference[cols]).norm(dim=1) <= radii.expand_as(d2)[rows, cols]
    return mask


def knn_scores(real: torch.Tensor, fake: torch.Tensor, *, pr_radii: torch.Tensor, pr_k: int,
               dc_radii: torch.Tensor, dc_k: int, workers: int = 1) -> dict:
    """{"precision", "recall", "density", "coverage"} of `(N, D)` real vs `(M, D)` fake features
    (M > pr_k), equal to `precision_recall(real, fake, k=pr_k)` and `density_coverage(real, fake,
    k=dc_k)`; `pr_radii`, `dc_radii` are `real_radii(real, ...)`'s for pr_k and dc_k. `workers`
    CPU threads share the work."""
    real, fake = centred_on(real.double(), fake.double())
    fake_radii = kth_radii(fake, (pr_k,), workers=workers)[pr_k]
    real32, real_sq, fake32, fake_sq = real.float(), squared_norms(real).float(), fake.float(), squared_norms(fake).float()
    margin = rounding_margin(fake, real)
    pr_sq, dc_sq, fake_r_sq = (r.square().float() for r in (pr_radii, dc_radii, fake_radii))

    def block(rows: slice) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        d2 = screen(fake32[rows], real32, real_sq).add_(fake_sq[rows, None])
        query = fake[rows]
        in_real = inside(d2, pr_sq[None, :], pr_radii[None, :], query, real, margin)  # fake j in real i's ball
        in_fake = inside(d2, fake_r_sq[rows, None], fake_radii[rows, None], query, real, margin)  # real i in fake j's
        in_dc = inside(d2, dc_sq[None, :], dc_radii[None, :], query, real, margin)
        return in_real.any(dim=1), in_fake.any(dim=0), in_dc.sum(), in_dc.any(dim=0)

    parts = list(zip(*map_pieces(block, blocks(len(fake), fake.device, workers), workers=workers)))
    fake_in_real = torch.cat(parts[0])
    real_in_fake, covered = torch.stack(parts[1]).any(dim=0), torch.stack(parts[3]).any(dim=0)
    return {
        "precision": float(fake_in_real.double().mean()),
        "recall": float(real_in_fake.double().mean()),
        "density": float(sum(int(hits) for hits in parts[2])) / (dc_k * fake.shape[0]),
        "coverage": float(covered.double().mean()),
    }


def memorised_fraction(fake: torch.Tensor, train: torch.Tensor, threshold: float, *, workers: int = 1) -> float:
    """Fraction of `(M, D)` fake features within distance `threshold` of some `(N, D)` train feature.

    With `threshold = memorisation(test, train, test)["threshold"]` this is
    `memorisation(fake, train, test)["fraction"]`: same centring (on the train mean), same
    closed test `<=` on float64 distances of differences, so exact copies always count.
    """
    (distance,) = distances_to(train, fake, workers=workers)
    return float((distance <= threshold).double().mean())
