"""Input checks shared by every metric, raising one-line `MetricInputError`s.

Each metric passes its arguments through `as_features`, `as_probs`, `as_labels` and the option
checks here first, so the maths after them can assume float64 tensors of the right rank, finite
values, matching feature dimensions and enough samples. Messages name the argument and the fault,
e.g. "fake features: need at least 2 samples, got 1".
"""

import numbers

import numpy as np
import torch

from gankit.errors import GankitError

# Rows of a probability matrix may sum to 1 within this (float32 softmax over 1000 classes is off
# by ~1e-6); a larger gap means logits or unnormalised scores were passed.
PROB_SUM_TOLERANCE = 1e-3


class MetricInputError(GankitError):
    """Features, probabilities, labels or options a metric cannot use."""


def _as_float64(x, name: str) -> torch.Tensor:
    """A tensor or array as a float64 tensor on its own device (numpy arrays go to the CPU)."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise MetricInputError(f"{name}: expected a numeric array, got dtype {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x))
    elif not isinstance(x, torch.Tensor):
        raise MetricInputError(
            f"{name}: expected a torch tensor or numpy array, got {type(x).__name__}"
        )
    if x.is_complex():
        raise MetricInputError(f"{name}: expected real values, got dtype {x.dtype}")
    return x.detach().to(torch.float64)


def _check_finite(x: torch.Tensor, name: str) -> None:
    bad = int((~torch.isfinite(x)).sum())
    if bad:
        raise MetricInputError(
            f"{name}: {bad} non-finite values (NaN or inf); remove or fix those samples"
        )


def as_features(
    x, name: str, *, min_samples: int = 2, shape_doc: str = "(N, D)"
) -> torch.Tensor:
    """Validated `(N, D)` float64 features: N >= min_samples, D >= 1, all finite."""
    t = _as_float64(x, name)
    if t.ndim != 2:
        raise MetricInputError(f"{name}: expected shape {shape_doc}, got {tuple(t.shape)}")
    if t.numel() == 0:
        raise MetricInputError(f"{name}: empty, got shape {tuple(t.shape)}")
    if t.shape[0] < min_samples:
        raise MetricInputError(f"{name}: need at least {min_samples} samples, got {t.shape[0]}")
    _check_finite(t, name)
    return t


def as_vector(x, name: str) -> torch.Tensor:
    """Validated `(D,)` float64 vector, D >= 1, all finite."""
    t = _as_float64(x, name)
    if t.ndim != 1:
        raise MetricInputError(f"{name}: expected shape (D,), got {tuple(t.shape)}")
    if t.numel() == 0:
        raise MetricInputError(f"{name}: empty, got shape {tuple(t.shape)}")
    _check_finite(t, name)
    return t


def as_probs(x, name: str) -> torch.Tensor:
    """Validated `(N, C)` float64 class probabilities in [0, 1], rows renormalised to sum to 1."""
    p = as_features(x, name)
    if bool((p < 0).any()) or bool((p > 1).any()):
        raise MetricInputError(
            f"{name}: values must lie in [0, 1], got range [{p.min().item():.3g}, "
            f"{p.max().item():.3g}]; pass softmax outputs, not logits"
        )
    gap = (p.sum(dim=1) - 1).abs()
    if bool((gap > PROB_SUM_TOLERANCE).any()):
        row = int(gap.argmax())
        raise MetricInputError(
            f"{name}: each row must sum to 1, row {row} sums to {p[row].sum().item():.4g}; "
            "pass softmax outputs"
        )
    return p / p.sum(dim=1, keepdim=True)


def as_labels(x, name: str, num_classes: int) -> torch.Tensor:
    """Validated `(N,)` int64 class labels in [0, num_classes), N >= 2."""
    t = x if isinstance(x, torch.Tensor) else None
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "iu":
            raise MetricInputError(f"{name}: expected integer labels, got dtype {x.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(x))
    if t is None:
        raise MetricInputError(
            f"{name}: expected a torch tensor or numpy array, got {type(x).__name__}"
        )
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise MetricInputError(f"{name}: expected integer labels, got dtype {t.dtype}")
    if t.ndim != 1:
        raise MetricInputError(f"{name}: expected shape (N,), got {tuple(t.shape)}")
    if t.shape[0] < 2:
        raise MetricInputError(f"{name}: need at least 2 samples, got {t.shape[0]}")
    t = t.detach().to(torch.int64)
    low, high = int(t.min()), int(t.max())
    if low < 0 or high >= num_classes:
        raise MetricInputError(
            f"{name}: labels must lie in [0, {num_classes}), got range [{low}, {high}]"
        )
    return t


def check_same_dim(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise unless `a` and `b` have the same number of columns (one feature space)."""
    if a.shape[1] != b.shape[1]:
        raise MetricInputError(
            f"{name_a} and {name_b} differ in feature dimension: {a.shape[1]} vs {b.shape[1]}"
        )


def positive_int(value, name: str) -> int:
    """`value` as an int >= 1 (bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise MetricInputError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def unit_fraction(value, name: str) -> float:
    """`value` as a float in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise MetricInputError(f"{name}: expected a number in [0, 1], got {value!r}")
    return float(value)


def check_neighbours(k: int, n: int, name: str) -> None:
    """Raise unless a set of n points has a k-th nearest neighbour other than each point itself."""
    if n <= k:
        raise MetricInputError(
            f"{name}: need more than k={k} samples for k-nearest-neighbour radii, got {n}"
        )
