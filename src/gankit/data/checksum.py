"""SHA-256 checks for dataset files, compressed or not.

A file is accepted if either its own bytes match the mirrors' pinned .gz hash, or its
uncompressed content matches the pinned content hash. The second rule accepts a file that was
recompressed (other gzip header, level or timestamp) or stored uncompressed, as long as the data
is byte-identical.
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
        return _sha256_stream(f)


def sha256_content(path: Path) -> str | None:
    """Hex SHA-256 of the file's content, gunzipped if it starts with the gzip magic bytes.

    Returns None when the gzip stream is corrupt or truncated (such a file has no content hash).
    """
    with open(path, "rb") as f:
        if f.read(2) != GZIP_MAGIC:
            f.seek(0)
            return _sha256_stream(f)
        f.seek(0)
        try:
            with gzip.GzipFile(fileobj=f) as stream:
                return _sha256_stream(stream)
        except (EOFError, OSError, zlib.error):
            return None


def _sha256_stream(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
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
