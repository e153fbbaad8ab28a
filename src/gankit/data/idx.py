"""Read and write IDX files, the format of MNIST and Fashion-MNIST (LeCun et al., 1998).

An IDX file is a header and then a dense big-endian array:

    bytes 0-1   0x00 0x00
    byte  2     dtype code (see `IDX_DTYPES`)
    byte  3     number of dimensions, ndim >= 1
    4 * ndim    each dimension as a big-endian uint32
    rest        prod(dims) items, big-endian, C order

The file may be gzip-compressed; gzip is detected by its magic bytes, not by the name. Every
fault (wrong magic, unknown dtype, truncated or trailing data, corrupt gzip) raises `DataError`
with one line naming the file, so that no zlib/EOFError traceback ever reaches a user.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from gankit.errors import DataError

# IDX dtype code -> numpy dtype as stored on disk (big-endian).
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),  # unsigned byte
    0x09: np.dtype(">i1"),  # signed byte
    0x0B: np.dtype(">i2"),  # short
    0x0C: np.dtype(">i4"),  # int
    0x0D: np.dtype(">f4"),  # float
    0x0E: np.dtype(">f8"),  # double
}

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20  # read in 1 MiB steps: a header that claims 4 GiB must not allocate 4 GiB
_FIX = "delete it and download again"
_MAX_BYTES = np.iinfo(np.intp).max


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (raw or gzip) into a native-endian, writable array of the header's shape.

    Raises `DataError` naming `path` for a missing or unreadable file, a bad header, data
    shorter or longer than the header says, or a corrupt gzip stream.
    """
    path = Path(path)
    try:
        with path.open("rb") as raw:
            is_gzip = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            if is_gzip:
                with gzip.GzipFile(fileobj=raw) as stream:
                    return _read_stream(stream, path)
            return _read_stream(raw, path)
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; check the path or download the dataset") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        # EOFError: the gzip stream stops before its end marker, i.e. a cut-off download.
        fault = "truncated gzip stream" if isinstance(err, EOFError) else "corrupt gzip stream"
        raise DataError(f"{path}: {fault} ({_one_line(err)}); {_FIX}") from None
    except OSError as err:
        raise DataError(
            f"{path}: cannot read ({_one_line(err)}); check it is a readable file"
        ) from None


def _read_stream(stream: BinaryIO, path: Path) -> np.ndarray:
    """Parse header and data from an open binary stream (raw or decompressed)."""
    magic = _read_upto(stream, 4)
    if len(magic) < 4:
        raise DataError(f"{path}: truncated header: {len(magic)} of 4 magic bytes; {_FIX}")
    if magic[:2] != b"\x00\x00":
        raise DataError(
            f"{path}: not an IDX file (magic bytes {magic.hex()}, expected 0000xxxx); {_FIX}"
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise DataError(f"{path}: unknown IDX dtype code 0x{code:02X} (known: {known}); {_FIX}")
    if ndim == 0:
        raise DataError(f"{path}: IDX header has 0 dimensions, expected at least 1; {_FIX}")
    dims_raw = _read_upto(stream, 4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise DataError(
            f"{path}: truncated header: {len(dims_raw)} of {4 * ndim} dimension bytes; {_FIX}"
        )
    shape = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=">u4"))
    dtype = IDX_DTYPES[code]
    if math.prod(max(d, 1) for d in shape) * dtype.itemsize > _MAX_BYTES:
        # numpy refuses such a shape even with a 0 in it; no real file comes near this.
        raise DataError(f"{path}: IDX header claims shape {shape}, too large for any array; {_FIX}")
    expected = math.prod(shape) * dtype.itemsize
    data = _read_upto(stream, expected)
    if len(data) < expected:
        raise DataError(
            f"{path}: truncated: expected {expected} bytes of data for shape {shape}, "
            f"found {len(data)}; {_FIX}"
        )
    extra = _count_rest(stream)
    if extra:
        raise DataError(
            f"{path}: {extra} unexpected bytes after the {expected} bytes of data for shape "
            f"{shape}; {_FIX}"
        )
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    # Native byte order for torch; `data` is a bytearray, so uint8 stays writable with no copy.
    return array.astype(dtype.newbyteorder("="), copy=False)


def _read_upto(stream: BinaryIO, size: int) -> bytearray:
    """Read `size` bytes, or fewer if the stream ends first, without trusting `size`."""
    out = bytearray()
    while len(out) < size:
        chunk = stream.read(min(_CHUNK, size - len(out)))
        if not chunk:
            break
        out += chunk
    return out


def _count_rest(stream: BinaryIO) -> int:
    """Bytes left in the stream (reading a gzip stream to its end also checks its CRC)."""
    count = 0
    while chunk := stream.read(_CHUNK):
        count += len(chunk)
    return count


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool | None = None) -> Path:
    """Write `array` as an IDX file; gzip it if `compress` (default: `path` ends in ".gz").

    For fixtures and fake datasets. The gzip header has mtime 0, so equal arrays give equal
    bytes. Raises ValueError for a dtype IDX cannot hold or a 0-d array.
    """
    path = Path(path)
    array = np.asarray(array)
    codes = {(dt.kind, dt.itemsize): code for code, dt in IDX_DTYPES.items()}
    key = (array.dtype.kind, array.dtype.itemsize)
    if key not in codes or array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX cannot hold a {array.ndim}-d {array.dtype} array")
    code = codes[key]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)
    return path
