"""A run's logs survive crashes and full disks: whole lines or nothing, damaged lines cut with a warning."""

import errno
import json
import logging
import os

import pytest

from gankit.errors import WriteError
from gankit.jsonlog import append_record, forget_after, read_records, truncate_after


def lines(path):
    return path.read_bytes().splitlines(keepends=True)


def test_append_writes_whole_lines(tmp_path):
    path = tmp_path / "stats.jsonl"
    for step in (1, 2):
        append_record(path, {"step": step, "d_loss": 0.5})
    assert path.read_text() == '{"step": 1, "d_loss": 0.5}\n{"step": 2, "d_loss": 0.5}\n'


def test_a_failed_append_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "stats.jsonl"
    append_record(path, {"step": 1})
    before = path.read_bytes()
    real_write = os.write

    def half_then_full(fd, data):  # half the line goes down, then the disk is full
        if len(data) > 4:
            return real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(WriteError, match=r"stats.jsonl: could not write a log line: the disk is full; free some space"):
        append_record(path, {"step": 2, "images_seen": 2624, "d_loss": 0.25})
    monkeypatch.undo()
    assert path.read_bytes() == before


@pytest.mark.parametrize("tail", [b'{"step": 3, "images_seen": 2624,', b"\xff\xfe\x00garbage", b'{"step": 3}'])
def test_a_damaged_last_line_is_skipped_then_cut_with_a_warning(tmp_path, caplog, tail):
    path = tmp_path / "stats.jsonl"
    for step in (1, 2):
        append_record(path, {"step": step})
    path.write_bytes(path.read_bytes() + tail)  # cut short: no newline, whatever the bytes
    with caplog.at_level(logging.WARNING, logger="gankit.jsonlog"):
        assert read_records(path) == [{"step": 1}, {"step": 2}]
        truncate_after(path, 10)
    assert "damaged line" in caplog.text and "skipped" in caplog.text and "cut" in caplog.text
    assert read_records(path) == [{"step": 1}, {"step": 2}]
    append_record(path, {"step": 3})
    assert [r["step"] for r in read_records(path)] == [1, 2, 3]


def test_truncate_after_drops_later_steps_in_place(tmp_path):
    for name in ("stats.jsonl", "metrics.jsonl", "alarms.jsonl"):
        for step in (2, 4, 6):
            append_record(tmp_path / name, {"step": step})
    forget_after(tmp_path, 4)
    for name in ("stats.jsonl", "metrics.jsonl", "alarms.jsonl"):
        assert [r["step"] for r in read_records(tmp_path / name)] == [2, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alarms.jsonl", "metrics.jsonl", "stats.jsonl"]  # no .tmp


def test_a_damaged_line_in_the_middle_is_cut_and_the_rest_kept(tmp_path, caplog):
    path = tmp_path / "stats.jsonl"
    path.write_bytes(b'{"step": 1}\nnot json\n{"step": 2}\n{"step": 3}\n')
    with caplog.at_level(logging.WARNING, logger="gankit.jsonlog"):
        truncate_after(path, 2)
    assert "damaged" in caplog.text
    assert [json.loads(line) for line in lines(path)] == [{"step": 1}, {"step": 2}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stats.jsonl"]


def test_missing_logs_read_as_empty(tmp_path):
    assert read_records(tmp_path / "metrics.jsonl") == []
    truncate_after(tmp_path / "metrics.jsonl", 0)
    assert not (tmp_path / "metrics.jsonl").exists()
