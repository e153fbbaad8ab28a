"""load_split on tiny and real data (MNIST as gankit carries it), and to_model_range."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from gankit.data import DATASETS, find_file, load_split, locate_dataset, to_model_range, write_idx
from gankit.data.locate import EMBEDDED_ROOT
from gankit.errors import DataError

from .helpers import CLASSES, NAMES, tiny_arrays, tiny_spec, write_tiny

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def tiny(monkeypatch, tmp_path, clean_env) -> Path:
    """Registers dataset "tiny"; returns a complete folder of it."""
    folder = tmp_path / "tiny"
    write_tiny(folder)
    monkeypatch.setitem(DATASETS, "tiny", tiny_spec(folder))
    return folder


def test_load_split(tiny) -> None:
    arrays = tiny_arrays()
    for split in ("train", "test"):
        data = load_split("tiny", split, tiny)
        assert data.images.dtype == torch.uint8 and data.labels.dtype == torch.int64
        assert data.images.shape == (len(arrays[f"{split}_images"]), 1, 5, 4)
        np.testing.assert_array_equal(data.images[:, 0].numpy(), arrays[f"{split}_images"])
        np.testing.assert_array_equal(data.labels.numpy(), arrays[f"{split}_labels"])
        assert data.name == "tiny" and data.classes == CLASSES


def test_unknown_split(tiny) -> None:
    with pytest.raises(DataError, match="known splits: train, test"):
        load_split("tiny", "val", tiny)


def _replace(folder: Path, role: str, array: np.ndarray) -> Path:
    return write_idx(folder / (NAMES[role] + ".gz"), array)


def test_count_mismatch(tiny) -> None:
    labels = _replace(tiny, "train_labels", np.zeros(5, np.uint8))
    with pytest.raises(DataError, match=r"6 images but .* 5 labels") as err:
        load_split("tiny", "train", tiny)
    assert labels.name in str(err.value) and NAMES["train_images"] in str(err.value)


def test_labels_out_of_range(tiny) -> None:
    labels = _replace(tiny, "test_labels", np.array([0, 1, 3, 2], np.uint8))
    with pytest.raises(DataError, match=r"label 3 at index 2 is outside \[0, 3\)") as err:
        load_split("tiny", "test", tiny)
    assert labels.name in str(err.value)


def test_swapped_files(tiny) -> None:
    images = _replace(tiny, "train_images", np.zeros(6, np.uint8))
    with pytest.raises(DataError, match="uint8 images of shape") as err:
        load_split("tiny", "train", tiny)
    assert images.name in str(err.value)


def test_corrupt_file_names_it(tiny) -> None:
    path = tiny / (NAMES["test_images"] + ".gz")
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataError, match=path.name):
        load_split("tiny", "test", tiny)


def test_to_model_range() -> None:
    x = torch.arange(256, dtype=torch.uint8).reshape(4, 1, 8, 8)
    unit = to_model_range(x, 0.0, 1.0)
    assert unit.dtype == torch.float32 and unit.shape == x.shape
    assert torch.equal(unit, x.float() / 255)  # the seed's division, bit for bit
    sym = to_model_range(x, -1.0, 1.0)
    assert sym.min().item() == -1.0 and sym.max().item() == 1.0
    torch.testing.assert_close(sym, x.float() / 127.5 - 1)
    with pytest.raises(TypeError):
        to_model_range(unit, 0.0, 1.0)


def test_real_mnist_is_found_offline_in_the_copy_inside_gankit(clean_env) -> None:
    train = load_split("mnist", "train", download=False)
    test = load_split("mnist", "test", download=False)
    assert train.source == f"the copy inside gankit ({EMBEDDED_ROOT / 'mnist'})"
    assert train.images.shape == (60000, 1, 28, 28) and train.images.dtype == torch.uint8
    assert test.images.shape == (10000, 1, 28, 28) and test.labels.shape == (10000,)
    for data in (train, test):
        assert data.labels.dtype == torch.int64
        assert torch.equal(data.labels.unique(), torch.arange(10))
        assert data.images.min() == 0 and data.images.max() == 255
    assert train.classes == tuple("0123456789")


def test_the_copy_of_mnist_inside_gankit_matches_pinned_content_hashes(clean_env) -> None:
    folder = locate_dataset("mnist", download=False).folder
    assert folder == EMBEDDED_ROOT / "mnist"
    for file in DATASETS["mnist"].files:
        path = find_file(folder, file.name)
        assert path is not None and file.check()(path), path


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(),
                    reason="Debian's dataset-fashion-mnist package is not installed")
def test_debian_fashion_mnist_matches_pinned_content_hashes() -> None:
    for file in DATASETS["fashion_mnist"].files:
        path = find_file(DEBIAN_FASHION, file.name)
        assert path is not None and file.check()(path), path
    data = load_split("fashion_mnist", "test", DEBIAN_FASHION)
    assert data.images.shape == (10000, 1, 28, 28) and len(data.classes) == 10
