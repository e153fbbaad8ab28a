"""KID with the real half of its subsets cached is `gankit.metrics.kid`, exactly."""

import dataclasses

import torch

from gankit.eval import V1
from gankit.eval.kid_terms import kid_scores, real_within
from gankit.metrics import kid

SMALL = dataclasses.replace(V1, n_fake=120, kid_subsets=7, kid_subset_size=50, kid_seed=3)


def features(n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, 16, generator=torch.Generator().manual_seed(seed)).relu()


def test_cached_real_terms_give_kid_exactly():
    real, fake = features(200, 0), features(SMALL.n_fake, 1) + 0.1
    expected = kid(real, fake, subsets=7, subset_size=50, seed=3)
    within = real_within(real, SMALL, workers=2)
    assert kid_scores(real, fake, SMALL, cached_within=within, workers=2) == expected
    assert kid_scores(real, fake, SMALL, workers=1) == expected


def test_cached_terms_are_not_used_for_another_number_of_fakes():
    real, fake = features(200, 0), features(90, 2)
    wrong = torch.zeros(SMALL.kid_subsets, dtype=torch.float64)  # would change every subset if used
    assert kid_scores(real, fake, SMALL, cached_within=wrong) == kid(real, fake, subsets=7, subset_size=50, seed=3)
