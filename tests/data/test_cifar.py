"""CIFAR-10: its registry entry, the safe reader of pickle batches, and download from a mirror."""

from __future__ import annotations

import dataclasses
import os
import pickle
import re

import numpy as np
import pytest
import torch

from gankit.data import DATASETS, FileSpec, load_split, md5_file, parse_batch, sha256_file
from gankit.errors import DataError

from .cifar_fixtures import SPEC, batch_bytes, fixture_arrays, python2_batch_bytes, write_archive, write_cifar


def test_registry_entry():
    assert SPEC.title == "CIFAR-10" and SPEC.image_shape == (3, 32, 32) and len(SPEC.classes) == 10
    assert [m + SPEC.archive.gz_name for m in SPEC.mirrors] == ["https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"]
    assert SPEC.archive.gz_md5 == "c58f30108f718f92721af3b95e74349a"  # as the authors publish it
    assert re.fullmatch(r"[0-9a-f]{64}", SPEC.archive.gz_sha256)
    assert SPEC.split_members("test") == ("cifar-10-batches-py/test_batch",)
    assert len(SPEC.split_members("train")) == 5


def _expected(arrays, names):
    return (np.concatenate([arrays[n][0] for n in names]), sum((arrays[n][1] for n in names), []))


@pytest.mark.parametrize("python2", [False, True], ids=["python3-protocol2", "python2-cpickle"])
def test_reads_both_splits(tmp_path, python2):
    arrays = fixture_arrays()
    write_cifar(tmp_path, arrays, python2=python2)
    for split, names in (("train", [f"data_batch_{i}" for i in range(1, 6)]), ("test", ["test_batch"])):
        data = load_split("cifar10", split, tmp_path)
        images, labels = _expected(arrays, names)
        assert data.images.dtype == torch.uint8 and data.images.shape == (len(images), 3, 32, 32)
        np.testing.assert_array_equal(data.images.numpy(), images)
        assert data.labels.tolist() == labels and data.classes == SPEC.classes and data.name == "cifar10"


def test_rows_are_rgb_planes():
    """A row holds 1024 red, then 1024 green, then 1024 blue values, each plane row-major."""
    row = np.concatenate([np.full(1024, 10), np.full(1024, 20), np.arange(1024) % 256]).astype(np.uint8)
    images, labels = parse_batch(batch_bytes(row[None], [3]), where="b")
    assert images.shape == (1, 3, 32, 32) and labels.tolist() == [3]
    assert images[0, 0].min() == images[0, 0].max() == 10 and images[0, 1].max() == 20
    assert images[0, 2, 0, :5].tolist() == [0, 1, 2, 3, 4] and images[0, 2, 1, 0] == 32


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Evaluates:
    def __reduce__(self):
        return (eval, ("__import__('os').getpid()",))


@pytest.mark.parametrize("payload", ["system", "eval", "nested"])
def test_malicious_pickle_is_refused_without_running(tmp_path, payload):
    marker = tmp_path / "pwned"
    evil = {"system": _RunsCode(marker), "eval": _Evaluates(),
            "nested": {b"data": np.zeros((1, 3072), np.uint8), b"labels": [_RunsCode(marker)]}}[payload]
    arrays = fixture_arrays()
    members = {name: batch_bytes(*arrays[name]) for name in arrays}
    members["test_batch"] = pickle.dumps(evil, protocol=2)
    write_archive(tmp_path / SPEC.archive.gz_name, members)
    with pytest.raises(DataError) as err:
        load_split("cifar10", "test", tmp_path)
    message = str(err.value)
    assert "refused to unpickle" in message and "test_batch" in message and "\n" not in message
    assert {"system": "posix.system", "eval": "__builtin__.eval", "nested": "posix.system"}[payload] in message
    assert not marker.exists()


@pytest.mark.parametrize("batch, fragment", [
    ({b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]}, "dtype 'f4', expected uint8"),
    ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, "shape (2, 100), expected (N, 3072)"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "2 images but 1 labels"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}, "label 10 at index 1 is outside [0, 10)"),
    ({b"data": np.zeros((2, 3072), np.uint8)}, "no 'data' and 'labels' entries"),
    ([1, 2, 3], "holds a list, not a dict"),
])
def test_malformed_batches(batch, fragment):
    with pytest.raises(DataError) as err:
        parse_batch(pickle.dumps(batch, protocol=2), where="fixture")
    assert fragment in str(err.value), str(err.value)


def test_lying_shape_truncation_and_garbage():
    images = np.zeros((2, 3, 32, 32), np.uint8)
    with pytest.raises(DataError, match=r"claims shape \(3, 3072\) but holds 6144 bytes"):
        parse_batch(python2_batch_bytes(images, [0, 1], claimed_rows=3), where="fixture")
    good = python2_batch_bytes(images, [0, 1])
    with pytest.raises(DataError, match="not a readable pickle"):
        parse_batch(good[: len(good) // 2], where="fixture")
    with pytest.raises(DataError, match="not a readable pickle"):
        parse_batch(b"\x80\x02garbage", where="fixture")


def test_missing_batch_and_bad_archive(tmp_path):
    arrays = fixture_arrays()
    write_archive(tmp_path / "a" / SPEC.archive.gz_name, {"test_batch": batch_bytes(*arrays["test_batch"])})
    with pytest.raises(DataError, match="data_batch_1 not found in the archive"):
        load_split("cifar10", "train", tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / SPEC.archive.gz_name).write_bytes(b"not a tar at all")
    with pytest.raises(DataError, match="cannot read the archive"):
        load_split("cifar10", "test", tmp_path / "b")


@pytest.fixture
def mirrored(monkeypatch, tmp_path, clean_env, serve):
    """The fixture archive served on 127.0.0.1, with "cifar10" pinned to its hashes."""
    source = write_cifar(tmp_path / "mirror")
    server = serve(source.parent)
    archive = FileSpec(SPEC.archive.name, gz_sha256=sha256_file(source), gz_md5=md5_file(source))
    monkeypatch.setitem(DATASETS, "cifar10", dataclasses.replace(SPEC, archive=archive, mirrors=(server.url,)))
    return server, source, clean_env


def test_download_into_cache_then_read(mirrored):
    server, source, cache = mirrored
    data = load_split("cifar10", "test")
    assert data.images.shape == (3, 3, 32, 32)
    assert (cache / "cifar10" / SPEC.archive.gz_name).read_bytes() == source.read_bytes()
    assert server.requests == ["/" + SPEC.archive.gz_name]
    load_split("cifar10", "train")  # found in the cache: no second download
    assert len(server.requests) == 1


@pytest.mark.parametrize("wrong", ["gz_sha256", "gz_md5"])
def test_download_needs_both_hashes(monkeypatch, mirrored, wrong):
    server, _, cache = mirrored
    spec = DATASETS["cifar10"]
    archive = dataclasses.replace(spec.archive, **{wrong: "0" * (64 if wrong == "gz_sha256" else 32)})
    monkeypatch.setitem(DATASETS, "cifar10", dataclasses.replace(spec, archive=archive))
    with pytest.raises(DataError, match="fails the checksum") as err:
        load_split("cifar10", "test")
    assert "cifar-10-python.tar.gz" in str(err.value)
    assert not (cache / "cifar10" / SPEC.archive.gz_name).exists()
