"""Fixtures for the evaluation tests: a small subset of real MNIST and its cached statistics.

Real-data tests skip when GANKIT_DATA is unset. They use 3,000 training and 1,000 test images
written to a temporary GANKIT_DATA root, so the real statistics take seconds, not a minute.
"""

import os

import numpy as np
import pytest

from gankit.data import DATASETS, load_split, write_idx

N_TRAIN, N_TEST = 3000, 1000


@pytest.fixture(scope="session")
def mnist_subset_root(tmp_path_factory):
    """A GANKIT_DATA-style root whose `mnist/` holds the first 3,000 / 1,000 real images."""
    if not os.environ.get("GANKIT_DATA"):
        pytest.skip("GANKIT_DATA is unset: real MNIST is needed")
    root = tmp_path_factory.mktemp("data")
    spec = DATASETS["mnist"]
    for split, n in (("train", N_TRAIN), ("test", N_TEST)):
        images_file, labels_file = spec.split_files(split)
        real = load_split("mnist", split)
        (root / "mnist").mkdir(exist_ok=True)
        write_idx(root / "mnist" / images_file.name, real.images[:n, 0].numpy())
        write_idx(root / "mnist" / labels_file.name, real.labels[:n].numpy().astype(np.uint8))
    return root


@pytest.fixture(scope="session")
def eval_cache(tmp_path_factory):
    """One cache folder for the session, so real statistics are computed once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def mnist_env(monkeypatch, mnist_subset_root, eval_cache):
    """GANKIT_DATA -> the subset, GANKIT_CACHE -> the session cache (for CLI tests)."""
    monkeypatch.setenv("GANKIT_DATA", str(mnist_subset_root))
    monkeypatch.setenv("GANKIT_CACHE", str(eval_cache))
    return mnist_subset_root


@pytest.fixture(scope="session")
def real_test_images(mnist_subset_root):
    return load_split("mnist", "test", mnist_subset_root / "mnist").images
