"""KID with the real images' half of every subset computed once and cached.

Each of KID's subsets costs three 1,000 x 1,000 kernel matrices (`gankit.metrics.kid`): real
with real, fake with fake, real with fake. Which real rows a subset holds depends only on the
seed and the two set sizes (`subset_draws`), so for the protocol's number of fakes the
real-with-real means (`real_within`) are fixed by the real data: `gankit.eval.cache` keeps them,
and scoring computes the other two thirds, the subsets spread over `workers` threads. Every
subset's arithmetic is `unbiased_mmd2`'s, so the result is `kid(...)`'s exactly.
"""

import torch

from gankit.metrics.kid import subset_draws, unbiased_mmd2, within_mean
from gankit.workers import map_pieces

from gankit.eval.protocol import Protocol


def draws(n_real: int, n_fake: int, protocol: Protocol) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The protocol's KID subsets of `n_real` real and `n_fake` fake rows."""
    return subset_draws(n_real, n_fake, subsets=protocol.kid_subsets, subset_size=protocol.kid_subset_size,
                        seed=protocol.kid_seed)


def real_within(real: torch.Tensor, protocol: Protocol, *, workers: int = 1) -> torch.Tensor:
    """(kid_subsets,) float64 `within_mean` of each subset's real rows of `(N, D)` features, for
    `protocol.n_fake` fakes."""
    real = real.double()
    subsets = draws(len(real), protocol.n_fake, protocol)
    return torch.stack(map_pieces(lambda s: within_mean(real[s[0].to(real.device)]).cpu(), subsets, workers=workers))


def kid_scores(real: torch.Tensor, fake: torch.Tensor, protocol: Protocol, *,
               cached_within: torch.Tensor | None = None, workers: int = 1) -> tuple[float, float]:
    """`kid(real, fake, ...)` with the protocol's options: (mean, std) over its subsets of `(N, D)`
    real and `(M, D)` fake features; `cached_within` is `real_within(real, protocol)`, used
    when M is the protocol's `n_fake` (the subsets it was drawn for)."""
    real, fake = real.double(), fake.double()
    known = cached_within if len(fake) == protocol.n_fake else None

    def mmd2(s: int) -> torch.Tensor:
        real_rows, fake_rows = subsets[s]
        within = None if known is None else known[s].to(real.device)
        return unbiased_mmd2(real[real_rows.to(real.device)], fake[fake_rows.to(real.device)], within_x=within).cpu()

    subsets = draws(len(real), len(fake), protocol)
    values = torch.stack(map_pieces(mmd2, range(len(subsets)), workers=workers))
    return float(values.mean()), float(values.std(correction=0))
