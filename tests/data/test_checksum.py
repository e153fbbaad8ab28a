"""Sha256Check accepts the pinned .gz bytes or any file with the pinned uncompressed content."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from gankit.data import Sha256Check, sha256_content, sha256_file

CONTENT = bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"gz": tmp_path / "a.gz", "regz": tmp_path / "b.gz", "raw": tmp_path / "c"}
    paths["gz"].write_bytes(gzip.compress(CONTENT, mtime=0))
    paths["regz"].write_bytes(gzip.compress(CONTENT, compresslevel=1, mtime=12345))
    paths["raw"].write_bytes(CONTENT)
    return paths


def test_hashes(files: dict[str, Path]) -> None:
    content = hashlib.sha256(CONTENT).hexdigest()
    assert sha256_file(files["gz"]) == hashlib.sha256(files["gz"].read_bytes()).hexdigest()
    assert {sha256_content(p) for p in files.values()} == {content}


def test_accepts_pinned_gz_or_content(files: dict[str, Path]) -> None:
    check = Sha256Check(gz_sha256=sha256_file(files["gz"]),
                        content_sha256=hashlib.sha256(CONTENT).hexdigest())
    assert sha256_file(files["regz"]) != check.gz_sha256  # recompressed: other bytes...
    assert all(check(p) for p in files.values())  # ...same content, so accepted


def test_rejects_other_content(files: dict[str, Path], tmp_path: Path) -> None:
    check = Sha256Check(gz_sha256=sha256_file(files["gz"]),
                        content_sha256=hashlib.sha256(CONTENT).hexdigest())
    other = tmp_path / "other.gz"
    other.write_bytes(gzip.compress(CONTENT + b"\x00"))
    corrupt = tmp_path / "corrupt.gz"
    corrupt.write_bytes(files["gz"].read_bytes()[:-3])
    assert not check(other) and not check(corrupt)
    assert sha256_content(corrupt) is None


def test_gz_only_check_ignores_content(files: dict[str, Path]) -> None:
    check = Sha256Check(gz_sha256=sha256_file(files["gz"]), content_sha256=None)
    assert check(files["gz"]) and not check(files["regz"])
    with pytest.raises(ValueError):
        Sha256Check(gz_sha256=None, content_sha256=None)
