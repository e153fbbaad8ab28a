"""Tiny IDX datasets and a local HTTP mirror for the data tests (no network, milliseconds)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from gankit.data import DatasetSpec, FileSpec, sha256_content, sha256_file, write_idx

NAMES = {  # role -> uncompressed file name, as in MNIST
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
CLASSES = ("zero", "one", "two")


def tiny_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    """role -> array: 6 train and 4 test 5x4 uint8 images, labels in [0, 3)."""
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (6, 5, 4), dtype=np.uint8),
        "train_labels": rng.integers(0, 3, 6, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (4, 5, 4), dtype=np.uint8),
        "test_labels": rng.integers(0, 3, 4, dtype=np.uint8),
    }


def write_tiny(folder: Path, *, compress: bool = True, seed: int = 0) -> dict[str, Path]:
    """Write the tiny dataset's four files into `folder`; role -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    return {role: write_idx(folder / (NAMES[role] + suffix), array)
            for role, array in tiny_arrays(seed).items()}


def tiny_spec(source: Path, *, mirrors: tuple[str, ...] = (),
              system_dirs: tuple[str, ...] = (), embedded: bool = False) -> DatasetSpec:
    """A spec whose pinned hashes are those of the .gz files in `source` (see `write_tiny`)."""
    files = {role: FileSpec(name, gz_sha256=sha256_file(source / f"{name}.gz"),
                            content_sha256=sha256_content(source / f"{name}.gz"))
             for role, name in NAMES.items()}
    return DatasetSpec(title="Tiny", mirrors=mirrors, classes=CLASSES, system_dirs=system_dirs,
                       image_shape=(1, 5, 4), embedded=embedded, **files)  # the shape `write_tiny` writes


class MirrorServer(ThreadingHTTPServer):
    """Serves the files in `root` on 127.0.0.1; `faults` scripts the next responses."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.faults: list[str] = []  # "503" or "cut" (half the body, then close), popped per GET
        self.requests: list[str] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: MirrorServer

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests.append(self.path)
            fault = self.server.faults.pop(0) if self.server.faults else None
        if fault == "503":
            self.send_error(503)
            return
        file = self.server.root / self.path.lstrip("/")
        if not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if fault == "cut" else body)

    def log_message(self, *args) -> None:
        pass  # keep test output clean


def dead_url() -> str:
    """A base URL on a local port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
