"""One process trains a run at a time: a second `--resume` is one line; stale locks are taken
over; what a killed owner left half-written is cleared; a damaged last log line does not stop
a resume."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gankit
from gankit.cli import main
from gankit.errors import RunError
from gankit.jsonlog import read_records
from gankit.runlock import claim_run

TINY = ["--model.width=0.25", "--train.batch_size=4", "--train.threads=1", "--train.log_every=1",
        "--train.checkpoint_every=2", "--train.sample_every=1000"]


def finished_pid() -> int:
    """The PID of a process that has ended: a stale owner."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_live_owner_keeps_the_run(tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / ".lock").write_text(f"{owner.pid}\n")
        with pytest.raises(RunError, match=f"is being trained by process {owner.pid}"):
            claim_run(tmp_path)
    finally:
        owner.kill()
        owner.wait()


def test_a_stale_lock_is_taken_over_and_half_written_checkpoints_go(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    partial = tmp_path / "checkpoints" / ".step-000000004.safetensors.tmp-12345"
    kept = tmp_path / "checkpoints" / "step-000000002.safetensors"
    partial.write_bytes(b"half")
    kept.write_bytes(b"whole")
    (tmp_path / ".lock").write_text(f"{finished_pid()}\n")
    lock = claim_run(tmp_path)
    assert (tmp_path / ".lock").read_text() == f"{os.getpid()}\n"
    assert not partial.exists() and kept.exists()
    lock.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoints"]


def gankit_process(*args, **popen):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(Path(gankit.__file__).parents[1])}
    env.pop("GANKIT_DATA", None)
    return subprocess.Popen([sys.executable, "-m", "gankit", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **popen)


def test_second_resume_is_refused_and_a_damaged_line_is_cut(shared_tiny_mnist, tmp_path):
    assert main(["train", "--data.dir", str(shared_tiny_mnist), *TINY, "--train.steps=2",
                 f"--train.runs_dir={tmp_path / 'runs'}"]) == 0
    (run,) = (tmp_path / "runs").iterdir()
    first = gankit_process("train", "--resume", run, "--train.steps=100000")
    try:
        deadline = time.time() + 120
        while len(read_records(run / "stats.jsonl")) < 4 and first.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        assert (run / ".lock").read_text() == f"{first.pid}\n"
        second = gankit_process("train", "--resume", run, "--train.steps=100000")
        _, stderr = second.communicate(timeout=120)
        assert second.returncode == 2 and "Traceback" not in stderr, stderr
        (line,) = stderr.strip().splitlines()
        assert line.startswith("gankit: error: ") and f"is being trained by process {first.pid}" in line
    finally:
        first.send_signal(signal.SIGINT)
        stdout, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr
    assert "checkpoint saved" in stdout and not (run / ".lock").exists()
    stopped = read_records(run / "stats.jsonl")[-1]["step"]
    assert [r["step"] for r in read_records(run / "stats.jsonl")] == list(range(1, stopped + 1))  # each once

    with open(run / "stats.jsonl", "ab") as f:  # a full disk in the middle of a line, as the issue found it
        f.write(b'{"step": 41, "images_seen": 2624,')
    resumed = gankit_process("train", "--resume", run, f"--train.steps={stopped + 2}")
    _, stderr = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, stderr
    assert "gankit: warning:" in stderr and "damaged line" in stderr and "Traceback" not in stderr
    assert [r["step"] for r in read_records(run / "stats.jsonl")] == list(range(1, stopped + 3))
