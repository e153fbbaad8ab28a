"""What a training run prints while it runs: one `name -> console` table (`train.progress`).

- "bar":  a tqdm bar on stderr: step of steps, steps/s, time left, and, refreshed at every log
          interval, images/s, d_loss, g_loss, D(x) and D(G(z)) (D's raw scores under a
          non-logistic loss). Messages print above it.
- "log":  one plain line per log interval, with the time left, for log files and CI.
- "off":  no progress at all; alarms, evaluations and other messages still print.
- "auto": "bar" on a terminal, "log" when stderr is a file or a pipe.

Each console is a `gankit.stats.Backend`: it shows the records of the run's one collector.
"""

import sys
from collections.abc import Callable

from tqdm import tqdm

from .stats import Backend


def d_outputs(record: dict, digits: int) -> str:
    """D's mean outputs on real and fake images: "D(x) 0.61  D(G(z)) 0.39" under a logistic
    loss, "D real 3.20  fake -1.75" (raw scores) under the others."""
    if "d_real" in record:
        return f"D(x) {record['d_real']:.{digits}f}  D(G(z)) {record['d_fake']:.{digits}f}"
    return f"D real {record['d_real_score']:.{digits}f}  fake {record['d_fake_score']:.{digits}f}"


def duration(seconds: float) -> str:
    """A duration as a person reads it: "45s", "12m05s", "2h03m"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def interval_line(record: dict, total: int) -> str:
    """One log interval as a line: step, speed, time left at that speed, both losses, D's outputs."""
    speed, left = record["steps_per_s"], total - record["step"]
    eta = f"  eta {duration(left / speed)}" if speed > 0 and left > 0 else ""
    return (f"step {record['step']}/{total}  {speed:.2f} it/s{eta}  "
            f"d_loss {record['d_loss']:.4f}  g_loss {record['g_loss']:.4f}  {d_outputs(record, 3)}")


def bar_postfix(record: dict, images_per_step: int) -> str:
    """The numbers the bar shows after its own count and rate."""
    return (f"{record['steps_per_s'] * images_per_step:,.0f} img/s  d_loss {record['d_loss']:.3f}  "
            f"g_loss {record['g_loss']:.3f}  {d_outputs(record, 2)}")


class QuietConsole(Backend):
    """Messages only."""

    def __init__(self, *, log: Callable[[str], None], start: int, total: int, images_per_step: int):
        self.log, self.total, self.images_per_step = log, total, images_per_step

    def message(self, text: str) -> None:
        self.log(text)


class LogConsole(QuietConsole):
    """Messages, and a line per log interval."""

    def scalars(self, record: dict) -> None:
        self.log(interval_line(record, self.total))


class BarConsole(QuietConsole):
    """A tqdm progress bar, moved every step; messages are printed above it."""

    def __init__(self, *, log: Callable[[str], None], start: int, total: int, images_per_step: int):
        super().__init__(log=log, start=start, total=total, images_per_step=images_per_step)
        self.bar = tqdm(total=total, initial=start, desc="train", unit="step", file=sys.stderr,
                        dynamic_ncols=True, mininterval=0.5)

    def progress(self, step: int) -> None:
        self.bar.update(step - self.bar.n)  # negative after a roll-back: the bar goes back too

    def scalars(self, record: dict) -> None:
        self.bar.set_postfix_str(bar_postfix(record, self.images_per_step), refresh=False)

    def message(self, text: str) -> None:
        with tqdm.external_write_mode():
            self.log(text)

    def close(self) -> None:
        self.bar.close()


def auto_console(**options) -> QuietConsole:
    """A bar on an interactive terminal; plain lines anywhere else."""
    return (BarConsole if sys.stderr.isatty() else LogConsole)(**options)


PROGRESS = {
    "auto": auto_console,
    "bar": BarConsole,
    "log": LogConsole,
    "off": QuietConsole,
}
