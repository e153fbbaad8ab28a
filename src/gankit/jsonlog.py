"""A run's JSON-lines logs (stats.jsonl, metrics.jsonl, alarms.jsonl), safe against crashes and full disks.

    append_record(path, {"step": 40, "d_loss": 0.61})   # one whole line, or nothing and a WriteError
    read_records(path)                                    # damaged lines skipped, with a warning
    forget_after(run_dir, step)                           # resume (and roll-back): lines past `step` go

Each record is a JSON object with an integer "step"; records are appended in step order. An
append writes the line, flushes and fsyncs it, and on any failure cuts the file back to where it
ended, so a full disk or a read-only folder never leaves half a line. A line cut short anyway (a
kill or a power cut in the middle of a write) is skipped by the reader and cut off by
`forget_after`, with a warning: it never stops a run from resuming.
"""

import json
import logging
import os
from pathlib import Path

from .writes import discard, write_error, writing

log = logging.getLogger(__name__)  # warnings shown by the CLI (see gankit.cli.main)

LOGS = ("stats.jsonl", "metrics.jsonl", "alarms.jsonl")  # a run folder's logs, in `forget_after`
# a roll-back redoes these; alarms.jsonl keeps the alarm that made it roll back (resuming drops all three)
REDONE_BY_ROLL_BACK = ("stats.jsonl", "metrics.jsonl")


def append_record(path: str | Path, record: dict) -> None:
    """Append `record` to `path` as one JSON line, durably (fsync), whole or not at all.

    Raises `WriteError` naming `path` and the fault; the file is then as it was."""
    line = (json.dumps(record) + "\n").encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as err:
        raise write_error(path, err, "a log line") from None
    try:
        end = os.lseek(fd, 0, os.SEEK_END)
        try:
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
        except OSError as err:
            try:
                os.ftruncate(fd, end)  # needs no free space: the half line goes
            except OSError:
                pass
            raise write_error(path, err, "a log line") from None
    finally:
        os.close(fd)


def _parse(line: bytes) -> dict | None:
    """The record on one line (without its newline), or None if the line is damaged."""
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("step"), int) else None


def _lines(path: Path) -> list[tuple[int, int, dict | None]]:
    """(start, end, record or None if damaged) of each non-blank line of `path`; a last line without
    its newline counts as damaged: the write that made it never finished."""
    data, found, start = path.read_bytes(), [], 0
    while start < len(data):
        newline = data.find(b"\n", start)
        end = len(data) if newline < 0 else newline + 1
        body = data[start:end]
        if body.strip():
            found.append((start, end, _parse(body.rstrip(b"\r\n")) if newline >= 0 else None))
        start = end
    return found


def read_records(path: str | Path) -> list[dict]:
    """The records of a JSON-lines log in file order; none if it does not exist yet. Damaged lines
    (cut short, garbled) are skipped with a warning."""
    path = Path(path)
    if not path.exists():
        return []
    lines = _lines(path)
    _warn_damaged(path, [start for start, _, record in lines if record is None], "skipped")
    return [record for _, _, record in lines if record is not None]


def truncate_after(path: str | Path, step: int) -> None:
    """Drop the records of `path` past `step`, and any damaged line (with a warning).

    In the usual case (the kept lines come first) the file is cut in place, which needs no free
    disk space; otherwise it is rewritten atomically. Raises `WriteError` if it cannot be changed."""
    path = Path(path)
    if not path.exists():
        return
    with writing(path, "a log"):
        lines = _lines(path)
        _warn_damaged(path, [start for start, _, record in lines if record is None], "cut")
        kept = [(start, end) for start, end, record in lines if record is not None and record["step"] <= step]
        prefix = kept[-1][1] if kept else 0
        if kept == [(start, end) for start, end, _ in lines[:len(kept)]]:
            if prefix < path.stat().st_size:
                os.truncate(path, prefix)
            return
        data = path.read_bytes()
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            tmp.write_bytes(b"".join(data[start:end] for start, end in kept))
            os.replace(tmp, path)
        finally:
            discard(tmp)


def forget_after(run_dir: str | Path, step: int, *, names: tuple[str, ...] = LOGS) -> None:
    """Drop the records a run wrote after `step` from each of its logs `names`: a resumed run redoes
    them from its checkpoint, a rolled-back one (`REDONE_BY_ROLL_BACK`) from its last good state."""
    for name in names:
        truncate_after(Path(run_dir) / name, step)


def _warn_damaged(path: Path, offsets: list[int], done: str) -> None:
    if offsets:
        log.warning("warning: %s: %s %d damaged line(s) (first at byte %d), left by a crash or a full disk; "
                    "the records before and after are kept", path, done, len(offsets), offsets[0])
