"""Numbered run folders: `runs/00001-seed_dcgan_mnist/` holds everything a run produced.

    config.toml        the resolved config
    stats.jsonl        one JSON line per log interval
    samples/           PNG grids from a fixed noise batch, `step-000000500.png`
    checkpoints/       `step-000002000.safetensors`, the most recent few
    .lock              the PID of the process training it, while one does (see `gankit.runlock`)
"""

import re
from pathlib import Path

from .checkpoint import list_checkpoints
from .errors import RunError, WriteError
from .writes import writing

_NUMBERED = re.compile(r"^(\d{5,})-")


def create_run(runs_dir: str | Path, name: str) -> Path:
    """Create and return `runs_dir/NNNNN-name/`, numbered one past the highest existing run.
    `WriteError` if `runs_dir` is a file or cannot be written."""
    runs_dir = Path(runs_dir)
    if runs_dir.exists() and not runs_dir.is_dir():
        raise WriteError(f"train.runs_dir = {runs_dir} is a file, not a folder; choose a folder for the runs")
    with writing(runs_dir, "a run folder (train.runs_dir)"):
        return _numbered_folder(runs_dir, name)


def _numbered_folder(runs_dir: Path, name: str) -> Path:
    runs_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for p in runs_dir.iterdir() if (m := _NUMBERED.match(p.name))]
    number = max(numbers, default=0) + 1
    while True:  # another process may take a number between our listing and mkdir
        run_dir = runs_dir / f"{number:05d}-{name}"
        try:
            run_dir.mkdir()
        except FileExistsError:
            number += 1
            continue
        (run_dir / "samples").mkdir()
        (run_dir / "checkpoints").mkdir()
        return run_dir


def find_run(run: str | Path, runs_dir: str | Path = "runs") -> Path:
    """A run folder from its path, or from its number (`3` or `00003`) under `runs_dir`."""
    path = Path(run)
    if path.is_dir():
        return path
    if str(run).isdigit():
        matches = sorted(Path(runs_dir).glob(f"{int(run):05d}-*"))
        if matches:
            return matches[0]
    raise RunError(f"run '{run}' not found: give a run folder such as runs/00001-seed_dcgan_mnist or its number")


def latest_checkpoint(run_dir: Path) -> Path:
    """The most recent checkpoint of a run folder."""
    found = list_checkpoints(run_dir / "checkpoints")
    if not found:
        raise RunError(f"{run_dir}: no checkpoint in {run_dir / 'checkpoints'}; train longer or pick another run")
    return found[-1]


def resume_hint(run_dir: Path) -> str:
    """How to go on with a run that stopped early: resume it if it has a checkpoint, else start again."""
    found = list_checkpoints(Path(run_dir) / "checkpoints")
    if not found:
        return f"{run_dir} has no checkpoint yet, so start the run again"
    return f"its last checkpoint is {found[-1].name}: continue with gankit train --resume {run_dir}"
