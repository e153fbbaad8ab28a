"""Histogram of a judge classifier's predicted classes: mode coverage and balance.

A generator that drops modes shows up as classes with (almost) no samples; one that is
unbalanced shows up as a large KL divergence from the uniform distribution over classes:

    kl_to_uniform = sum_c h_c log(h_c / (1/C)) = log C - H(h)     in [0, log C]

(0 for a perfectly balanced histogram, log C when every sample falls in one class). This
assumes the data's classes are balanced, as for MNIST (within ~1%).
"""

import math

import torch

from gankit.metrics.inputs import (
    MetricInputError,
    as_labels,
    as_probs,
    positive_int,
    unit_fraction,
)

# A class counts as covered when it holds at least this fraction of samples: 1% is a tenth of a
# fair share for 10 classes, so stray misclassifications of other modes rarely count.
DEFAULT_MIN_FRACTION = 0.01


def _predicted_labels(predictions, num_classes: int) -> torch.Tensor:
    """`(N, C)` probabilities (argmax taken) or `(N,)` integer labels -> `(N,)` int64 labels."""
    ndim = getattr(predictions, "ndim", None)
    if ndim not in (None, 1, 2):
        raise MetricInputError(
            f"class predictions: expected (N,) labels or (N, C) probabilities, "
            f"got shape {tuple(predictions.shape)}"
        )
    if ndim == 2:
        probs = as_probs(predictions, "class probabilities")
        if probs.shape[1] != num_classes:
            raise MetricInputError(
                f"class probabilities: expected {num_classes} columns (num_classes), "
                f"got {probs.shape[1]}"
            )
        return probs.argmax(dim=1)
    return as_labels(predictions, "class labels", num_classes)


def class_histogram(
    predictions, num_classes: int, *, min_fraction: float = DEFAULT_MIN_FRACTION
) -> dict:
    """Class histogram of `(N, C)` probabilities or `(N,)` integer labels in [0, C), N >= 2.

    Returns {"histogram": list of C fractions summing to 1, "classes_covered": int, number of
    classes with fraction >= min_fraction, "kl_to_uniform": float in [0, log C]}.
    """
    num_classes = positive_int(num_classes, "num_classes")
    min_fraction = unit_fraction(min_fraction, "min_fraction")
    labels = _predicted_labels(predictions, num_classes)
    counts = torch.bincount(labels.cpu(), minlength=num_classes).to(torch.float64)
    histogram = counts / counts.sum()
    kl = torch.special.xlogy(histogram, histogram).sum() + math.log(num_classes)
    return {
        "histogram": histogram.tolist(),
        "classes_covered": int((histogram >= min_fraction).sum()),
        "kl_to_uniform": float(kl),
    }
