"""Fetch one file from a list of mirrors, verified, atomically (urllib only).

Each mirror is tried in order. A transient failure (reset, a body cut short or stalled after
some bytes, 5xx) is retried with exponential backoff; a lasting one (connection refused, no
DNS, 404, bad URL, a server that sends nothing within `timeout`) or a file that fails its check
(corrupt bytes) moves on to the next mirror at once. The whole download gives up after
`deadline` seconds, so an offline machine whose connections hang rather than fail hears so in
seconds, not minutes. The bytes go to a temporary file beside `dest`, and only a verified,
fsynced file is renamed onto `dest`, so a crash or a bad mirror never leaves a partial file
under the final name. On a terminal a progress bar shows each file's bytes.
"""

from __future__ import annotations

import http.client
import logging
import os
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from tqdm import tqdm

from gankit.errors import DataError

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
_USER_AGENT = "gankit (+https://pypi.org/project/gankit/)"
# HTTP statuses worth retrying on the same mirror; any other 4xx will not fix itself.
_TRANSIENT_HTTP = {408, 425, 429, 500, 502, 503, 504}


class DownloadError(DataError):
    """No mirror served a good copy; `failures` holds one "url: reason" per mirror tried."""

    def __init__(self, message: str, failures: list[str]) -> None:
        super().__init__(message)
        self.failures = failures


class _MirrorError(Exception):
    """One attempt failed; `transient` says whether retrying the same URL may help."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


def download_file(
    urls: Sequence[str],
    dest: str | Path,
    *,
    accept: Callable[[Path], bool],
    retries: int = 3,
    timeout: float = 8.0,
    backoff: float = 0.5,
    deadline: float = 25.0,
) -> Path:
    """Download the first of `urls` that serves a file passing `accept`, to `dest`; return `dest`.

    urls: full URLs of the same file on different mirrors, tried in order.
    accept: check of the downloaded file, e.g. `FileSpec.check()` or `Sha256Check(...)`.
    retries: extra attempts per mirror after a transient failure (0 = one attempt each).
    timeout: seconds a connect or a read may block; a mirror silent that long is skipped.
    backoff: seconds before the first retry, doubled for each next one.
    deadline: seconds after which no new attempt starts (an attempt under way may add `timeout`).

    Each skipped mirror logs one warning line. Raises `DownloadError` (a `DataError`) naming
    every mirror tried and the folder to put the file in by hand when none succeeds.
    """
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataError(f"{dest.parent}: cannot create the folder ({_one_line(err)}); "
                        "make it writable or choose another folder") from None
    failures: list[str] = []
    give_up_at = time.monotonic() + deadline
    for url in urls:
        if time.monotonic() >= give_up_at:
            failures.append(f"{url}: not tried, {deadline:g} s spent on the mirrors before it")
            continue
        reason = _try_mirror(url, dest, accept=accept, retries=retries, timeout=timeout,
                             backoff=backoff, give_up_at=give_up_at)
        if reason is None:
            return dest
        log.warning("%s: skipping mirror %s: %s", dest.name, url, reason)
        failures.append(f"{url}: {reason}")
    tried = "; ".join(failures) or "no mirrors given"
    raise DownloadError(
        f"{dest.name}: could not download from any mirror ({tried}); "
        f"download it by hand and put it in {dest.parent}",
        failures,
    )


def _try_mirror(url: str, dest: Path, *, accept: Callable[[Path], bool], retries: int,
                timeout: float, backoff: float, give_up_at: float) -> str | None:
    """Fetch `url` onto `dest`; None on success, else the reason this mirror was skipped."""
    reason = "not tried"
    for attempt in range(retries + 1):
        if attempt:
            pause = backoff * 2 ** (attempt - 1)
            if time.monotonic() + pause >= give_up_at:
                return f"{reason} (no time left to retry)"
            time.sleep(pause)
        tmp = _temp_file_beside(dest)
        try:
            with tmp.open("wb") as out:
                _fetch(url, out, timeout=timeout)
                out.flush()
                os.fsync(out.fileno())
            if not accept(tmp):
                # A mirror that serves wrong bytes will serve them again: do not retry it.
                return "the file it serves fails the checksum (corrupt or a different file)"
            _replace(tmp, dest)
            return None
        except _MirrorError as err:
            log.info("%s: attempt %d of %d at %s failed: %s",
                     dest.name, attempt + 1, retries + 1, url, err)
            if not err.transient:
                return str(err)
            reason = str(err)
        finally:
            tmp.unlink(missing_ok=True)  # gone already after a successful os.replace
    return reason


def _fetch(url: str, out, *, timeout: float) -> None:
    """Stream the body of `url` into the open binary file `out`, with a progress bar on a terminal."""
    received = 0
    try:
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            promised = response.headers.get("Content-Length")
            with tqdm(total=int(promised) if promised and promised.isdigit() else None, unit="B",
                      unit_scale=True, desc=url.rsplit("/", 1)[-1], disable=None, leave=False) as bar:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as err:
        raise _MirrorError(f"HTTP {err.code} {err.reason}",
                           transient=err.code in _TRANSIENT_HTTP) from None
    except urllib.error.URLError as err:
        # Nothing listening, no DNS (offline), or silence: seconds of backoff will not change that.
        permanent = isinstance(err.reason, (ConnectionRefusedError, socket.gaierror, TimeoutError))
        raise _MirrorError(_one_line(err.reason), transient=not permanent) from None
    except TimeoutError:
        # Silent from the start: a firewall or a dead host; after some bytes: a stall, worth a retry.
        raise _MirrorError(f"no answer within {timeout:g} s", transient=received > 0) from None
    except (OSError, http.client.HTTPException) as err:
        # Resets and a body cut short (IncompleteRead) may not happen again.
        raise _MirrorError(_one_line(err), transient=True) from None
    except ValueError as err:  # malformed URL or unknown scheme
        raise _MirrorError(_one_line(err), transient=False) from None
    # http.client returns a short body without complaint when the server hangs up early.
    if promised is not None and promised.isdigit() and received != int(promised):
        raise _MirrorError(f"connection closed after {received} of {promised} bytes",
                           transient=True)


def _temp_file_beside(dest: Path) -> Path:
    """An empty, uniquely named file in `dest`'s folder (same filesystem, so rename is atomic)."""
    try:
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as err:
        raise DataError(f"{dest.parent}: cannot write there ({_one_line(err)}); "
                        "make it writable or choose another folder") from None
    os.close(fd)
    return Path(name)


def _replace(tmp: Path, dest: Path) -> None:
    """Atomically give the verified `tmp` its final name and make that durable."""
    try:
        os.replace(tmp, dest)
    except OSError as err:
        raise DataError(f"{dest}: cannot move the downloaded file into place "
                        f"({_one_line(err)}); remove whatever is at that path") from None
    _fsync_dir(dest.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; some filesystems cannot open a folder, which is harmless."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _one_line(err: object) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__
