"""The stats collector: every step's scalars go in with one call, one line per interval comes out.

Scalars stay on the device as tensors and are summed there; they are read back (one host
sync) only when a line is written, so logging costs nothing in the hot path.

`StatsLog` is the one collector of a run: it writes stats.jsonl and hands the same records,
sample grids, evaluation results and messages to its backends (the console progress in
`gankit.progress`, the optional TensorBoard writer in `gankit.tensorboard`), so every view of a
run shows the same numbers.
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from .jsonlog import append_record
from .jsonlog import read_records as read_stats  # noqa: F401 - the name tests and scripts know


class Backend:
    """Somewhere a run's records also go. Every method is optional: the defaults ignore it."""

    def progress(self, step: int) -> None:
        """`step` iterations are done (called after every step; keep it cheap)."""

    def scalars(self, record: dict) -> None:
        """One interval's record, as written to stats.jsonl (step, images_seen, means, ...)."""

    def images(self, step: int, name: str, grid: np.ndarray) -> None:
        """A picture at `step`: an (H, W, C) uint8 array, C = 1 or 3."""

    def metrics(self, record: dict) -> None:
        """An evaluation's record, as written to metrics.jsonl (step, fid, precision, ...)."""

    def message(self, text: str) -> None:
        """An event worth a line of its own: an alarm, an evaluation, a roll-back."""

    def close(self) -> None:
        """Training is over: flush and release."""


class StatsLog:
    """Averages scalars between `flush`es and appends each average as a line of `path` (JSONL);
    passes records, pictures and messages on to `backends`.

    In data-parallel training every rank collects its own scalars; `reduce` (e.g.
    `World.mean`) combines the sums over ranks at each flush, and only the rank with `write`
    writes the line (the other ranks get no backends).
    """

    def __init__(self, path: Path, backends: list[Backend] = (), *,
                 reduce: Callable[[dict], dict] = lambda sums: sums, write: bool = True):
        self.path, self.reduce, self.write = path, reduce, write
        self.backends = list(backends)
        self.sums: dict[str, torch.Tensor] = {}
        self.count = 0

    def add(self, scalars: dict[str, torch.Tensor]) -> None:
        for name, value in scalars.items():
            self.sums[name] = self.sums[name] + value if name in self.sums else value.detach().clone()
        self.count += 1

    def flush(self, **fields) -> dict:
        """Write `fields` (step, images seen, ...) and the means since the last flush; return the record."""
        means = {name: round(value.item() / self.count, 6) for name, value in self.reduce(self.sums).items()}
        record = {**fields, **means}
        if self.write:
            append_record(self.path, record)  # whole line or nothing; a WriteError names the fault
        self.reset()
        for backend in self.backends:
            backend.scalars(record)
        return record

    def reset(self) -> None:
        """Forget the scalars added since the last flush."""
        self.sums, self.count = {}, 0

    def progress(self, step: int) -> None:
        for backend in self.backends:
            backend.progress(step)

    def images(self, step: int, name: str, grid: np.ndarray) -> None:
        for backend in self.backends:
            backend.images(step, name, grid)

    def metrics(self, record: dict) -> None:
        for backend in self.backends:
            backend.metrics(record)

    def message(self, text: str) -> None:
        for backend in self.backends:
            backend.message(text)

    def close(self) -> None:
        for backend in self.backends:
            backend.close()

