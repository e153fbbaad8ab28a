"""Following run folders: only complete lines are read, bad folders get a message."""

import pytest

from gankit.errors import GankitError
from gankit.lab.runs import RunRoom, read_jsonl


def test_a_line_being_written_waits_for_the_next_read(tmp_path):
    path = tmp_path / "stats.jsonl"
    path.write_text('{"step": 1}\n{"step": 2}\n{"step": 3')
    assert read_jsonl(path) == [{"step": 1}, {"step": 2}]
    assert read_jsonl(path, 1) == [{"step": 2}]
    with open(path, "a") as f:
        f.write("}\n")
    assert read_jsonl(path, 2) == [{"step": 3}]
    assert read_jsonl(tmp_path / "absent.jsonl") == []


def test_following_checks_the_folder(tmp_path):
    room = RunRoom()
    with pytest.raises(GankitError, match="no such folder"):
        room.follow(tmp_path / "nowhere")
    with pytest.raises(GankitError, match="not a run folder"):
        room.follow(tmp_path)
    (tmp_path / "stats.jsonl").write_text("")
    assert room.follow(tmp_path) == 0 and room.follow(tmp_path) == 0  # once only
    assert room.runs[0].read(stats_from=0, metrics_from=0, alarms_from=0)["grid_step"] is None


def test_starting_without_the_preset_says_so(tmp_path):
    room = RunRoom(runs_dir=tmp_path / "runs", preset=tmp_path / "missing.toml")
    with pytest.raises(GankitError, match="--preset"):
        room.start()
