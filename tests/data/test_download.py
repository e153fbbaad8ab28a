"""download_file against real local HTTP mirrors: down, corrupt, flaky and good ones."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import pytest

from gankit.data import DownloadError, Sha256Check, download_file, sha256_content, sha256_file
from gankit.errors import DataError

from .helpers import NAMES, dead_url, write_tiny

NAME = NAMES["train_images"] + ".gz"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A mirror folder with the tiny dataset's .gz files."""
    write_tiny(tmp_path / "good")
    return tmp_path / "good"


@pytest.fixture
def corrupt(tmp_path: Path, good: Path) -> Path:
    """A mirror folder whose train-images file has one flipped byte."""
    data = bytearray((good / NAME).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / NAME).write_bytes(data)
    return tmp_path / "bad"


@pytest.fixture
def check(good: Path) -> Sha256Check:
    return Sha256Check(gz_sha256=sha256_file(good / NAME),
                       content_sha256=sha256_content(good / NAME))


def _fetch(bases: list[str], dest: Path, check: Sha256Check, **kwargs) -> Path:
    kwargs.setdefault("backoff", 0.0)
    kwargs.setdefault("timeout", 5.0)
    return download_file([base + NAME for base in bases], dest, accept=check, **kwargs)


def test_down_mirror_then_good(tmp_path, good, check, serve, caplog) -> None:
    down = dead_url()
    with caplog.at_level(logging.WARNING, logger="gankit.data.download"):
        dest = _fetch([down, serve(good).url], tmp_path / "out" / NAME, check)
    assert dest.read_bytes() == (good / NAME).read_bytes()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and down in warnings[0]
    assert sorted(p.name for p in dest.parent.iterdir()) == [NAME]  # no temp file left


def test_corrupt_mirror_then_good(tmp_path, good, corrupt, check, serve) -> None:
    bad_server = serve(corrupt)
    dest = _fetch([bad_server.url, serve(good).url], tmp_path / "out" / NAME, check)
    assert check(dest) and sha256_file(dest) == sha256_file(good / NAME)
    assert len(bad_server.requests) == 1  # a checksum mismatch is not retried
    assert sorted(p.name for p in dest.parent.iterdir()) == [NAME]


def test_missing_on_mirror_then_good(tmp_path, good, check, serve) -> None:
    empty = serve(tmp_path)  # 404 for NAME: permanent, not retried
    dest = _fetch([empty.url, serve(good).url], tmp_path / "out" / NAME, check, retries=3)
    assert check(dest) and len(empty.requests) == 1


@pytest.mark.parametrize("fault", ["503", "cut"])
def test_transient_fault_is_retried(tmp_path, good, check, serve, fault) -> None:
    server = serve(good)
    server.faults = [fault, fault]
    dest = _fetch([server.url], tmp_path / "out" / NAME, check, retries=2)
    assert check(dest) and len(server.requests) == 3


def test_retries_run_out(tmp_path, good, check, serve) -> None:
    server = serve(good)
    server.faults = ["503"] * 5
    with pytest.raises(DataError, match="HTTP 503"):
        _fetch([server.url], tmp_path / "out" / NAME, check, retries=1)
    assert len(server.requests) == 2


def test_all_mirrors_bad(tmp_path, good, corrupt, check, serve) -> None:
    dest = tmp_path / "out" / NAME
    bases = [dead_url(), serve(corrupt).url, serve(tmp_path / "nothing").url]
    with pytest.raises(DownloadError) as err:
        _fetch(bases, dest, check)
    message = str(err.value)
    assert "\n" not in message and NAME in message and str(dest.parent) in message
    assert all(base in message for base in bases) and len(err.value.failures) == 3
    assert list(dest.parent.iterdir()) == []  # neither the final name nor a temp file


def test_existing_file_replaced_only_when_verified(tmp_path, corrupt, check, serve) -> None:
    dest = tmp_path / NAME
    dest.write_bytes(b"old")
    with pytest.raises(DataError):
        _fetch([serve(corrupt).url], dest, check)
    assert dest.read_bytes() == b"old"


def test_bad_url_and_no_mirrors(tmp_path, check) -> None:
    with pytest.raises(DataError, match="unknown url type"):
        download_file(["nonsense"], tmp_path / NAME, accept=check)
    with pytest.raises(DataError, match="no mirrors"):
        download_file([], tmp_path / NAME, accept=check)


@pytest.fixture
def silent_url():
    """A base URL whose server accepts connections (the kernel's backlog does) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"


def test_silent_mirrors_give_up_within_seconds_with_one_line(tmp_path, check, silent_url) -> None:
    start = time.monotonic()
    with pytest.raises(DownloadError) as err:  # the defaults: what a user's first run gets
        download_file([silent_url + NAME, silent_url + "again/" + NAME], tmp_path / NAME, accept=check)
    assert time.monotonic() - start < 30  # two mirrors x one 8 s attempt each, no retries of silence
    message = str(err.value)
    assert "\n" not in message and "no answer within 8 s" in message and str(tmp_path) in message


def test_no_mirror_is_tried_past_the_deadline(tmp_path, check, silent_url) -> None:
    start = time.monotonic()
    with pytest.raises(DownloadError, match="not tried"):
        download_file([silent_url + NAME, silent_url + NAME], tmp_path / NAME, accept=check,
                      timeout=1.0, deadline=0.5)
    assert time.monotonic() - start < 5
