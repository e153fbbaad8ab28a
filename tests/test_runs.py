import pytest
import torch

from gankit.checkpoint import checkpoint_name, save_checkpoint
from gankit.errors import RunError
from gankit.runs import create_run, find_run, latest_checkpoint
from gankit.stats import StatsLog, read_stats


def test_runs_are_numbered_past_the_highest(tmp_path):
    first = create_run(tmp_path, "a")
    (tmp_path / "00007-old").mkdir()
    (tmp_path / "notes").mkdir()
    assert first.name == "00001-a" and (first / "samples").is_dir() and (first / "checkpoints").is_dir()
    assert create_run(tmp_path, "b").name == "00008-b"
    assert find_run("8", tmp_path).name == "00008-b"
    with pytest.raises(RunError, match="not found"):
        find_run("99", tmp_path)


def test_latest_checkpoint_by_step_not_by_name(tmp_path):
    run = create_run(tmp_path, "a")
    with pytest.raises(RunError, match="no checkpoint"):
        latest_checkpoint(run)
    for step in (900, 10_000, 2_000):
        save_checkpoint(run / "checkpoints" / checkpoint_name(step), {"step": step})
    assert latest_checkpoint(run).name == checkpoint_name(10_000)


def test_stats_log_averages_between_flushes(tmp_path):
    log = StatsLog(tmp_path / "stats.jsonl")
    for value in (1.0, 2.0, 6.0):
        log.add({"d_loss": torch.tensor(value)})
    log.flush(step=3)
    log.add({"d_loss": torch.tensor(5.0)})
    log.flush(step=4)
    assert read_stats(tmp_path / "stats.jsonl") == [{"step": 3, "d_loss": 3.0}, {"step": 4, "d_loss": 5.0}]
