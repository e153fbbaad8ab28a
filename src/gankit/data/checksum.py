"""Checksums for dataset files, compressed or not.

A file is accepted if either its own bytes match the mirrors' pinned .gz hash, or its
uncompressed content matches the pinned content hash. The second rule accepts a file that was
recompressed (other gzip header, level or timestamp) or stored uncompressed, as long as the data
is byte-identical. Where a dataset's authors publish an MD5 (CIFAR-10), `Md5Check` checks it
too, and `AllChecks` requires every check to pass.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gankit.data.idx import GZIP_MAGIC

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file's bytes as stored."""
    with open(path, "rb") as f:
        return _hash_stream(f)


def md5_file(path: Path) -> str:
    """Hex MD5 of the file's bytes as stored (for the hashes dataset authors publish)."""
    with open(path, "rb") as f:
        return _hash_stream(f, hashlib.md5())


def sha256_content(path: Path) -> str | None:
    """Hex SHA-256 of the file's content, gunzipped if it starts with the gzip magic bytes.

    Returns None when the gzip stream is corrupt or truncated (such a file has no content hash).
    """
    with open(path, "rb") as f:
        if f.read(2) != GZIP_MAGIC:
            f.seek(0)
            return _hash_stream(f)
        f.seek(0)
        try:
            with gzip.GzipFile(fileobj=f) as stream:
                return _hash_stream(stream)
        except (EOFError, OSError, zlib.error):
            return None


def _hash_stream(stream: BinaryIO, digest=None) -> str:
    """Hex digest of the rest of `stream` (SHA-256 unless another hashlib `digest` is given)."""
    digest = digest if digest is not None else hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Sha256Check:
    """A `Path -> bool` check: accepts the pinned .gz bytes or the pinned uncompressed content.

    Either hash may be None to skip that rule (not both).
    """

    gz_sha256: str | None  # SHA-256 of the .gz file as the mirrors serve it
    content_sha256: str | None  # SHA-256 of the uncompressed IDX bytes

    def __post_init__(self) -> None:
        if self.gz_sha256 is None and self.content_sha256 is None:
            raise ValueError("Sha256Check needs at least one hash")

    def __call__(self, path: Path) -> bool:
        if self.gz_sha256 is not None and sha256_file(path) == self.gz_sha256:
            return True
        return self.content_sha256 is not None and sha256_content(path) == self.content_sha256


@dataclass(frozen=True)
class Md5Check:
    """A `Path -> bool` check of the file's bytes as stored against a published MD5."""

    md5: str

    def __call__(self, path: Path) -> bool:
        return md5_file(path) == self.md5


@dataclass(frozen=True)
class AllChecks:
    """A `Path -> bool` check that passes when every one of `checks` passes."""

    checks: tuple

    def __call__(self, path: Path) -> bool:
        return all(check(path) for check in self.checks)
