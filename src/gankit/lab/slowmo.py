"""One Algorithm-1 iteration in slow motion: each sub-step (sample, generate, classify, loss,
gradients, update) with the line of gankit's own `step.py` that does it.

Nothing here re-implements the step. `record_iteration` runs the session's real iteration
(`gankit.step.train_step`) once under a line tracer (`sys.settrace`, this thread only) that
watches step.py: where a line carries a sub-step's comment (`# generate`, `# loss`, ... or
`# sample` at the end of a line), a sub-step starts, and when the next one starts (or the
function returns) the tensors the sub-step made are read from the function's local variables:

    real, fake       the batch's (N, 2) points, `packed` for the page
    (N,) tensors     logits: their mean, and the mean of sigmoid under the logistic losses
    0-dim tensors    values (d_loss, the gradient norm)

Each sub-step also keeps the picture as it stands when the sub-step ends (`FrameMaker.picture`:
D's surface, G's fakes, arrows and manifold). Only an "update" changes a weight, so the picture
is drawn anew when an update ends and shared by the sub-steps up to the next one: before D's
update the surface is the one from before the iteration, after it D's new one; after G's update
the fakes have moved.

The page then walks through the recorded sub-steps one at a time. Tracing changes no number:
the iteration is the same as an untraced one from the same state (tests/lab/test_slowmo.py).
"""

import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

import gankit.step

from .frames import FrameMaker, packed
from .session import ToySession

STEP_FILE = inspect.getsourcefile(gankit.step)
SUBSTEP = re.compile(r"#\s*(sample|generate|classify|loss|gradients|update)\b")

# sub-step -> what it does, for a beginner
EXPLAIN = {
    "sample": "Draw a minibatch: m real points from the data, and m latent vectors z.",
    "generate": "G maps each z to a point: the fakes (highlighted). In a D step G is frozen (no gradient).",
    "classify": "D scores every real and fake point: its output is D(x) (or a critic value).",
    "loss": "The loss turns D's scores into one number to descend.",
    "gradients": "backward(): the loss's gradient with respect to the learning network's weights.",
    "update": "The optimiser moves the learning network's weights one step down its gradient.",
}


def substep_lines(path: str = STEP_FILE) -> dict[int, str]:
    """line number -> sub-step, for every line of step.py where a sub-step starts: the line after
    an own-line `# name` comment, or a line that ends in one."""
    lines, starts, pending = open(path).read().splitlines(), {}, None
    for number, text in enumerate(lines, start=1):
        code, _, comment = text.partition("#")
        match = SUBSTEP.search("#" + comment) if comment else None
        if not code.strip():
            pending = match.group(1) if match else pending
            continue
        if match or pending:
            starts[number] = match.group(1) if match else pending
        pending = None
    return starts


@dataclass
class SubStep:
    phase: str  # "D step 1 of k", "G step"
    name: str  # a key of EXPLAIN
    line: int  # where it starts in step.py
    code: list[tuple[int, str]]  # (number, text) of step.py's lines from `line` to the next sub-step (at most 5)
    points: dict = field(default_factory=dict)  # name -> packed (N, 2) points it made
    values: dict = field(default_factory=dict)  # name -> float
    picture: dict = field(default_factory=dict)  # `FrameMaker.picture` when this sub-step ends

    def to_message(self, index: int, count: int) -> dict:
        return {"type": "slow", "index": index, "count": count, "phase": self.phase, "name": self.name,
                "line": self.line, "code": self.code, "file": "gankit/step.py", "explain": EXPLAIN[self.name],
                "points": self.points, "values": self.values, "picture": self.picture}


class Recorder:
    """The tracer: sub-steps of step.py's functions as they run. `draw()` gives the picture of
    the weights as they are (called outside step.py's lines, so it is not traced itself)."""

    def __init__(self, k: int, d_output: str, draw: Callable[[], dict]):
        self.starts = substep_lines()
        self.source = open(STEP_FILE).read().splitlines()
        self.k, self.d_output, self.draw = k, d_output, draw
        self.picture = draw()  # before the iteration
        self.steps: list[SubStep] = []
        self.d_count = 0
        self._open = None  # (SubStep, names of the locals before it started)

    def trace(self, frame, event, arg):
        if frame.f_code.co_filename != STEP_FILE or frame.f_code.co_name not in (
                "discriminator_step", "generator_step", "train_step"):
            return None
        return self.local

    def local(self, frame, event, arg):
        if event == "line" and frame.f_lineno in self.starts:
            self._close(frame)
            self._start(frame)
        elif event == "return" and frame.f_code.co_name != "train_step":
            self._close(frame)
        return self.local

    def _start(self, frame) -> None:
        name, function = self.starts[frame.f_lineno], frame.f_code.co_name
        if function == "discriminator_step" and name == "generate":
            self.d_count += 1
        in_g = function == "generator_step" or (function == "train_step" and frame.f_lineno == max(
            n for n, s in self.starts.items() if s == "sample"))
        phase = "G step" if in_g else f"D step {max(self.d_count, 1) if function != 'train_step' else self.d_count + 1} of {self.k}"
        following = sorted(n for n in self.starts if n > frame.f_lineno)
        end = min(following[0] if following else len(self.source) + 1, frame.f_lineno + 5, len(self.source) + 1)
        code = [(n, self.source[n - 1].rstrip()) for n in range(frame.f_lineno, end) if self.source[n - 1].strip()]
        step = SubStep(phase, name, frame.f_lineno, code)
        self.steps.append(step)
        self._open = (step, {k: storage(v) for k, v in frame.f_locals.items()})

    def _close(self, frame) -> None:
        if self._open is None:
            return
        step, before = self._open
        self._open = None
        if step.name == "update":  # the weights moved: draw them anew
            self.picture = self.draw()
        step.picture = self.picture
        for key, value in frame.f_locals.items():
            if not isinstance(value, torch.Tensor) or before.get(key) == storage(value):
                continue  # only what this sub-step made (a detached copy of an older tensor is not new)
            value = value.detach()
            if key in ("real", "fake") and value.ndim == 2 and value.shape[1] == 2:
                step.points[key] = packed(value)
            elif value.ndim == 1 and key.endswith("logits"):
                step.values[f"mean {key}"] = float(value.mean())
                if self.d_output == "probability":
                    step.values[f"mean sigmoid({key})"] = float(torch.sigmoid(value).mean())
            elif value.ndim == 0:
                step.values[key] = float(value)


def storage(value) -> int | None:
    """Where a tensor's numbers live (shared by its detached views); None for other values."""
    return value.untyped_storage().data_ptr() if isinstance(value, torch.Tensor) else None


def record_iteration(session: ToySession, frames: FrameMaker) -> list[SubStep]:
    """Run one iteration of `session` (through `train_step`) and return its sub-steps in order,
    each with the picture `frames` draws when it ends."""
    recorder = Recorder(session.settings.k, session.options.loss.d_output, lambda: frames.picture(session))
    previous = sys.gettrace()
    sys.settrace(recorder.trace)
    try:
        session.iteration()
    finally:
        sys.settrace(previous)
    return recorder.steps
