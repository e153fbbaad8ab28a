"""Class histogram: coverage threshold and KL to uniform on constructed labels."""

import math

import numpy as np
import pytest
import torch

from gankit.metrics import MetricInputError, class_histogram


def test_two_balanced_classes():
    result = class_histogram(torch.tensor([2, 7] * 50), 10)
    assert result["histogram"] == pytest.approx([0, 0, 0.5, 0, 0, 0, 0, 0.5, 0, 0], abs=1e-15)
    assert result["classes_covered"] == 2
    assert result["kl_to_uniform"] == pytest.approx(math.log(10 / 2), rel=1e-12)


def test_uniform_labels_have_zero_kl_and_full_coverage():
    result = class_histogram(np.arange(100) % 10, 10)
    assert result["classes_covered"] == 10
    assert result["kl_to_uniform"] == pytest.approx(0.0, abs=1e-12)


def test_one_class_has_kl_log_c():
    result = class_histogram(torch.zeros(30, dtype=torch.int64), 10)
    assert result["classes_covered"] == 1
    assert result["kl_to_uniform"] == pytest.approx(math.log(10), rel=1e-12)


def test_min_fraction_threshold_is_inclusive():
    labels = torch.tensor([0] * 99 + [1])  # class 1 holds exactly 1%
    assert class_histogram(labels, 10, min_fraction=0.01)["classes_covered"] == 2
    assert class_histogram(labels, 10, min_fraction=0.02)["classes_covered"] == 1


def test_probabilities_are_reduced_to_their_argmax():
    labels = torch.tensor([1, 1, 4, 9, 9, 9])
    probs = torch.nn.functional.one_hot(labels, 10).double() * 0.9 + 0.01
    assert class_histogram(probs, 10) == class_histogram(labels, 10)


@pytest.mark.parametrize(
    "predictions, fault",
    [
        (torch.tensor([0, 10]), r"\[0, 10\)"),
        (torch.tensor([0.0, 1.0]), "integer labels"),
        (torch.full((4, 5), 0.2), "10 columns"),
        (torch.zeros(2, 2, 2), "shape"),
    ],
)
def test_bad_predictions_are_rejected(predictions, fault):
    with pytest.raises(MetricInputError, match=fault):
        class_histogram(predictions, 10)
