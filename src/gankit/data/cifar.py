"""CIFAR-10's python-version batches, read from the tar archive without running pickle code.

Each batch file (`cifar-10-batches-py/data_batch_1`, ...) is a pickle, written by Python 2
with protocol 2, of a dict: b"data" a uint8 numpy array (N, 3072) whose rows hold the R, G and
B planes of a 32 x 32 image, row-major; b"labels" a list of N ints in [0, 10); b"batch_label"
and b"filenames" bytes. `pickle.load` on such a file would import and call whatever the file
names, so a tampered archive could run code. Here the unpickler resolves only five names, and
to stand-ins written here, never to numpy's or Python's own functions:

    numpy.core.multiarray._reconstruct     (numpy._core... when numpy 2 wrote the file)
    numpy.ndarray, numpy.dtype             -> objects that only record their arguments/state
    _codecs.encode                         -> str.encode("latin-1") (how Python 3 writes bytes
                                              at protocol 2)

Any other global (os.system, builtins.eval, ...) stops the read with a `DataError`. After
loading, the recorded array state must be a uint8 (N, 3072) buffer of exactly N * 3072 bytes,
which becomes a numpy array by `np.frombuffer`. Members are read straight from the archive;
nothing is extracted to disk, so member paths cannot escape the folder.
"""

from __future__ import annotations

import io
import math
import pickle
import tarfile
import zlib
from pathlib import Path

import numpy as np

from gankit.data.registry import CifarSpec
from gankit.errors import DataError

MAX_MEMBER_BYTES = 64 << 20  # a real batch is 31 MB; anything far larger is not a batch
_FIX = "delete the archive and download it again"


