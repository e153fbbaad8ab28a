"""Shared fixtures: a tiny MNIST-shaped dataset the tests write themselves (no download), and
every test's global state put back as it found it."""

import os
import random

import numpy as np
import pytest
import torch

from gankit.data import DATASETS, write_idx


@pytest.fixture(autouse=True)
def restore_global_state():
    """Whatever a test changes of the process (torch's threads, default dtype and RNG, Python's and
    NumPy's RNGs, the environment, the working directory), the next test gets it back as it was:
    the suite passes in any order (CI runs it shuffled, pytest-randomly) and at any thread count."""
    threads, dtype, torch_rng = torch.get_num_threads(), torch.get_default_dtype(), torch.get_rng_state()
    python_rng, numpy_rng, env, cwd = random.getstate(), np.random.get_state(), dict(os.environ), os.getcwd()
    yield
    torch.set_num_threads(threads)
    torch.set_default_dtype(dtype)
    torch.set_rng_state(torch_rng)
    random.setstate(python_rng)
    np.random.set_state(numpy_rng)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)


def write_tiny_mnist(folder, n_train=128, n_test=32, seed=0, *, classes_differ=False):
    """Four gzip IDX files named as MNIST's, with blobby 28x28 uint8 'digits'; returns `folder`.
    The blobs lie anywhere, whatever their label; with `classes_differ` each class's blobs lie
    near a place of their own, so that a class has a look (and a conditional G something to learn)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    spec = DATASETS["mnist"]
    for files, n in ((spec.split_files("train"), n_train), (spec.split_files("test"), n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        yy, xx = np.mgrid[:28, :28]
        centres = rng.uniform(8, 20, (n, 2))
        if classes_differ:  # the ten labels' places on a ring of radius 6 around the centre, +-1.5 pixels
            angle = labels * (2 * np.pi / 10)
            centres = 14 + 6 * np.stack([np.sin(angle), np.cos(angle)], axis=1) + rng.uniform(-1.5, 1.5, (n, 2))
        blobs = np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2) / 18.0)
        write_idx(folder / files[0].gz_name, (blobs * 255).astype(np.uint8))
        write_idx(folder / files[1].gz_name, labels)
    return folder


@pytest.fixture
def tiny_mnist(tmp_path):
    return write_tiny_mnist(tmp_path / "tiny_mnist")


@pytest.fixture(scope="session")
def make_tiny_mnist():
    """`write_tiny_mnist` itself, for tests that need other sizes or to damage the files."""
    return write_tiny_mnist


@pytest.fixture(scope="session")
def shared_tiny_mnist(tmp_path_factory):
    """`tiny_mnist` written once per session, for module-scoped fixtures: read it, never damage it."""
    return write_tiny_mnist(tmp_path_factory.mktemp("shared") / "tiny_mnist")


@pytest.fixture
def one_thread():
    """One CPU thread for the test, then the previous count back: small networks and the judges
    run fastest on one, and on a shared CPU two threads are slower, not faster."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
