"""Offline evaluation metrics: small pure functions on judge-network features or probabilities.

All maths is float64 on the inputs' device; inputs are torch tensors or numpy arrays of
features `(N, D)`, class probabilities `(N, C)` or labels `(N,)`. Bad input raises a one-line
`MetricInputError` (a `GankitError`). Nothing depends on internal chunk sizes; everything is
deterministic (KID draws its subsets from a seed).

    inputs.py            shared validation
    neighbours.py        chunked distances and k-NN radii
    frechet.py           FID (Heusel et al. 2017)
    kid.py               KID (Bińkowski et al. 2018)
    inception_score.py   IS (Salimans et al. 2016)
    precision_recall.py  improved precision/recall (Kynkäänniemi et al. 2019)
    density_coverage.py  density/coverage (Naeem et al. 2020)
    class_histogram.py   predicted-class histogram, modes covered, KL to uniform
    class_variety.py     variety within each class, against the real images'
    memorisation.py      nearest-training-neighbour copy detection
    registry.py          METRICS: name -> MetricSpec
"""

from gankit.metrics.class_histogram import class_histogram
from gankit.metrics.class_variety import class_variety
from gankit.metrics.density_coverage import density_coverage
from gankit.metrics.frechet import feature_stats, fid_from_features, frechet_distance
from gankit.metrics.inception_score import inception_score
from gankit.metrics.inputs import MetricInputError
from gankit.metrics.kid import kid
from gankit.metrics.memorisation import memorisation
from gankit.metrics.precision_recall import precision_recall
from gankit.metrics.registry import METRICS, MetricSpec

__all__ = [
    "METRICS",
    "MetricInputError",
    "MetricSpec",
    "class_histogram",
    "class_variety",
    "density_coverage",
    "feature_stats",
    "fid_from_features",
    "frechet_distance",
    "inception_score",
    "kid",
    "memorisation",
    "precision_recall",
]
