"""read_idx / write_idx: round trips, the on-disk format, and one DataError per fault."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from gankit.data import read_idx, write_idx
from gankit.errors import DataError

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


def _sample(dtype, shape=(3, 4, 2)) -> np.ndarray:
    values = np.arange(np.prod(shape)).reshape(shape) * 37 - 50
    return values.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip(tmp_path: Path, dtype, compress: bool) -> None:
    array = _sample(dtype)
    path = write_idx(tmp_path / "a.idx", array, compress=compress)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    assert out.flags.writeable
    np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize("shape", [(0,), (7,), (2, 0, 3), (1, 1, 1, 1, 2)])
def test_round_trip_shapes(tmp_path: Path, shape) -> None:
    array = _sample(np.uint8, shape)
    assert read_idx(write_idx(tmp_path / "a.gz", array)).shape == shape


def test_format_is_big_endian_idx(tmp_path: Path) -> None:
    # Written by hand from the IDX spec, so the reader is not only checked against the writer.
    raw = bytes([0, 0, 0x0B, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE])
    (tmp_path / "h").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "h"), np.array([[258, -2]], np.int16))
    write_idx(tmp_path / "w", np.array([[258, -2]], np.int16))
    assert (tmp_path / "w").read_bytes() == raw


def test_gzip_found_by_magic_not_name(tmp_path: Path) -> None:
    array = _sample(np.uint8)
    gz_named_raw = write_idx(tmp_path / "raw.gz", array, compress=False)
    raw_named_gz = write_idx(tmp_path / "plain", array, compress=True)
    np.testing.assert_array_equal(read_idx(gz_named_raw), array)
    np.testing.assert_array_equal(read_idx(raw_named_gz), array)


def test_write_rejects_what_idx_cannot_hold(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_idx(tmp_path / "x", np.zeros(3, np.uint16))
    with pytest.raises(ValueError):
        write_idx(tmp_path / "x", np.array(1, np.uint8))


VALID = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(6))

# name -> (bytes of the uncompressed file, words the message must contain)
FAULTS = {
    "bad_magic": (b"\x01\x02" + VALID[2:], "not an IDX file"),
    "text_file": (b"hello world\n", "not an IDX file"),
    "dtype_code": (VALID[:2] + b"\x07" + VALID[3:], "dtype code 0x07"),
    "zero_dims": (bytes([0, 0, 8, 0]), "0 dimensions"),
    "empty": (b"", "truncated header"),
    "short_magic": (b"\x00\x00\x08", "truncated header"),
    "short_dims": (VALID[:9], "truncated header"),
    "truncated_data": (VALID[:-1], "truncated: expected 6 bytes of data"),
    "no_data": (VALID[:12], "found 0"),
    "trailing": (VALID + b"\x00\x00", "2 unexpected bytes"),
    "big_claim": (bytes([0, 0, 0x0E, 1]) + b"\xff" * 4, "expected 34359738360 bytes"),
    "huge_claim": (bytes([0, 0, 0x0E, 3]) + b"\xff" * 12, "too large"),
}


def _assert_one_line_naming(err: pytest.ExceptionInfo, path: Path, *words: str) -> None:
    message = str(err.value)
    assert path.name in message and "\n" not in message
    for word in words:
        assert word in message
    # No zlib/EOFError chained underneath: the CLI shows this line and nothing else.
    assert err.value.__cause__ is None
    assert err.value.__context__ is None or err.value.__suppress_context__


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("fault", FAULTS)
def test_fault_raises_data_error(tmp_path: Path, fault: str, compress: bool) -> None:
    content, words = FAULTS[fault]
    path = tmp_path / f"{fault}-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(DataError) as err:
        read_idx(path)
    _assert_one_line_naming(err, path, words)


def test_corrupt_gzip(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(VALID * 50))
    packed[len(packed) // 2] ^= 0xFF
    path = tmp_path / "corrupt.gz"
    path.write_bytes(packed)
    with pytest.raises(DataError) as err:
        read_idx(path)
    _assert_one_line_naming(err, path, "gzip", "download again")


def test_bad_crc(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(VALID))
    packed[-8] ^= 0x01  # the CRC32 in the trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(packed)
    with pytest.raises(DataError) as err:
        read_idx(path)
    _assert_one_line_naming(err, path, "corrupt gzip")


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(VALID * 50)[:-10])
    with pytest.raises(DataError) as err:
        read_idx(path)
    _assert_one_line_naming(err, path, "truncated gzip")


def test_garbage_after_gzip_member(tmp_path: Path) -> None:
    path = tmp_path / "tail.gz"
    path.write_bytes(gzip.compress(VALID) + b"junk")
    with pytest.raises(DataError) as err:
        read_idx(path)
    _assert_one_line_naming(err, path, "gzip")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        read_idx(tmp_path / "absent.gz")
    _assert_one_line_naming(err, tmp_path / "absent.gz", "not found")
    with pytest.raises(DataError) as err:
        read_idx(tmp_path)
    _assert_one_line_naming(err, tmp_path, "cannot read")
