"""Variety within each class: does a generator draw many different images of a class, or one?

FID, precision and recall are dominated by the spread between classes; a generator that draws
one image per class (a conditional GAN collapsed within its classes) can still cover every class
and keep a moderate precision. This figure looks inside each class instead:

    variety(c) = mean pairwise distance among fake features of class c
                 / mean pairwise distance among real features of class c

1 = as varied as the real images of that class, 0 = one image repeated. gankit's evaluation
groups both sides by the judge's predicted class, so unconditional models and image files are
scored alike, and a fake and a real image of a class are placed by the same rule. At most `max_per_class` features of each class are used
(the first ones), so the cost stays bounded when a collapsed generator puts most images in one class.
"""

import torch

from gankit.metrics.inputs import MetricInputError


def mean_pairwise_distance(features: torch.Tensor) -> float:
    """Mean L2 distance between all pairs of `(N, D)` features, N >= 2, in float64."""
    flat = features.double()
    n = len(flat)
    return (torch.cdist(flat, flat).sum() / (n * (n - 1))).item()


def class_spreads(features: torch.Tensor, classes: torch.Tensor, num_classes: int, *, min_count: int = 2,
                  max_per_class: int = 1000) -> list[float | None]:
    """For each class in [0, K), the `mean_pairwise_distance` of its first `max_per_class` `(N, D)`
    features (by the `(N,)` int `classes`); None with fewer than `min_count` (>= 2) of them."""
    if min_count < 2:
        raise MetricInputError(f"min_count must be >= 2, got {min_count}")
    if features.shape[0] != classes.shape[0]:
        raise MetricInputError("class_variety: one class per feature row is needed, for the real and the fake side")
    members = (features[classes == label][:max_per_class] for label in range(num_classes))
    return [mean_pairwise_distance(m) if len(m) >= min_count else None for m in members]


def variety_of_spreads(real_spreads: list[float | None], fake_spreads: list[float | None]) -> dict:
    """`class_variety`'s result from both sides' `class_spreads`: a class without a spread on
    either side, or with real images all alike (spread 0), has no variety to measure (None)."""
    variety = [None if real is None or fake is None or real == 0 else fake / real
               for real, fake in zip(real_spreads, fake_spreads, strict=True)]
    known = [v for v in variety if v is not None]
    return {"class_variety": variety, "within_class_variety": min(known) if known else None}


def class_variety(real_features: torch.Tensor, real_classes: torch.Tensor, fake_features: torch.Tensor,
                  fake_classes: torch.Tensor, num_classes: int, *, min_count: int = 2,
                  max_per_class: int = 1000) -> dict:
    """{"class_variety": [K floats or None], "within_class_variety": the lowest of them (None if all are)}
    for `(N, D)` real and `(M, D)` fake features with `(N,)` and `(M,)` int classes in [0, K).
    A class with fewer than `min_count` (>= 2) fakes or reals has no variety to measure: None
    (a missing class is `class_histogram`'s business)."""
    options = {"min_count": min_count, "max_per_class": max_per_class}
    return variety_of_spreads(class_spreads(real_features, real_classes, num_classes, **options),
                              class_spreads(fake_features, fake_classes, num_classes, **options))
