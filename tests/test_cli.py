"""The real CLI path, end to end, in subprocesses, on a tiny dataset written by the test."""

import os
import signal
import subprocess
import sys
import time

import numpy as np

from gankit.stats import read_stats

FAST = ["--model.width=0.25", "--train.log_every=2", "--train.sample_every=2", "--train.checkpoint_every=2", "--train.batch_size=8"]


def gankit(*args, timeout=120):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("GANKIT_DATA", None)
    return subprocess.run([sys.executable, "-m", "gankit", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_dry_run_prints_the_parameter_counts():
    out = gankit("train", "--config", "configs/seed_dcgan_mnist.toml", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "generator: 1,300,801 trainable parameters" in out.stdout
    assert "discriminator: 1,080,577 trainable parameters" in out.stdout
    assert "steps = 40000" in out.stdout


def test_train_then_sample_then_resume(tiny_mnist, tmp_path):
    runs = tmp_path / "runs"
    out = gankit("train", "--config", "configs/seed_dcgan_mnist.toml", "--data.dir", tiny_mnist,
                 f"--train.runs_dir={runs}", "--train.steps=4", *FAST)
    assert out.returncode == 0, out.stderr
    (run,) = runs.iterdir()
    assert run.name == "00001-seed_dcgan_mnist"
    assert (run / "config.toml").read_text().count("steps = 4") == 1
    records = read_stats(run / "stats.jsonl")
    assert [r["step"] for r in records] == [2, 4]
    assert {"step", "images_seen", "d_loss", "g_loss", "d_real", "d_fake", "seconds"} <= set(records[0])
    assert records[1]["images_seen"] == 4 * 8
    assert sorted(p.name for p in (run / "samples").iterdir()) == [f"step-{s:09d}.png" for s in (0, 2, 4)]
    assert sorted(p.name for p in (run / "checkpoints").iterdir())[-1] == "step-000000004.safetensors"

    grid, npz = tmp_path / "grid.png", tmp_path / "fakes.npz"
    out = gankit("sample", "--run", run, "--n", 9, "--out", grid, "--npz", npz)
    assert out.returncode == 0, out.stderr
    fakes = np.load(npz)["images"]
    assert fakes.shape == (9, 28, 28) and fakes.dtype == np.uint8 and grid.stat().st_size > 0

    out = gankit("train", "--resume", run, "--train.steps=6")
    assert out.returncode == 0, out.stderr
    assert [r["step"] for r in read_stats(run / "stats.jsonl")] == [2, 4, 6]
    assert len(list(runs.iterdir())) == 1  # resumed in place


def test_ctrl_c_saves_and_exits_with_130(tiny_mnist, tmp_path):
    """An interrupted run is not a finished one: `gankit train && gankit eval` must not score it."""
    runs = tmp_path / "runs"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "gankit", "train", "--data.dir", str(tiny_mnist),
                             f"--train.runs_dir={runs}", "--train.steps=100000", *FAST],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 60
    while not list(runs.glob("*/stats.jsonl")) and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "checkpoint saved" in stdout and "--resume" in stdout and "Traceback" not in stderr
    (run,) = runs.iterdir()
    last = sorted((run / "checkpoints").iterdir())[-1]
    step = int(last.stem.split("-")[1])
    assert 0 < step < 100000
