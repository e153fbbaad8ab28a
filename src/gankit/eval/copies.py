"""Does G copy? Each sample's nearest training image, and a copy rate calibrated on real data.

    fake_nn, held_out_nn = distances_to(train_features, fake_features, held_out_features)
    result, pairs = copy_scores(fake_nn, held_out_nn, fakes, train_images)
    result["copy_rate"]            # share of samples closer to a training image than real unseen images are
    pairs                          # the samples most like a training image, beside that image

For every sample: the distance to its nearest training image in the judge's feature space
(robust to small shifts; `nn_feature_*`) and in pixels (`nn_pixel_*`, L2 over pixels scaled to
[0, 1]; over the first PIXEL_SAMPLES samples), both from exact searches (`gankit.eval.nearest`).
The copy rate compares the feature distances with real images G never saw: the threshold is the
`COPY_QUANTILE` quantile of the held-out images' own nearest-training-image distances, so real
held-out images score about COPY_QUANTILE, the training images themselves 1, and a G that
reproduces its training images in between or near 1. Under `data.limit` the
training images are the run's N, which is when copying is likely and when this matters.

The judge's memorisation metric (`memorised_fraction`) is the same idea against the whole
training split at the 5% quantile; this one follows the run's own training set.
"""

import torch

from gankit.eval.nearest import distances_to, nearest

COPY_QUANTILE = 0.01  # the copy threshold: closer than all but 1% of unseen real images are
PAIRS = 8  # sample/training-image pairs shown
PIXEL_SAMPLES = 2000  # the pixel search covers the first this many samples (10,000 x 60,000 x 784 is a minute of CPU)


def copy_threshold(train_features: torch.Tensor, held_out_features: torch.Tensor,
                   quantile: float = COPY_QUANTILE) -> float:
    """The COPY_QUANTILE quantile of held-out (T, D) features' distances to the nearest (N, D)
    training feature."""
    (held_out_nn,) = distances_to(train_features, held_out_features)
    return float(torch.quantile(held_out_nn, quantile))


def copy_rate(fake_features: torch.Tensor, train_features: torch.Tensor, threshold: float) -> float:
    """Share of (M, D) fake features within `threshold` of some (N, D) training feature."""
    (fake_nn,) = distances_to(train_features, fake_features)
    return float((fake_nn <= threshold).double().mean())


def copy_scores(fake_nn: torch.Tensor, held_out_nn: torch.Tensor, fakes: torch.Tensor, train_images: torch.Tensor,
                *, workers: int = 1) -> tuple[dict, list[tuple[int, int, float]]]:
    """({"copy_rate", "copy_quantile", "nn_feature_median", "nn_feature_heldout_median",
    "nn_pixel_median", "nn_pixel_min"}, the PAIRS (sample, training image, pixel distance) pairs
    closest in pixels) for fakes and training images uint8 (M|N, C, H, W), given the (M,) and
    (T,) distances of the fakes' and of held-out real images' features to their nearest training
    feature (`distances_to`). The pixel figures and pairs cover the first PIXEL_SAMPLES samples."""
    threshold = torch.quantile(held_out_nn.double(), COPY_QUANTILE)
    pixel_nn, pixel_index = nearest(fakes[:PIXEL_SAMPLES].flatten(1), train_images.flatten(1), workers=workers)
    pixel_nn = pixel_nn / 255.0  # pixels scaled to [0, 1]
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
