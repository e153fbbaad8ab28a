"""The whole training step as one CUDA graph (`train.cuda_graphs = true`).

At batch 64 the seed's step is a few hundred small kernels, and on a GPU their launches, not
their arithmetic, set its speed (BENCHMARKS.md, "GPU"). Captured once, the step (k D updates
and G's update, optimisers included) is replayed with one launch. The maths is `train_step`'s;
what a replay cannot do is arranged around it:

- Draw its inputs: the real batches, z and the classes are drawn eagerly, in the order
  `train_step` draws them, and copied into static buffers that the graph reads.
- Follow a Python number that changes: on CUDA the learning rates become 0-dim tensors
  (`capturable` optimisers), and the schedules step after each replay, where they fill those
  tensors, not inside it. So `d_steps` > 1 with a decaying D rate is refused: D's rate would
  change between the D updates of one iteration.
- Return fresh tensors: the scalars live in the graph's static outputs, and each step returns
  copies of them.

g_ema's update, whose factor changes with the step, stays outside (`gankit.run_step`). The
first `WARMUP` steps run eagerly on a side stream (real steps: they create the optimisers'
state and let cuDNN settle its kernels); the next is captured and replayed; each later step is
a replay. Weights, buffers and optimiser state stay the same tensors, so checkpoints, sampling
and evaluation read them as always. A roll-back replaces the optimisers' state: the trainer
then builds a new step, which captures anew.
"""

from collections.abc import Callable
from typing import Protocol

import torch

from .config import Config
from .errors import ConfigError
from .gan import GAN
from .step import Labels, StepOptions, train_step

WARMUP = 3  # eager steps before the capture
Scalars = dict[str, torch.Tensor]


class Replayer(Protocol):
    """Runs a step function eagerly, captures it once, and replays the capture."""

    def prepare(self, gan: GAN) -> None: ...
    def run_eagerly(self, fn: Callable[[], Scalars]) -> Scalars: ...
    def capture(self, fn: Callable[[], Scalars]) -> None: ...
    def replay(self) -> Scalars: ...


class CudaGraph:
    """`torch.cuda.CUDAGraph`: eager steps and the capture on a side stream, as capture requires."""

    def __init__(self, device: torch.device):
        self.device, self.stream = device, torch.cuda.Stream(device)
        self.graph, self.outputs = None, None

    def prepare(self, gan: GAN) -> None:
        for optimizer in (gan.d_opt, gan.g_opt):
            make_capturable(optimizer, self.device)

    def run_eagerly(self, fn):
        self.stream.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(self.stream):
            outputs = fn()
        torch.cuda.current_stream(self.device).wait_stream(self.stream)
        return outputs

    def capture(self, fn):
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph, stream=self.stream):
            self.outputs = fn()

    def replay(self):
        self.graph.replay()
        return self.outputs


class Rerun:
    """The captured function itself, called again at each replay: the same arrangement of
    inputs, schedules and outputs without a GPU, so that CPU tests check it against eager."""

    def prepare(self, gan: GAN) -> None:
        pass

    def run_eagerly(self, fn):
        return fn()

    def capture(self, fn):
        self.fn = fn

    def replay(self):
        return self.fn()


def make_capturable(optimizer: torch.optim.Optimizer, device: torch.device) -> None:
    """Switch an Adam or RMSprop optimiser to its capturable form in place: its learning rate a
    0-dim tensor on `device` (the schedule then fills it), its step counts on `device`."""
    for group in optimizer.param_groups:
        group["capturable"] = True
        if not isinstance(group["lr"], torch.Tensor):
            group["lr"] = torch.tensor(float(group["lr"]), device=device)
    for state in optimizer.state.values():
        if "step" in state:
            state["step"] = state["step"].to(device=device, dtype=torch.float32)


