"""Exact resume: a run SIGKILLed at a random moment after its step-N checkpoint and resumed
ends at step 2N with weights bit-identical to a run that trained 2N steps straight."""

import os
import random
import signal
import subprocess
import sys
import time

import torch

from gankit.checkpoint import checkpoint_name, load_checkpoint
from gankit.stats import read_stats

N = 6
ARGS = ["--train.batch_size=8", "--train.threads=1", f"--train.steps={2 * N}", f"--train.checkpoint_every={N}",
        "--train.log_every=3", "--train.sample_every=100", "--train.keep_checkpoints=5"]


def command(*args):
    return [sys.executable, "-m", "gankit", "train", *map(str, args)]


def env():
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def final_weights(run):
    state = load_checkpoint(run / "checkpoints" / checkpoint_name(2 * N))
    return {**{f"g.{k}": v for k, v in state["generator"].items()},
            **{f"d.{k}": v for k, v in state["discriminator"].items()}}, state


def test_sigkill_then_resume_is_bit_identical(tiny_mnist, tmp_path):
    straight = subprocess.run(command("--data.dir", tiny_mnist, f"--train.runs_dir={tmp_path / 'a'}", *ARGS),
                              capture_output=True, text=True, env=env(), timeout=300)
    assert straight.returncode == 0, straight.stderr

    proc = subprocess.Popen(command("--data.dir", tiny_mnist, f"--train.runs_dir={tmp_path / 'b'}", *ARGS),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env())
    first = tmp_path / "b" / "00001-default" / "checkpoints" / checkpoint_name(N)
    deadline = time.time() + 120
    while not first.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert first.exists(), "the step-N checkpoint never appeared"
    time.sleep(random.uniform(0.0, 0.5))  # a random moment after step N
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    run = first.parent.parent
    assert not (run / "checkpoints" / checkpoint_name(2 * N)).exists()

    resumed = subprocess.run(command("--resume", run), capture_output=True, text=True, env=env(), timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    expected, expected_state = final_weights(tmp_path / "a" / "00001-default")
    actual, actual_state = final_weights(run)
    assert expected.keys() == actual.keys()
    for name in expected:
        assert torch.equal(expected[name], actual[name]), name  # bit-identical, not merely close
    for opt in ("g_opt", "d_opt"):
        for index, slots in expected_state[opt]["state"].items():
            for slot, value in slots.items():
                assert torch.equal(value, actual_state[opt]["state"][index][slot]), (opt, index, slot)
    assert [r["step"] for r in read_stats(run / "stats.jsonl")] == [3, 6, 9, 12]  # no line twice
