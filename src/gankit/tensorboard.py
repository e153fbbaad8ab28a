"""TensorBoard event files for a run, an optional extra: `pip install 'gankit[tensorboard]'`.

With `train.tensorboard = "on"` (or "if_installed" and the package present) the run's collector
also writes RUN/tensorboard/: every stats record as `train/<name>` scalars, every fixed-noise
grid as the image `samples`, every evaluation as `eval/<metric>` scalars, and messages (alarms,
roll-backs) as text. View it with `tensorboard --logdir runs`.

The writer is imported only when a run asks for it, so gankit never needs TensorBoard.
"""

from pathlib import Path

import numpy as np

from .errors import ConfigError
from .stats import Backend

# train.tensorboard value -> when event files are written
TENSORBOARD = {
    "off": "never",
    "if_installed": "when the tensorboard package is installed",
    "on": "always; training stops with an error if tensorboard is missing",
}


class TensorBoardBackend(Backend):
    """Writes what the collector receives through a `SummaryWriter`."""

    def __init__(self, writer):
        self.writer = writer
        self.step = 0  # the latest step seen, for messages

    def progress(self, step: int) -> None:
        self.step = step

    def scalars(self, record: dict) -> None:
        for name, value in numbers(record).items():
            self.writer.add_scalar(f"train/{name}", value, record["step"])
        self.writer.flush()  # once per log interval: a killed run keeps its curves

    def images(self, step: int, name: str, grid: np.ndarray) -> None:
        self.writer.add_image(name, grid, step, dataformats="HWC")

    def metrics(self, record: dict) -> None:
        for name, value in numbers(record).items():
            self.writer.add_scalar(f"eval/{name}", value, record["step"])
        self.writer.flush()

    def message(self, text: str) -> None:
        self.writer.add_text("messages", text, self.step)

    def close(self) -> None:
        self.writer.close()


def numbers(record: dict) -> dict[str, float]:
    """The numeric fields of a record, except the step itself."""
    return {k: float(v) for k, v in record.items()
            if k != "step" and isinstance(v, (int, float)) and not isinstance(v, bool)}


def open_tensorboard(mode: str, folder: Path) -> list[Backend]:
    """[a TensorBoard backend writing into `folder`], or [] where `mode` (a key of TENSORBOARD) says none."""
    if mode == "off":
        return []
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        if mode == "if_installed":
            return []
        raise ConfigError("train.tensorboard = 'on' needs the tensorboard package: pip install 'gankit[tensorboard]', "
                          "or set --train.tensorboard=off") from None
    return [TensorBoardBackend(SummaryWriter(log_dir=str(folder)))]
