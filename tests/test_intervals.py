"""The actions between steps: the training clock, and no checkpoint from non-finite weights."""

import pytest
import torch

from gankit.checkpoint import list_checkpoints
from gankit.config import load_config
from gankit.intervals import Diverged, Intervals, TrainingClock
from gankit.session import open_session


def test_the_clock_leaves_out_what_is_not_training(monkeypatch):
    now = iter([100.0, 101.0, 103.0, 110.0, 111.0])
    monkeypatch.setattr("gankit.intervals.time.perf_counter", lambda: next(now))
    clock = TrainingClock(seconds=5.0, step=10)  # t = 100: 5 s of training before, at step 10
    assert clock.seconds() == 6.0  # t = 101
    assert clock.steps_per_s(14) == 4 / 3  # t = 103: 4 steps in 3 s
    clock.leave_out(5.0)  # an evaluation took 5 s
    assert clock.seconds() == 5.0 + 10.0 - 5.0  # t = 110
    assert clock.steps_per_s(16) == 2 / (111.0 - 103.0 - 5.0)  # t = 111


def test_a_checkpoint_is_never_written_from_non_finite_weights(tiny_mnist, tmp_path):
    cfg = load_config(None, [f"data.dir={tiny_mnist}", f"train.runs_dir={tmp_path / 'runs'}", "train.batch_size=8",
                             "model.width=0.25", "train.threads=1", "train.progress=off"])
    session = open_session(cfg, config_name="nan")
    intervals = Intervals(session, log=lambda line: None)
    intervals.checkpoint(1)
    assert [p.name for p in list_checkpoints(session.run_dir / "checkpoints")] == ["step-000000001.safetensors"]
    with torch.no_grad():
        session.gan.discriminator.dense.bias.fill_(float("nan"))
    with pytest.raises(Diverged, match="non-finite weights at step 2"):
        intervals.checkpoint(2)
    assert [p.name for p in list_checkpoints(session.run_dir / "checkpoints")] == ["step-000000001.safetensors"]
    intervals.stats.close()
