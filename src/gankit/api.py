"""gankit from Python: train a run and look at what it made, as the command line does.

    import gankit
    run = gankit.train("configs/fast.toml", {"train.steps": 500})   # a Run: the run folder
    run.grids()[-1]          # the last fixed-noise grid, a PNG path
    run.stats()[-1]          # the last line of stats.jsonl: step, d_loss, g_loss, D(x), D(G(z)), ...
    run.report()             # writes RUN/report.html and RUN/figures/, returns the page's path
    run.evaluate()           # {"fid": ..., "precision": ..., ...}, protocol gankit-eval-v1

`gankit.open_run("runs/00001-fast")` gives the same object for a run trained earlier.
"""

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import Config, apply_overrides, load_config
from .eval import evaluate_generator
from .report import write_report
from .runs import find_run, latest_checkpoint
from .sampling import load_generator
from .session import open_session
from .stats import read_stats
from .trainer import train as train_session


@dataclass(frozen=True)
class Run:
    """A run folder, with what a person wants to see of it one call away."""

    folder: Path

    def config(self) -> Config:
        """The run's resolved config (its config.toml)."""
        return load_config(self.folder / "config.toml")

    def stats(self) -> list[dict]:
        """One dict per log interval (stats.jsonl), oldest first."""
        return read_stats(self.folder / "stats.jsonl")

    def metrics(self) -> list[dict]:
        """One dict per evaluation during training (metrics.jsonl; `eval.every`), oldest first."""
        return read_stats(self.folder / "metrics.jsonl")

    def alarms(self) -> list[dict]:
        """The health alarms raised (alarms.jsonl), each with its explanation and a fix to try."""
        return read_stats(self.folder / "alarms.jsonl")

    def grids(self) -> list[Path]:
        """The fixed-noise grids, samples/step-*.png, in training order."""
        return sorted((self.folder / "samples").glob("step-*.png"))

    def report(self, **options) -> Path:
        """Write RUN/report.html (options as `gankit.report.write_report`); return its path."""
        return write_report(self.folder, **options)

    def evaluate(self, *, n: int | None = None, seed: int = 0) -> dict:
        """Score the latest checkpoint's generator as `gankit eval --run` does (n images, default
        the protocol's 10,000, drawn from latents seeded with `seed`)."""
        generator, cfg = load_generator(latest_checkpoint(self.folder))
        return evaluate_generator(generator, cfg, n=n, seed=seed)


def open_run(folder: str | Path) -> Run:
    """The `Run` of an existing run folder (or its number under runs/)."""
    return Run(find_run(folder))


def train(config: str | Path | Config | None = None, overrides: Mapping[str, object] | Sequence[str] = (),
          *, log: Callable[[str], None] = print) -> Run:
    """Train a new run, as `gankit train --config CONFIG --key=value ...`; return its `Run`.

    config: a TOML file, a `Config`, or None for the defaults (the seed's DCGAN on MNIST).
    overrides: {"train.steps": 500} or ["train.steps=500"], applied after the config.
    log: where the console lines go (start-up, progress, alarms, the end); `lambda _: None` for none.
    A `Config` given is left as it is: `Run.config()` is what the run resolved.
    """
    pairs = [f"{key}={value}" for key, value in overrides.items()] if isinstance(overrides, Mapping) else list(overrides)
    if isinstance(config, Config):
        cfg, name = apply_overrides(copy.deepcopy(config), pairs), "default"
    else:
        cfg, name = load_config(config, pairs), Path(config).stem if config else "default"
    with open_session(cfg, config_name=name, log=log) as session:
        log(f"run folder: {session.run_dir}")
        train_session(session, log=log)
    return Run(session.run_dir)
