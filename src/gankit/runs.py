"""Numbered run folders: `runs/00001-seed_dcgan_mnist/` holds everything a run produced.

    config.toml        the resolved config
    stats.jsonl        one JSON line per log interval
    samples/           PNG grids from a fixed noise batch, `step-000000500.png`
    checkpoints/       `step-000002000.safetensors`, the most recent few
"""

import re
from pathlib import Path

from .checkpoint import list_checkpoints
from .errors import RunError

_NUMBERED = re.compile(r"^(\d{5,})-")


def create_run(runs_dir: str | Path, name: str) -> Path:
    """Create and return `runs_dir/NNNNN-name/`, numbered one past the highest existing run."""
    runs_dir = Path(runs_dir)
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
