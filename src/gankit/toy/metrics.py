"""Mode coverage on the 2-D toys, as the Unrolled-GAN / VEEGAN / PacGAN protocol counts it.

Draw n samples from G (2,500 in those papers). A sample is *high quality* when it lies within
`threshold` = 3 standard deviations of its nearest mode centre (Euclidean distance / std, the
Mahalanobis distance of an isotropic component). A mode is *covered* when at least `min_count`
high-quality samples fall on it; PacGAN's published code counts a mode with any (min_count=1),
and a stricter count (e.g. 20 of 2,500) ignores stray points. Report which one you use.
"""

import torch

from .data import Mixture


def mode_counts(samples: torch.Tensor, mixture: Mixture, *, threshold: float = 3.0) -> torch.Tensor:
    """int64 (K,): high-quality samples per mode. samples: float (N, 2)."""
    distances = torch.cdist(samples.double(), mixture.centres.double())  # (N, K)
    nearest, index = distances.min(dim=1)
    good = nearest < threshold * mixture.std
    return torch.bincount(index[good], minlength=len(mixture.centres))


def modes_covered(samples: torch.Tensor, mixture: Mixture, *, min_count: int = 1,
                  threshold: float = 3.0) -> int:
    """How many modes get at least `min_count` high-quality samples."""
    return int((mode_counts(samples, mixture, threshold=threshold) >= min_count).sum())


def high_quality_fraction(samples: torch.Tensor, mixture: Mixture, *, threshold: float = 3.0) -> float:
    """Fraction in [0, 1] of the samples within `threshold` std of their nearest mode."""
    return float(mode_counts(samples, mixture, threshold=threshold).sum()) / len(samples)
