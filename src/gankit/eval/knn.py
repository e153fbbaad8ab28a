"""The neighbour-based metrics in one pass, with the real side computed once and cached.

`gankit.metrics.precision_recall` and `density_coverage` each find the real images' k-th
neighbour radii and every fake-to-real distance, in float64. `knn_scores` gives the same four
numbers from one float32 pass over the fake-to-real distances, in tiles that stay in the cache:
a pair whose float32 squared distance is further inside a ball's squared radius than its
rounding margin (`gankit.eval.nearest`) is inside, and the few within the margin of the surface
are decided by their float64 distance, the test `gankit.metrics.neighbours.inside_balls`
applies near a surface. (A collapsed generator puts every fake inside the same balls: those
pairs cost nothing more.) The real radii are computed once by `real_radii` and cached; tests
check that the four numbers are exactly what the two functions return.

Memorisation: `memorised_fraction` is `gankit.metrics.memorisation`'s fraction with its threshold
(real data only) cached, from each fake's exact nearest training feature (`distances_to`, a
search the copy detector shares).
"""

import torch

from gankit.metrics.neighbours import centred_on, squared_norms
from gankit.workers import map_pieces

from gankit.eval.nearest import blocks, distances_to, kth_radii, pair_distances, rounding_margin, screen, tile_rows


def real_radii(real: torch.Tensor, k: int, *, workers: int = 1) -> torch.Tensor:
    """`(N, D)` real features -> `(N,)` float64 distance of each to its k-th nearest other one,
    as `precision_recall` and `density_coverage` compute them (after centring on the real mean)."""
    (real,) = centred_on(real.double())
    return kth_radii(real, (k,), workers=workers)[k]


def knn_scores(real: torch.Tensor, fake: torch.Tensor, *, pr_radii: torch.Tensor, pr_k: int,
               dc_radii: torch.Tensor, dc_k: int, workers: int = 1) -> dict:
    """{"precision", "recall", "density", "coverage"} of `(N, D)` real vs `(M, D)` fake features
    (M > pr_k), equal to `precision_recall(real, fake, k=pr_k)` and `density_coverage(real, fake,
    k=dc_k)`; `pr_radii`, `dc_radii` are `real_radii(real, ...)`'s for pr_k and dc_k. `workers`
    CPU threads share the work."""
    real, fake = centred_on(real.double(), fake.double())
    fake_radii = kth_radii(fake, (pr_k,), workers=workers)[pr_k]
    real32, real_sq = real.float(), squared_norms(real).float()
    fake32, fake_sq = fake.float(), squared_norms(fake).float()
    margin, tile = rounding_margin(fake, real), tile_rows(real.device)
    pr_sq, fake_r_sq, dc_sq = (radii.square().float() for radii in (pr_radii, fake_radii, dc_radii))

    def split(d2: torch.Tensor, squared_radii: torch.Tensor, rows: slice, cols: slice):
        """A ball test's screen: (the pairs more than the margin inside the squared radius, as a
        mask; the (fake, real) indices of those within the margin of it, for a float64 check)."""
        inside = d2 < squared_radii - margin
        f, r = (inside ^ (d2 <= squared_radii + margin)).nonzero(as_tuple=True)
        return inside, (f + rows.start, r + cols.start)

    def checked(pairs: list, radii: torch.Tensor, *, ball_of_real: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """The (fake, real) pairs near a surface that are inside, by their float64 distances."""
        f, r = (torch.cat(side) for side in zip(*pairs))
        holds = pair_distances(fake, real, f, r) <= (radii[r] if ball_of_real else radii[f])
        return f[holds], r[holds]

    def block(rows: slice) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        fake_in_real = torch.zeros(rows.stop - rows.start, dtype=torch.bool, device=fake.device)
        real_in_fake, covered = (torch.zeros(len(real), dtype=torch.bool, device=real.device) for _ in range(2))
        hits = torch.zeros((), dtype=torch.int64, device=real.device)
        near_pr, near_fake, near_dc = [], [], []
        for start in range(0, len(real), tile):
            cols = slice(start, min(start + tile, len(real)))
            d2 = screen(fake32[rows], real32[cols], real_sq[cols]).add_(fake_sq[rows, None])
            inside, near = split(d2, pr_sq[None, cols], rows, cols)  # fake in a real's ball
            fake_in_real |= inside.any(dim=1)
            near_pr.append(near)
            inside, near = split(d2, fake_r_sq[rows, None], rows, cols)  # real in a fake's ball
            real_in_fake[cols] |= inside.any(dim=0)
            near_fake.append(near)
            inside, near = split(d2, dc_sq[None, cols], rows, cols)  # fake in a real's dc_k ball
            hits += inside.sum()
            covered[cols] |= inside.any(dim=0)
            near_dc.append(near)
        fake_in_real[checked(near_pr, pr_radii, ball_of_real=True)[0] - rows.start] = True
        real_in_fake[checked(near_fake, fake_radii, ball_of_real=False)[1]] = True
        _, inside_dc = checked(near_dc, dc_radii, ball_of_real=True)
        hits += len(inside_dc)
        covered[inside_dc] = True
        return fake_in_real, real_in_fake, hits, covered

    fake_in_real, real_in_fake, hits, covered = zip(*map_pieces(
        block, blocks(len(fake), fake.device, workers), workers=workers))
    fake_in_real = torch.cat(fake_in_real)
    real_in_fake, hits, covered = (torch.stack(part) for part in (real_in_fake, hits, covered))
    return {
        "precision": float(fake_in_real.double().mean()),  # fake j in some real ball
        "recall": float(real_in_fake.any(dim=0).double().mean()),  # real i in some fake ball
        "density": float(hits.sum()) / (dc_k * fake.shape[0]),  # fakes in each real's (dc_k) ball, summed
        "coverage": float(covered.any(dim=0).double().mean()),  # real balls holding a fake
    }


def memorised_fraction(fake: torch.Tensor, train: torch.Tensor, threshold: float, *, workers: int = 1) -> float:
    """Fraction of `(M, D)` fake features within distance `threshold` of some `(N, D)` train feature.

    With `threshold = memorisation(test, train, test)["threshold"]` this is
    `memorisation(fake, train, test)["fraction"]`: same centring (on the train mean), same
    closed test `<=` on float64 distances of differences, so exact copies always count.
    """
    (distance,) = distances_to(train, fake, workers=workers)
    return float((distance <= threshold).double().mean())
