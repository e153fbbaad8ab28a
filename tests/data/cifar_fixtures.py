"""CIFAR-10-format fixture archives: pickled batches as the python version holds them."""

from __future__ import annotations

import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np

from gankit.data import DATASETS

SPEC = DATASETS["cifar10"]


def batch_bytes(images: np.ndarray, labels: list[int]) -> bytes:
    """A batch as Python 3 pickles it at protocol 2: bytes keys, uint8 'data' (N, 3072), list 'labels'."""
    batch = {b"batch_label": b"fixture batch", b"labels": labels,
             b"data": images.reshape(len(images), -1), b"filenames": [b"%d.png" % i for i in range(len(images))]}
    return pickle.dumps(batch, protocol=2)


def python2_batch_bytes(images: np.ndarray, labels: list[int], *, claimed_rows: int | None = None) -> bytes:
    """The same batch as Python 2's cPickle and numpy 1 wrote the real files (hand-assembled):
    str keys and raw data as 8-bit strings, and numpy.core.multiarray._reconstruct.
    `claimed_rows` makes the array's shape lie about its data."""
    def string(b: bytes) -> bytes:  # SHORT_BINSTRING or BINSTRING: a Python 2 str
        return (b"U" + bytes([len(b)]) if len(b) < 256 else b"T" + struct.pack("<i", len(b))) + b

    def integer(n: int) -> bytes:
        return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + struct.pack("<i", n)

    rows = images.reshape(len(images), -1)
    array = (b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n" + integer(0) + b"\x85"
             + string(b"b") + b"\x87R"
             + b"(" + integer(1) + integer(claimed_rows or rows.shape[0]) + integer(rows.shape[1]) + b"\x86"
             + b"cnumpy\ndtype\n" + string(b"u1") + integer(0) + integer(1) + b"\x87R"
             + b"(" + integer(3) + string(b"|") + b"NNN" + integer(-1) + integer(-1) + integer(0) + b"tb"
             + b"\x89" + string(rows.tobytes()) + b"tb")
    label_list = b"](" + b"".join(integer(v) for v in labels) + b"e"
    return (b"\x80\x02}(" + string(b"data") + array + string(b"labels") + label_list
            + string(b"batch_label") + string(b"python 2 batch") + b"u.")


def fixture_arrays(seed: int = 0, per_batch: int = 4, test: int = 3) -> dict[str, tuple[np.ndarray, list[int]]]:
    """member name -> (images uint8 (n, 3, 32, 32), labels) for the five train batches and the test batch."""
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    return {name: (rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), rng.integers(0, 10, n).tolist())
            for name, n in zip(names, [per_batch] * 5 + [test])}


def write_archive(path: Path, members: dict[str, bytes]) -> Path:
    """A .tar.gz holding `members` under cifar-10-batches-py/."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"{SPEC.folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def write_cifar(folder: Path, arrays=None, *, python2: bool = False) -> Path:
    """A complete fixture `cifar-10-python.tar.gz` in `folder`; returns its path."""
    arrays = arrays or fixture_arrays()
    encode = python2_batch_bytes if python2 else batch_bytes
    members = {name: encode(images, labels) for name, (images, labels) in arrays.items()}
    members["batches.meta"] = pickle.dumps({b"label_names": [c.encode() for c in SPEC.classes]}, protocol=2)
    return write_archive(folder / SPEC.archive.gz_name, members)
