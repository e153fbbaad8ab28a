"""Does G copy? Each sample's nearest training image, and a copy rate calibrated on real data.

    result = copy_scores(fake_features, train_features, held_out_features, fakes, train_images)
    result["copy_rate"]            # share of samples closer to a training image than real unseen images are
    pairs = closest_pairs(...)     # the samples most like a training image, beside that image

For every sample: the distance to its nearest training image in the judge's feature space
(robust to small shifts; `nn_feature_*`) and in pixels (`nn_pixel_*`, L2 over pixels scaled to
[0, 1]; over the first PIXEL_SAMPLES samples). The copy rate compares the feature distances with real images G never saw: the
threshold is the `COPY_QUANTILE` quantile of the held-out images' own nearest-training-image
distances, so real held-out images score about COPY_QUANTILE, the training images themselves 1,
and a G that reproduces its training images in between or near 1. Under `data.limit` the
training images are the run's N, which is when copying is likely and when this matters.

The judge's memorisation metric (`memorised_fraction`) is the same idea against the whole
training split at the 5% quantile; this one follows the run's own training set.
"""

import torch

from gankit.metrics.neighbours import DEFAULT_CHUNK_SIZE, centred_on, cross_distance_chunks, nearest_distances

COPY_QUANTILE = 0.01  # the copy threshold: closer than all but 1% of unseen real images are
PAIRS = 8  # sample/training-image pairs shown
PIXEL_SAMPLES = 2000  # the pixel search covers the first this many samples (10,000 x 60,000 x 784 is a minute of CPU)


def nearest(query: torch.Tensor, reference: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(distance (Nq,), index (Nq,)) of each `(Nq, D)` query's nearest `(Nr, D)` reference, float32."""
    distance = torch.empty(len(query))
    index = torch.empty(len(query), dtype=torch.int64)
    for rows, d2 in cross_distance_chunks(query, reference, DEFAULT_CHUNK_SIZE):
        d2, best = d2.min(dim=1)
        distance[rows], index[rows] = d2.clamp_min(0).sqrt(), best
    return distance, index


def pixels(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, C, H, W) -> float32 (N, C*H*W) in [0, 1]."""
    return images.flatten(1).float() / 255.0


def feature_distances(train_features: torch.Tensor, *others: torch.Tensor) -> list[torch.Tensor]:
    """For each (M, D) feature set in `others`, (M,) distances to the nearest (N, D) training
    feature, after centring on the training mean (as `memorisation` does). The search runs in
    float32 (a fifth of float64's time on a CPU), each winner's distance is exact: copies get 0."""
    train, *others = (x.float() for x in centred_on(train_features.double(), *(o.double() for o in others)))
    return [nearest_distances(x, train, chunk_size=DEFAULT_CHUNK_SIZE) for x in others]


def copy_threshold(train_features: torch.Tensor, held_out_features: torch.Tensor,
                   quantile: float = COPY_QUANTILE) -> float:
    """The COPY_QUANTILE quantile of held-out (T, D) features' distances to the nearest (N, D)
    training feature."""
    (held_out_nn,) = feature_distances(train_features, held_out_features)
    return float(torch.quantile(held_out_nn.double(), quantile))


def copy_rate(fake_features: torch.Tensor, train_features: torch.Tensor, threshold: float) -> float:
    """Share of (M, D) fake features within `threshold` of some (N, D) training feature."""
    (fake_nn,) = feature_distances(train_features, fake_features)
    return float((fake_nn <= threshold).double().mean())


def copy_scores(fake_features: torch.Tensor, train_features: torch.Tensor, held_out_features: torch.Tensor,
                fakes: torch.Tensor, train_images: torch.Tensor) -> tuple[dict, list[tuple[int, int, float]]]:
    """({"copy_rate", "copy_quantile", "nn_feature_median", "nn_feature_heldout_median",
    "nn_pixel_median", "nn_pixel_min"}, the PAIRS (sample, training image, pixel distance) pairs
    closest in pixels) for fakes and training images uint8 (M|N, C, H, W) and their features.
    The pixel figures and pairs cover the first PIXEL_SAMPLES samples."""
    fake_nn, held_out_nn = feature_distances(train_features, fake_features, held_out_features)
    threshold = torch.quantile(held_out_nn.double(), COPY_QUANTILE)
    pixel_nn, pixel_index = nearest(pixels(fakes[:PIXEL_SAMPLES]), pixels(train_images))
    order = pixel_nn.argsort()[:PAIRS]
    pairs = [(int(i), int(pixel_index[i]), float(pixel_nn[i])) for i in order]
    return {
        "copy_rate": float((fake_nn <= threshold).double().mean()),
        "copy_quantile": COPY_QUANTILE,  # what copy_rate is for real unseen images
        "nn_feature_median": float(fake_nn.median()),
        "nn_feature_heldout_median": float(held_out_nn.median()),  # the same for real unseen images
        "nn_pixel_median": float(pixel_nn.median()),
        "nn_pixel_min": float(pixel_nn.min()),
    }, pairs


def pairs_grid(fakes: torch.Tensor, train_images: torch.Tensor, pairs: list[tuple[int, int, float]]) -> torch.Tensor:
    """uint8 (2 * len(pairs), C, H, W): each sample followed by its nearest training image, for
    `gankit.images.make_grid(..., columns=2)` (one pair per row)."""
    return torch.stack([image for sample, train, _ in pairs for image in (fakes[sample], train_images[train])])
