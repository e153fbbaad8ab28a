"""Fuzzing read_idx: whatever the bytes, it returns the header's array or raises DataError."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gankit.data import IDX_DTYPES, read_idx, write_idx
from gankit.errors import DataError

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "file-idx-ubyte"


def _read_or_data_error(path: Path, content: bytes) -> np.ndarray | None:
    """read_idx's array, or None after a DataError naming the file; anything else fails."""
    path.write_bytes(content)
    try:
        return read_idx(path)
    except DataError as err:
        assert path.name in str(err) and "\n" not in str(err)
        return None


def _consistent(array: np.ndarray, raw: bytes) -> None:
    """A parsed raw file is exactly header + data: its size and first bytes agree with `array`."""
    assert raw[:2] == b"\x00\x00" and raw[3] == array.ndim >= 1
    assert array.dtype == IDX_DTYPES[raw[2]].newbyteorder("=")
    assert len(raw) == 4 + 4 * array.ndim + array.nbytes
    assert np.frombuffer(raw[4:4 + 4 * array.ndim], ">u4").tolist() == list(array.shape)


@FUZZ
@given(content=st.binary(max_size=300), compress=st.booleans())
def test_arbitrary_bytes(scratch: Path, content: bytes, compress: bool) -> None:
    array = _read_or_data_error(scratch, gzip.compress(content) if compress else content)
    if array is not None:
        _consistent(array, content)


headers = st.builds(
    lambda code, dims, payload: bytes([0, 0, code, len(dims)])
    + np.asarray(dims, ">u4").tobytes() + payload,
    code=st.sampled_from([*IDX_DTYPES, 0x00, 0x07, 0x0A, 0xFF]),
    dims=st.lists(st.integers(0, 6) | st.just(2**32 - 1), max_size=4),
    payload=st.binary(max_size=200),
)


@FUZZ
@given(content=headers)
def test_plausible_headers(scratch: Path, content: bytes) -> None:
    array = _read_or_data_error(scratch, content)
    if array is not None:
        _consistent(array, content)


arrays = st.builds(
    lambda dtype, shape, seed: (np.random.default_rng(seed).random(shape) * 200 - 100)
    .astype(dtype),
    dtype=st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]),
    shape=st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple),
    seed=st.integers(0, 2**16),
)
mutations = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 10_000), st.integers(1, 255)),
        st.tuples(st.just("cut"), st.integers(0, 10_000), st.just(0)),
        st.tuples(st.just("append"), st.integers(1, 8), st.integers(0, 255)),
    ),
    max_size=3,
)


def _mutate(content: bytes, ops) -> bytes:
    data = bytearray(content)
    for op, at, value in ops:
        if op == "flip" and data:
            data[at % len(data)] ^= value
        elif op == "cut":
            del data[at % (len(data) + 1):]
        elif op == "append":
            data += bytes([value]) * at
    return bytes(data)


@FUZZ
@given(array=arrays, compress=st.booleans(), ops=mutations)
def test_mutated_valid_files(scratch: Path, array: np.ndarray, compress: bool, ops) -> None:
    write_idx(scratch, array, compress=compress)
    content = _mutate(scratch.read_bytes(), ops)
    parsed = _read_or_data_error(scratch, content)
    if not ops:
        np.testing.assert_array_equal(parsed, array)
    elif parsed is not None and not compress:
        _consistent(parsed, content)