def read_cifar_split(archive: Path, spec: CifarSpec, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 3, 32, 32), labels int64 (N,)) of `split`, all its batches in order.

    `archive` is the .tar.gz (or an uncompressed .tar). `DataError` for an unreadable archive,
    a missing batch, or a batch that is not a plain CIFAR batch.
    """
    images, labels = [], []
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member_name in spec.split_members(split):
                data = _read_member(tar, member_name, archive)
                where = f"{archive}: {member_name}"
                batch_images, batch_labels = parse_batch(data, where=where, image_shape=spec.image_shape,
                                                         num_classes=len(spec.classes))
                images.append(batch_images)
                labels.append(batch_labels)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as err:
        raise DataError(f"{archive}: cannot read the archive ({_one_line(err)}); {_FIX}") from None
    return np.concatenate(images), np.concatenate(labels)


def _read_member(tar: tarfile.TarFile, name: str, archive: Path) -> bytes:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise DataError(f"{archive}: {name} not found in the archive; is it the python "
                        f"version of the dataset? {_FIX}") from None
    if not member.isfile() or member.size > MAX_MEMBER_BYTES:
        raise DataError(f"{archive}: {name} is not a batch file (a {member.size}-byte "
                        f"{'file' if member.isfile() else 'link or folder'}); {_FIX}")
    return tar.extractfile(member).read()


def parse_batch(data: bytes, *, where: str, image_shape: tuple[int, int, int] = (3, 32, 32),
                num_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """One pickled batch -> (images uint8 (N, C, H, W), labels int64 (N,)), never running its code.

    `where` names the batch in error messages.
    """
    try:
        batch = _BatchUnpickler(io.BytesIO(data), encoding="bytes").load()
    except _Refused as err:
        raise DataError(f"{where}: refused to unpickle {err}: a CIFAR batch holds only a "
                        "uint8 array, lists and bytes, so this file is not one (corrupt, or "
                        f"crafted to run code); {_FIX}") from None
    except Exception as err:  # noqa: BLE001 - a damaged pickle fails in many ways
        raise DataError(f"{where}: not a readable pickle ({_one_line(err)}); {_FIX}") from None
    if not isinstance(batch, dict):
        raise DataError(f"{where}: holds a {type(batch).__name__}, not a dict; {_FIX}")
    fields = {_key(k): v for k, v in batch.items()}
    if "data" not in fields or "labels" not in fields:
        raise DataError(f"{where}: no 'data' and 'labels' entries (found {sorted(fields)}); {_FIX}")
    rows = _uint8_array(fields["data"], where)
    size = math.prod(image_shape)
    if rows.ndim != 2 or rows.shape[1] != size:
        raise DataError(f"{where}: 'data' has shape {rows.shape}, expected (N, {size}); {_FIX}")
    labels = _labels(fields["labels"], len(rows), num_classes, where)
    return rows.reshape(len(rows), *image_shape), labels


def _key(key) -> str:
    return key.decode("latin-1") if isinstance(key, bytes) else str(key)


def _uint8_array(obj, where: str) -> np.ndarray:
    """The array recorded by the stand-ins, checked: uint8, and exactly as many bytes as its shape."""
    state = obj.state if isinstance(obj, _ArrayStub) else None
    if not (isinstance(state, tuple) and len(state) == 5):
        raise DataError(f"{where}: 'data' is not a numpy array; {_FIX}")
    _version, shape, dtype, fortran, raw = state
    if not isinstance(dtype, _DtypeStub) or dtype.code not in ("u1", b"u1", "|u1", b"|u1"):
        code = dtype.code if isinstance(dtype, _DtypeStub) else type(dtype).__name__
        raise DataError(f"{where}: 'data' has dtype {code!r}, expected uint8; {_FIX}")
    if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)):
        raise DataError(f"{where}: 'data' has a malformed shape {shape!r}; {_FIX}")
    if not isinstance(raw, bytes) or len(raw) != math.prod(shape):
        got = len(raw) if isinstance(raw, bytes) else type(raw).__name__
        raise DataError(f"{where}: 'data' claims shape {shape} but holds {got} bytes; {_FIX}")
    return np.frombuffer(raw, np.uint8).reshape(shape, order="F" if fortran else "C")


def _labels(obj, count: int, num_classes: int, where: str) -> np.ndarray:
    if not isinstance(obj, list) or not all(type(v) is int for v in obj):
        raise DataError(f"{where}: 'labels' is not a list of ints; {_FIX}")
    if len(obj) != count:
        raise DataError(f"{where}: {count} images but {len(obj)} labels; {_FIX}")
    labels = np.asarray(obj, dtype=np.int64)
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if bad.size:
        raise DataError(f"{where}: label {labels[bad[0]]} at index {bad[0]} is outside "
                        f"[0, {num_classes}); {_FIX}")
    return labels


class _Refused(Exception):
    """The pickle names a global that a CIFAR batch never needs."""


class _ArrayStub:
    """Stands in for a numpy array while unpickling: keeps the state numpy would restore,
    (version, shape, dtype, is_fortran, raw bytes), and does nothing with it."""

    state = None

    def __setstate__(self, state) -> None:
        self.state = state


class _DtypeStub:
    """Stands in for numpy.dtype(code, align, copy): keeps the type code only."""

    def __init__(self, code, align=False, copy=False) -> None:
        self.code = code

    def __setstate__(self, state) -> None:
        pass  # byte order and flags; a uint8 has no byte order


_NDARRAY = object()  # what `numpy.ndarray` resolves to: only a token for _reconstruct


def _reconstruct(cls, shape, typecode) -> _ArrayStub:
    if cls is not _NDARRAY:
        raise _Refused("numpy _reconstruct of a class other than ndarray")
    return _ArrayStub()


def _latin1_encode(text, encoding="utf-8") -> bytes:
    """`_codecs.encode(text, "latin1")`: how Python 3 pickles bytes at protocol 2."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _Refused(f"_codecs.encode with {type(text).__name__}, {encoding!r}")
    return text.encode("latin-1")


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DtypeStub,
    ("_codecs", "encode"): _latin1_encode,
}


class _BatchUnpickler(pickle.Unpickler):
    """An unpickler that resolves only `_ALLOWED` names, each to a harmless stand-in."""

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise _Refused(f"{module}.{name}") from None

    def persistent_load(self, pid):
        raise _Refused("a persistent id")


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__
