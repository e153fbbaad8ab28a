"""Faults on a real file system: a small tmpfs as `runs_dir`, filled at each write point or made
read-only. Every fault ends as one line with exit code 2, and once the fault is gone the run
resumes to its end with weights bit-identical to a run that never met it.

Mounting needs root (CI runs as root); where it is not allowed the tests say so and skip.
"""

import errno
import subprocess

import pytest
import torch

import gankit.images
import gankit.session
import gankit.stats
from gankit.checkpoint import checkpoint_name, load_checkpoint
from gankit.cli import main
from gankit.jsonlog import read_records

TINY = ["--model.width=0.25", "--train.batch_size=4", "--train.threads=1", "--train.log_every=1"]


@pytest.fixture
def disk(tmp_path):
    """A 16 MiB tmpfs, mounted for the test and unmounted after it."""
    path = tmp_path / "disk"
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(path)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root, as in CI): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(folder):
    """Take every free byte of `folder`'s file system with folder/filler; return that file."""
    filler, chunk = folder / "filler", 1 << 20
    with open(filler, "wb", buffering=0) as f:
        while chunk:
            try:
                f.write(b"\0" * chunk)
            except OSError as err:
                assert err.errno == errno.ENOSPC
                chunk //= 2
    return filler


def remount(folder, mode):
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)


def cli(capsys, *args):
    """(exit code, stderr lines) of the CLI run in this process."""
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err.strip().splitlines()


def assert_one_line(code, lines, *fragments):
    assert code == 2 and len(lines) == 1 and lines[0].startswith("gankit: error: "), (code, lines)
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def final_state(run, steps):
    state = load_checkpoint(run / "checkpoints" / checkpoint_name(steps))
    return {key: state[key] for key in ("generator", "discriminator", "g_opt", "d_opt")}


def assert_bit_identical(expected, actual, prefix=""):
    if isinstance(expected, torch.Tensor):
        assert torch.equal(expected, actual), prefix
    elif isinstance(expected, dict):
        assert expected.keys() == actual.keys(), prefix
        for key in expected:
            assert_bit_identical(expected[key], actual[key], f"{prefix}.{key}")
    elif isinstance(expected, list):
        for i, (a, b) in enumerate(zip(expected, actual, strict=True)):
            assert_bit_identical(a, b, f"{prefix}.{i}")
    else:
        assert expected == actual, prefix


# write point -> (module attribute to fill the disk before, its call that meets the full disk,
#                 config, what the error line names)
WRITE_POINTS = {
    # a log line fills a new page only every dozen lines: 19 lines between the fill and the next checkpoint
    "stats line": (gankit.stats, "append_record", 21, ["--train.steps=40", "--train.sample_every=1000",
                                                        "--train.checkpoint_every=20"], "stats.jsonl"),
    "sample grid": (gankit.images, "save_png", 3, ["--train.steps=12", "--train.sample_every=4",
                                                   "--train.checkpoint_every=3"], "step-000000008.png"),
    "checkpoint": (gankit.session, "save_checkpoint", 3, ["--train.steps=12", "--train.sample_every=4",
                                                          "--train.checkpoint_every=3"], "step-000000009.safetensors"),
}


@pytest.mark.parametrize("point", list(WRITE_POINTS))
def test_full_disk_at_each_write_point_then_resume_bit_identical(point, disk, tmp_path, shared_tiny_mnist,
                                                                 capsys, monkeypatch):
    module, name, nth, config, named = WRITE_POINTS[point]
    args = ["train", "--data.dir", shared_tiny_mnist, *TINY, *config]
    steps = int(config[0].split("=")[1])
    assert cli(capsys, *args, f"--train.runs_dir={tmp_path / 'straight'}")[0] == 0
    (straight,) = (tmp_path / "straight").iterdir()

    original, calls, filler = getattr(module, name), [], []

    def fill_first(*a, **k):
        calls.append(1)
        if len(calls) == nth:
            filler.append(fill(disk))
        return original(*a, **k)

    monkeypatch.setattr(module, name, fill_first)
    code, lines = cli(capsys, *args, f"--train.runs_dir={disk / 'runs'}")
    monkeypatch.undo()
    assert_one_line(code, lines, named, "the disk is full", "free some space", "gankit train --resume")
    (run,) = (disk / "runs").iterdir()
    assert all(line.endswith(b"\n") for line in (run / "stats.jsonl").read_bytes().splitlines(keepends=True))

    filler[0].unlink()
    code, lines = cli(capsys, "train", "--resume", run)
    assert code == 0, lines
    assert [r["step"] for r in read_records(run / "stats.jsonl")] == list(range(1, steps + 1))  # each once
    assert_bit_identical(final_state(straight, steps), final_state(run, steps))
    assert not list(run.glob("checkpoints/.*")) and not (run / ".lock").exists()


def test_full_disk_for_sample_and_report(disk, shared_tiny_mnist, capsys):
    assert cli(capsys, "train", "--data.dir", shared_tiny_mnist, *TINY, "--train.steps=2",
               f"--train.runs_dir={disk / 'runs'}")[0] == 0
    (run,) = (disk / "runs").iterdir()
    filler = fill(disk)
    assert_one_line(*cli(capsys, "sample", "--run", run, "--out", disk / "grid.png"), "grid.png", "the disk is full")
    assert not (disk / "grid.png").exists()
    assert_one_line(*cli(capsys, "sample", "--run", run, "--out", disk / "grid.png", "--npz", disk / "x.npz"),
                    "the disk is full")
    assert not (disk / "x.npz").exists()
    assert_one_line(*cli(capsys, "report", run), "the disk is full")
    assert not (run / "report.html").exists()
    filler.unlink()
    assert cli(capsys, "report", run)[0] == 0
    assert (run / "report.html").stat().st_size > 0


def test_read_only_runs_dir(disk, shared_tiny_mnist, capsys):
    args = ["train", "--data.dir", shared_tiny_mnist, *TINY, "--train.checkpoint_every=2",
            f"--train.runs_dir={disk / 'runs'}"]
    assert cli(capsys, *args, "--train.steps=2")[0] == 0
    (run,) = (disk / "runs").iterdir()
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    remount(disk, "ro")
    try:
        assert_one_line(*cli(capsys, *args, "--train.steps=2"), "read-only")  # a new run
        assert_one_line(*cli(capsys, "train", "--resume", run, "--train.steps=4"), "read-only")
        assert_one_line(*cli(capsys, "report", run), "read-only")
        assert_one_line(*cli(capsys, "sample", "--run", run, "--out", disk / "grid.png"), "read-only")
    finally:
        remount(disk, "rw")
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before  # nothing lost, nothing half-written
    assert cli(capsys, "train", "--resume", run, "--train.steps=4")[0] == 0
    assert [r["step"] for r in read_records(run / "stats.jsonl")] == [1, 2, 3, 4]
