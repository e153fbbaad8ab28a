"""The copy detector: near 0 for real images G never saw, near 1 for the training images
themselves, following the run's own training set (data.limit), with the closest pairs drawn."""

import numpy as np
import torch
from PIL import Image

from gankit.data import load_split
from gankit.eval import evaluate_images
from gankit.eval.copies import copy_rate, copy_threshold


def test_copy_rate_is_near_zero_for_held_out_reals_and_one_for_training_images(mnist_env, held_out_real, tmp_path):
    train = load_split("mnist", "train").images  # the subset's 2,000
    unseen = evaluate_images(held_out_real, "mnist")
    copied = evaluate_images(train[:300], "mnist", copies_png=tmp_path / "copies.png")
    assert unseen["copy_rate"] < 0.05
    assert copied["copy_rate"] == 1.0
    assert copied["nn_pixel_min"] == 0.0 and copied["nn_feature_median"] == 0.0
    assert unseen["nn_pixel_median"] > 1.0 and unseen["nn_feature_median"] > 0.0
    pairs = np.asarray(Image.open(tmp_path / "copies.png"))
    assert pairs.shape[0] > pairs.shape[1]  # eight rows of (sample, nearest training image)


def test_copy_detector_follows_the_runs_training_images(mnist_env, held_out_real):
    train = load_split("mnist", "train").images
    chosen = torch.arange(0, 2000, 20)  # a data.limit of 100
    others = train[1:2000:20][:100]  # training-split images this run never trained on
    assert evaluate_images(train[chosen], "mnist", train_indices=chosen)["copy_rate"] == 1.0
    assert evaluate_images(others, "mnist", train_indices=chosen)["copy_rate"] < 0.1


def test_threshold_is_calibrated_on_held_out_features():
    g = torch.Generator().manual_seed(0)
    train, held_out, fresh = (torch.randn(n, 8, generator=g) for n in (500, 2000, 2000))
    threshold = copy_threshold(train, held_out)
    assert abs(copy_rate(fresh, train, threshold) - 0.01) < 0.01  # new draws of the same data: about 1%
    assert copy_rate(train[:50] + 1e-9, train, threshold) == 1.0
