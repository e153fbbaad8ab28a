"""The generic training loop. Nothing here knows about GANs or losses: it calls a step function,
hands its scalars to a collector, and runs interval actions (log, samples, checkpoints).
"""

import signal
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Every:
    """Run `action(step)` after every `interval`-th completed step."""

    interval: int
    action: Callable[[int], None]


class StopRequest:
    """Turns the first Ctrl-C (SIGINT) or SIGTERM into a flag checked between steps, so training
    stops on a step boundary with a consistent state; a second Ctrl-C interrupts at once."""

    def __init__(self):
        self.requested = False
        self._previous = {}

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        self.restore()

    def restore(self, *, ignore_sigterm: bool = False) -> None:
        """Put back the handlers from before `__enter__`; with `ignore_sigterm`, SIGTERM goes from this
        handler straight to ignored, with no moment in between at which it would end the process."""
        for sig, handler in self._previous.items():
            signal.signal(sig, signal.SIG_IGN if ignore_sigterm and sig == signal.SIGTERM else handler)

    def _handle(self, signum, frame):
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True


def run_loop(step_fn: Callable[[], dict], *, start: int, stop: int, collect: Callable[[dict], None],
             every: list[Every], stop_request: StopRequest) -> int:
    """Run `step_fn` from step `start` until `stop` or a stop request; return the steps completed."""
    step = start
    while step < stop and not stop_request.requested:
        collect(step_fn())
        step += 1
        for item in every:
            if step % item.interval == 0:
                item.action(step)
    return step
