"""What `train.threads = 0` means, and that a seeded command gives the same weights under load."""

import os
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from gankit import accel
from gankit.accel import default_threads
from gankit.config import TrainConfig
from gankit.session import TIMED, set_threads


@pytest.mark.parametrize("env, cores, expected", [
    ({}, 4, (4, "the cores this process may use")),
    ({"LOCAL_WORLD_SIZE": "2"}, 4, (2, "4 cores shared by 2 processes")),
    ({"LOCAL_WORLD_SIZE": "3"}, 2, (1, "2 cores shared by 3 processes")),
    ({"OMP_NUM_THREADS": "3", "LOCAL_WORLD_SIZE": "2"}, 4, (3, "OMP_NUM_THREADS")),
    ({"OMP_NUM_THREADS": "zero"}, 2, (2, "the cores this process may use")),  # unreadable: ignored
])
def test_default_threads_follow_the_environment_not_the_load(monkeypatch, env, cores, expected):
    for name in ("OMP_NUM_THREADS", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(accel, "available_cores", lambda: cores)
    assert default_threads() == expected


def test_set_threads_writes_the_count_into_the_config(monkeypatch, one_thread):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    train = TrainConfig(threads=0)
    assert set_threads(train) == "OMP_NUM_THREADS" and train.threads == 1 and torch.get_num_threads() == 1
    timed = TrainConfig(threads=TIMED)
    set_threads(timed)
    assert timed.threads == TIMED  # left for choose_threads, which needs the networks


def _train(folder, data, env):
    args = ["--train.steps=6", "--train.batch_size=16", "--model.width=0.25", "--train.log_every=3",
            "--train.seed=3", f"--train.runs_dir={folder}", f"--data.dir={data}", "--train.progress=off"]
    done = subprocess.run([sys.executable, "-m", "gankit", "train", *args], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    run = folder / "00001-default"
    return load_file(next((run / "checkpoints").glob("step-*.safetensors"))), (run / "config.toml").read_text()


def test_the_same_seeded_command_gives_the_same_weights_on_a_quiet_and_a_busy_machine(tmp_path, tiny_mnist):
    """With the default threads (no pin), a run beside two busy processes equals a quiet one."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "LOCAL_WORLD_SIZE")}
    quiet, quiet_config = _train(tmp_path / "quiet", tiny_mnist, env)
    spin = "import time\nend = time.time() + 120\nwhile time.time() < end: pass"
    hogs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(2)]
    try:
        busy, busy_config = _train(tmp_path / "busy", tiny_mnist, env)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert busy_config == quiet_config.replace(str(tmp_path / "quiet"), str(tmp_path / "busy"))
    assert quiet.keys() == busy.keys()
    # Python's and NumPy's global generators are seeded by the OS in each process; nothing reads them
    for name in (key for key in quiet if not key.startswith("state.rng.global.")):
        assert torch.equal(quiet[name], busy[name]), name  # bit-identical, not close
