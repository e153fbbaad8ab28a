"""Fixtures for the data tests: local HTTP mirrors and a clean environment."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .helpers import MirrorServer


@pytest.fixture
def serve() -> Iterator[Callable[[Path], MirrorServer]]:
    """serve(root) starts a mirror of `root` in a thread; all are stopped after the test."""
    servers: list[MirrorServer] = []

    def start(root: Path) -> MirrorServer:
        server = MirrorServer(root)
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No GANKIT_DATA, and a cache root of its own; returns that cache root."""
    cache = tmp_path / "cache"
    monkeypatch.delenv("GANKIT_DATA", raising=False)
    monkeypatch.setenv("GANKIT_CACHE", str(cache))
    return cache