def portable_hyperparameters(state: dict) -> dict:
    """An optimiser's or a schedule's `state_dict()` with its 1-element tensor hyper-parameters
    (a capturable optimiser's learning rates) as floats and `capturable` off, so that a
    checkpoint of a graphed run resumes on any device, graphed or not."""
    def plain(value):
        return float(value) if isinstance(value, torch.Tensor) and value.numel() == 1 else value

    state = dict(state)
    if "param_groups" in state:
        state["param_groups"] = [{**{key: plain(value) for key, value in group.items()},
                                  **({"capturable": False} if "capturable" in group else {})}
                                 for group in state["param_groups"]]
    if "_last_lr" in state:
        state["_last_lr"] = [plain(value) for value in state["_last_lr"]]
    return state


def check_graphable(cfg: Config, device: torch.device, world_size: int) -> None:
    """Raise `ConfigError` for a run that a CUDA graph of its step cannot train exactly."""
    train = cfg.train
    refusals = [
        (device.type != "cuda", f"it needs a CUDA GPU and this run is on {device.type}"),
        (train.compile != "off",
         f"train.compile = '{train.compile}' compiles the networks itself; set train.compile=off"),
        (world_size > 1, "data-parallel training (DDP) is not captured; train in one process"),
        (cfg.augment.policy != "none", "augmentations draw random numbers inside the step; set augment.policy=none"),
        (cfg.penalty.name == "wgan_gp", "WGAN-GP draws its interpolation weights inside the step"),
        (train.d_steps > 1 and cfg.d_opt.decay > 0,
         "with train.d_steps > 1, D's decaying learning rate changes inside the captured step; set d_opt.decay=0"),
    ]
    for refused, why in refusals:
        if refused:
            raise ConfigError(f"train.cuda_graphs: {why}, or leave train.cuda_graphs off")


class _Paused:
    """A schedule stand-in whose `step()` does nothing (the real one steps after the replay)."""

    def step(self):
        pass


def make_graph_step(gan: GAN, *, next_real: Callable[[], tuple[torch.Tensor, Labels]],
                    sample_z: Callable[[int], tuple[torch.Tensor, Labels]], options: StepOptions,
                    replayer: Replayer) -> Callable[[], Scalars]:
    """A no-argument step equal to `train_step(gan, next_real=..., sample_z=..., options=...)`,
    run as eager warm-up steps, then a capture, then replays by `replayer`."""
    replayer.prepare(gan)
    static: list[torch.Tensor | None] = []  # the step's inputs in draw order: real, labels, z, labels, ... z, labels
    calls = 0

    def draw() -> list[torch.Tensor | None]:
        drawn = []
        for _ in range(options.d_steps):
            real, real_labels = next_real()
            drawn += [real, real_labels, *sample_z(len(real))]
        return drawn + list(sample_z(len(real)))

    def fill(drawn) -> None:
        if not static:
            static.extend(None if tensor is None else tensor.clone() for tensor in drawn)
        for buffer, tensor in zip(static, drawn, strict=True):
            if buffer is not None:
                buffer.copy_(tensor)

    def from_static(paused: bool) -> Scalars:
        feed = iter(static)
        schedules = gan.d_schedule, gan.g_schedule
        if paused:
            gan.d_schedule, gan.g_schedule = _Paused(), _Paused()
        try:
            return train_step(gan, next_real=lambda: (next(feed), next(feed)),
                              sample_z=lambda n: (next(feed), next(feed)), options=options)
        finally:
            gan.d_schedule, gan.g_schedule = schedules

    def step() -> Scalars:
        nonlocal calls
        fill(draw())
        calls += 1
        if calls <= WARMUP:
            return replayer.run_eagerly(lambda: from_static(paused=False))
        if calls == WARMUP + 1:
            replayer.capture(lambda: from_static(paused=True))
        outputs = replayer.replay()
        for _ in range(options.d_steps):
            gan.d_schedule.step()
        gan.g_schedule.step()
        names = list(outputs)
        return dict(zip(names, torch.stack([outputs[name].float() for name in names]).unbind(), strict=True))

    return step
