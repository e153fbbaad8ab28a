"""Inception Score: its bounds 1 and C, a hand-computed case, splits."""

import math

import numpy as np
import pytest
import torch

from gankit.metrics import MetricInputError, inception_score

F64 = torch.float64


def _one_hot(labels: list[int], num_classes: int = 10) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.tensor(labels), num_classes).to(F64)


def test_confident_uniform_predictions_score_the_number_of_classes():
    mean, std = inception_score(_one_hot(list(range(10)) * 5))
    assert mean == pytest.approx(10.0, rel=1e-12)
    assert std == 0.0


def test_one_class_scores_one():
    mean, _ = inception_score(_one_hot([3] * 20))
    assert mean == pytest.approx(1.0, rel=1e-12)


def test_hand_computed_case():
    # p(y) = [0.75, 0.25]; KL1 = log(1 / 0.75); KL2 = 0.5 log(0.5 / 0.75) + 0.5 log(0.5 / 0.25).
    probs = torch.tensor([[1.0, 0.0], [0.5, 0.5]], dtype=F64)
    kl1 = math.log(1 / 0.75)
    kl2 = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(2.0)
    mean, _ = inception_score(probs)
    assert mean == pytest.approx(math.exp((kl1 + kl2) / 2), rel=1e-12)


def test_splits_score_each_group():
    probs = _one_hot([0] * 10 + list(range(10)))  # first half one class, second half uniform
    mean, std = inception_score(probs, splits=2)
    assert mean == pytest.approx(5.5, rel=1e-12)
    assert std == pytest.approx(4.5, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_score_lies_between_one_and_the_number_of_classes(seed):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(7, 0.3), size=64).astype(np.float32)
    mean, _ = inception_score(probs)
    assert 1.0 - 1e-12 <= mean <= 7.0 + 1e-12


def test_float32_softmax_rows_are_accepted():
    logits = torch.randn(30, 10, generator=torch.Generator().manual_seed(0))
    mean, _ = inception_score(torch.softmax(logits, dim=1))
    assert math.isfinite(mean) and mean > 1.0


@pytest.mark.parametrize(
    "probs, fault",
    [
        (torch.randn(8, 10, generator=torch.Generator().manual_seed(1)), "softmax"),
        (torch.full((8, 10), 0.2, dtype=F64), "sum to 1"),
    ],
)
def test_non_probabilities_are_rejected(probs, fault):
    with pytest.raises(MetricInputError, match=fault):
        inception_score(probs)


def test_more_splits_than_samples_is_rejected():
    with pytest.raises(MetricInputError, match="splits"):
        inception_score(_one_hot([0, 1, 2]), splits=4)
