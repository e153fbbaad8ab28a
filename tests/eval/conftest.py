"""Fixtures for the evaluation tests: a small subset of real MNIST and its cached statistics.

Real-data tests read MNIST where gankit finds it (at the latest, the copy inside gankit). They
use 2,000 training and 500 test images written to a temporary GANKIT_DATA root, so the real
statistics take seconds, not minutes.
"""

import numpy as np
import pytest

from gankit.data import DATASETS, load_split, write_idx

N_TRAIN, N_TEST = 2000, 500


@pytest.fixture(autouse=True)
def single_thread(one_thread):
    """One CPU thread, as evaluate_images uses."""
    yield


@pytest.fixture(scope="session")
def mnist_subset_root(tmp_path_factory):
    """A GANKIT_DATA-style root whose `mnist/` holds the first 2,000 / 500 real images."""
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
def cache_root(tmp_path_factory):
    """One GANKIT_CACHE root for the session, so real statistics are computed once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def eval_cache(cache_root):
    """The evaluation cache folder under `cache_root`, as `evaluate_images` picks by default."""
    return cache_root / "eval"


@pytest.fixture
def mnist_env(monkeypatch, mnist_subset_root, cache_root):
    """GANKIT_DATA -> the subset, GANKIT_CACHE -> the session cache (for CLI tests)."""
    monkeypatch.setenv("GANKIT_DATA", str(mnist_subset_root))
    monkeypatch.setenv("GANKIT_CACHE", str(cache_root))
    return mnist_subset_root


@pytest.fixture(scope="session")
def held_out_real(mnist_subset_root):
    """300 real test images in neither the subset's reference (test) nor its training split."""
    return load_split("mnist", "test").images[1000:1300]
