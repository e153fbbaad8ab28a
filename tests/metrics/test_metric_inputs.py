"""Every metric rejects bad input with a one-line MetricInputError naming the fault."""

import numpy as np
import pytest
import torch

from gankit.errors import GankitError
from gankit.metrics import (
    MetricInputError,
    density_coverage,
    fid_from_features,
    frechet_distance,
    kid,
    memorisation,
    precision_recall,
)

GOOD = torch.randn(20, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)

MU, SIGMA = torch.zeros(3), torch.eye(3)

PAIR_METRICS = {
    "fid": fid_from_features,
    "kid": kid,
    "precision_recall": precision_recall,
    "density_coverage": density_coverage,
    "memorisation": lambda real, fake: memorisation(fake, real, GOOD),
}


def _with_nan(x: torch.Tensor) -> torch.Tensor:
    x = x.clone()
    x[3, 1] = float("nan")
    return x


BAD_FAKES = {
    "wrong rank": (torch.zeros(20, 4, 1), r"expected shape \(N, D\), got \(20, 4, 1\)"),
    "mismatched dims": (GOOD[:, :3], "differ in feature dimension: (4 vs 3|3 vs 4)"),
    "nan": (_with_nan(GOOD), "1 non-finite values"),
    "inf": (GOOD.clone().fill_(float("inf")), "80 non-finite values"),
    "empty": (torch.zeros(0, 4), r"empty, got shape \(0, 4\)"),
    "one sample": (GOOD[:1], "need at least 2 samples, got 1"),
    "list": ([[0.0] * 4] * 20, "expected a torch tensor or numpy array, got list"),
    "strings": (np.array([["a"] * 4] * 20), "numeric array"),
}


def _raises_one_line(fn, *args, match: str, **kwargs) -> None:
    with pytest.raises(MetricInputError, match=match) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, GankitError)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("metric", PAIR_METRICS)
@pytest.mark.parametrize("case", BAD_FAKES)
def test_bad_fake_features(metric, case):
    fake, fault = BAD_FAKES[case]
    _raises_one_line(PAIR_METRICS[metric], GOOD, fake, match=fault)


@pytest.mark.parametrize("metric", PAIR_METRICS)
def test_messages_name_the_argument(metric):
    _raises_one_line(PAIR_METRICS[metric], GOOD[:1], GOOD, match="^(real|train) features")
    _raises_one_line(PAIR_METRICS[metric], GOOD, GOOD[:1], match="^fake features")


@pytest.mark.parametrize("metric", [precision_recall, density_coverage])
def test_too_few_samples_for_k(metric):
    _raises_one_line(metric, GOOD[:5], GOOD, k=5, match="need more than k=5 samples")


@pytest.mark.parametrize(
    "options, fault",
    [
        ({"k": 0}, "k: expected a positive integer, got 0"),
        ({"k": True}, "k: expected a positive integer"),
        ({"chunk_size": 2.5}, "chunk_size: expected a positive integer"),
    ],
)
@pytest.mark.parametrize("metric", [precision_recall, density_coverage])
def test_bad_options(metric, options, fault):
    _raises_one_line(metric, GOOD, GOOD, match=fault, **options)


def test_bad_kid_and_memorisation_options():
    _raises_one_line(kid, GOOD, GOOD, subsets=0, match="subsets")
    _raises_one_line(kid, GOOD, GOOD, subset_size=1, match="subset_size")
    _raises_one_line(memorisation, GOOD, GOOD, GOOD, quantile=1.5, match=r"quantile: .*\[0, 1\]")


BAD_GAUSSIANS = {
    "covariance shape": (
        (MU, torch.eye(2), MU, SIGMA),
        r"first covariance: expected shape \(3, 3\)",
    ),
    "dimensions": ((MU, SIGMA, torch.zeros(2), torch.eye(2)), "differ in dimension: 3 vs 2"),
    "mean rank": ((MU[None], SIGMA, MU, SIGMA), r"first mean: expected shape \(D,\)"),
    "asymmetric": ((MU, torch.triu(torch.ones(3, 3)), MU, SIGMA), "not symmetric"),
    "nan": ((MU, SIGMA, MU, SIGMA * float("nan")), "second covariance: 9 non-finite"),
}


@pytest.mark.parametrize("case", BAD_GAUSSIANS)
def test_bad_gaussians(case):
    args, fault = BAD_GAUSSIANS[case]
    _raises_one_line(frechet_distance, *args, match=fault)
