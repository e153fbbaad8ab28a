"""Memorisation: how many generated samples sit closer to a training image than real data does.

For each generated sample take the distance to its nearest training sample; do the same for
held-out test samples (real images the generator never saw). The threshold is a low quantile q of
the test distances, so by construction a fraction q of unseen real images fall below it:

    threshold = quantile_q( min_t ||x_test - x_train_t|| )
    fraction  = mean_j 1[ min_t ||x_fake_j - x_train_t|| <= threshold ]

A generator that generalises like the data gives fraction ~ q; copying pushes it towards 1.
Exact copies (distance exactly 0; see `nearest_distances`) are always flagged. Works in any
space: judge features (default use, robust to small pixel shifts) or flattened pixels.
"""

import torch

from gankit.metrics.inputs import as_features, check_same_dim, positive_int, unit_fraction
from gankit.metrics.neighbours import DEFAULT_CHUNK_SIZE, centred_on, nearest_distances

# 0.05, not the median: at q = 0.5 half of all unseen real images would be "memorised", drowning
# the signal; at 0.05 real data is flagged 5% of the time, like a 5% false-positive rate. Smaller
# q rests on fewer test samples (50 of 1,000), so do not go much lower with small test sets.
DEFAULT_QUANTILE = 0.05


def memorisation(
    fake,
    train,
    test,
    *,
    quantile: float = DEFAULT_QUANTILE,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> dict:
    """Memorisation of `(M, D)` fake vs `(N, D)` train, calibrated on `(T, D)` test; all >= 2.

    Returns {"fraction": float in [0, 1], "threshold": float >= 0 (a distance in D-space)};
    compare fraction with `quantile`, its expected value for a non-copying generator. The
    quantile uses linear interpolation (`torch.quantile`). `chunk_size` bounds memory to about
    chunk_size * N * 8 bytes and does not change the result.
    """
    fake = as_features(fake, "fake features")
    train = as_features(train, "train features")
    test = as_features(test, "test features")
    check_same_dim(fake, train, "fake features", "train features")
    check_same_dim(test, train, "test features", "train features")
    fake, test = fake.to(train.device), test.to(train.device)
    quantile = unit_fraction(quantile, "quantile")
    chunk_size = positive_int(chunk_size, "chunk_size")

    train, fake, test = centred_on(train, fake, test)
    test_nn = nearest_distances(test, train, chunk_size=chunk_size)
    threshold = torch.quantile(test_nn, quantile)
    fake_nn = nearest_distances(fake, train, chunk_size=chunk_size)
    return {
        "fraction": float((fake_nn <= threshold).double().mean()),
        "threshold": float(threshold),
    }
