"""The stats collector: every step's scalars go in with one call, one line per interval comes out.

Scalars stay on the device as tensors and are summed there; they are read back (one host
sync) only when a line is written, so logging costs nothing in the hot path.
"""

import json
import os
from collections.abc import Callable
from pathlib import Path

import torch


class StatsLog:
    """Averages scalars between `flush`es and appends each average as a line of `path` (JSONL).

    In data-parallel training every rank collects its own scalars; `reduce` (e.g.
    `World.mean`) combines the sums over ranks at each flush, and only the rank with `write`
    writes the line.
    """

    def __init__(self, path: Path, *, reduce: Callable[[dict], dict] = lambda sums: sums, write: bool = True):
        self.path, self.reduce, self.write = path, reduce, write
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
            with open(self.path, "a") as f:
                f.write(json.dumps(record) + "\n")
        self.reset()
        return record

    def reset(self) -> None:
        """Forget the scalars added since the last flush."""
        self.sums, self.count = {}, 0


def read_stats(path: Path) -> list[dict]:
    """The records of a JSONL file such as stats.jsonl; none if it does not exist yet."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def rewrite_stats(path: Path, records: list[dict]) -> None:
    """Replace `path` with `records`, atomically."""
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in records))
    os.replace(tmp, path)
