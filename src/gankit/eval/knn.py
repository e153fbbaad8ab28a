"""The neighbour-based metrics in one pass, with the real side computed once and cached.

`gankit.metrics.precision_recall` and `density_coverage` each find the real images' k-th
neighbour radii and every fake-to-real distance, in float64. `knn_scores` gives the same four
numbers from one float32 pass over the fake-to-real distances, in tiles that stay in the cache:
the pass only finds the few pairs whose float32 squared distance is within its rounding margin
(`gankit.eval.nearest`) of a ball's squared radius or inside it, and each of those is decided
by its float64 distance, the test `gankit.metrics.neighbours.inside_balls` applies near a
surface. The real radii are computed once by `real_radii` and cached; tests check that the four
numbers are exactly what the two functions return.

Memorisation: `memorised_fraction` is `gankit.metrics.memorisation`'s fraction with its threshold
(real data only) cached, from each fake's exact nearest training feature (`distances_to`, a
search the copy detector shares).
"""

import torch

from gankit.metrics.neighbours import centred_on, squared_norms
from gankit.workers import map_pieces

from gankit.eval.nearest import blocks, distances_to, kth_radii, rounding_margin, screen, tile_rows


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
    # Each ball test's screen: a pair can be inside only if its float32 squared distance is within
    # the margin of the squared radius; those few pairs are then decided by their float64 distance.
    bounds = {name: radii.square().float() + margin for name, radii in
              (("pr", pr_radii), ("fake", fake_radii), ("dc", dc_radii))}

    def block(rows: slice) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        found = {name: [] for name in bounds}
        for start in range(0, len(real), tile):
            cols = slice(start, start + tile)
            d2 = screen(fake32[rows], real32[cols], real_sq[cols]).add_(fake_sq[rows, None])
            for name, bound in (("pr", bounds["pr"][None, cols]), ("fake", bounds["fake"][rows, None]),
                                ("dc", bounds["dc"][None, cols])):
                r, c = (d2 <= bound).nonzero(as_tuple=True)
                found[name].append((r + rows.start, c + start))
        (pr_f, pr_r), (fk_f, fk_r), (dc_f, dc_r) = ((torch.cat(f), torch.cat(r)) for f, r in
                                                    (zip(*found[name]) for name in ("pr", "fake", "dc")))
        exact = lambda f, r: (fake[f] - real[r]).norm(dim=1)  # noqa: E731
        pr_in, fk_in, dc_in = (exact(pr_f, pr_r) <= pr_radii[pr_r], exact(fk_f, fk_r) <= fake_radii[fk_f],
                               exact(dc_f, dc_r) <= dc_radii[dc_r])
        fake_in_real = torch.zeros(len(fake), dtype=torch.bool, device=fake.device)
        real_in_fake, covered = (torch.zeros(len(real), dtype=torch.bool, device=real.device) for _ in range(2))
        fake_in_real[pr_f[pr_in]], real_in_fake[fk_r[fk_in]], covered[dc_r[dc_in]] = True, True, True
        return fake_in_real, real_in_fake, dc_in.sum(), covered

    fake_in_real, real_in_fake, hits, covered = (torch.stack(part) for part in zip(*map_pieces(
        block, blocks(len(fake), fake.device, workers), workers=workers)))
    return {
        "precision": float(fake_in_real.any(dim=0).double().mean()),  # fake j in some real ball
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
