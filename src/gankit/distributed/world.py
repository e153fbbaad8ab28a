"""The processes training together: the process group torchrun's environment describes, and
the few things they must agree on (stop requests, the run folder, logged means, gathered images).

A `World` of one process (`LOCAL`) needs no process group: every method returns its argument, so
the trainer calls them unconditionally and a single-process run pays nothing.
"""

import os
import re
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

from ..errors import ConfigError, GankitError


@dataclass
class DistConfig:
    enabled: bool = False  # train data-parallel in the processes torchrun starts (it sets RANK, WORLD_SIZE, ...)
    backend: str = "auto"  # "auto" (nccl for CUDA, gloo for the CPU), "gloo" or "nccl"
    batch_norm: str = "per_rank"  # "per_rank" (each rank's slice normalised by its own batch statistics) or "sync" (by the global batch's)
    timeout_s: int = 600  # seconds a rank waits for the others at a collective before the job fails


BACKENDS = ("auto", "gloo", "nccl")
BATCH_NORMS = ("per_rank", "sync")
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


class CollectiveError(GankitError):
    """Another rank of the job is gone or stuck: a collective operation failed or timed out."""


@dataclass(frozen=True)
class World:
    """This process's `rank` among `size`; `control` is a gloo group for small CPU-side agreements
    (the default group under gloo, a second one under nccl), None in a world of one."""

    rank: int = 0
    size: int = 1
    control: object = None

    @property
    def joined(self) -> bool:
        """Whether this process is in a process group (dist.enabled under torchrun, even alone)."""
        return self.control is not None

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that writes the run folder and prints."""
        return self.rank == 0

    def shard(self, batch: torch.Tensor) -> torch.Tensor:
        """This rank's rows of a global batch (size * m, ...): rows [rank * m, (rank + 1) * m)."""
        m = len(batch) // self.size
        return batch if self.size == 1 else batch[self.rank * m:(self.rank + 1) * m]

    def mean(self, values: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Each 0-dim tensor averaged over the ranks (all pass the same keys in the same order)."""
        if self.size == 1:
            return values
        stacked = torch.stack(list(values.values()))
        dist.all_reduce(stacked)  # a sum: gloo has no average
        return dict(zip(values, stacked / self.size))

    def any(self, flag: bool) -> bool:
        """True on every rank if `flag` is true on any."""
        if self.size == 1:
            return flag
        flags = torch.tensor([int(flag)])
        dist.all_reduce(flags, op=dist.ReduceOp.MAX, group=self.control)
        return bool(flags.item())

    def share(self, obj):
        """Rank 0's `obj` (a small picklable value: a path, a number) on every rank."""
        if self.size == 1:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0, group=self.control)
        return box[0]

    def gather(self, part: torch.Tensor) -> torch.Tensor:
        """Every rank's `part` (the same shape on all) concatenated in rank order, on every rank."""
        if self.size == 1:
            return part
        parts = [torch.empty_like(part) for _ in range(self.size)]
        dist.all_gather(parts, part.contiguous())
        return torch.cat(parts)

    def agreed(self, request) -> "AgreedStop":
        """`request` (a `gankit.loop.StopRequest`) made to hold on every rank once it holds on one."""
        return AgreedStop(request, self)

    def close(self, *, finished: bool = True) -> None:
        """Leave the process group, if in one; when `finished` (every rank got here), only once
        all have, so none tears its connections down while another still uses them."""
        if self.joined and dist.is_initialized():
            if finished and self.size > 1:
                dist.barrier(group=self.control)
            dist.destroy_process_group()


LOCAL = World()


class AgreedStop:
    """A stop request read by every rank at the same step: one tiny all-reduce (on the CPU group,
    so it never waits for a GPU) per read. Without it a Ctrl-C that reaches rank 0 before a step
    and rank 1 after it would leave rank 1 waiting forever in the next step's gradient exchange."""

    def __init__(self, request, world: World):
        self.request, self.world = request, world

    def __enter__(self) -> "AgreedStop":
        self.request.__enter__()
        return self

    def __exit__(self, error_type, error, traceback):
        # after a failed exchange torchrun SIGTERMs this rank at once: see outlast_torchruns_sigterm
        self.request.restore(ignore_sigterm=error is not None and is_collective_failure(error))

    @property
    def requested(self) -> bool:
        return self.world.any(self.request.requested)


def torchrun_environment() -> dict[str, str]:
    """The variables torchrun sets for each process it starts, those present."""
    return {name: os.environ[name] for name in TORCHRUN_VARIABLES if name in os.environ}


def start_world(cfg: DistConfig, *, device: torch.device, batch_size: int) -> World:
    """Join the process group described by torchrun's environment (a world of one if
    `cfg.enabled` is false); on CUDA, make this rank's GPU (LOCAL_RANK) the current device, so
    `torch.device("cuda")` means it. `batch_size` is the global batch, split evenly over ranks."""
    env = torchrun_environment()
    size = int(env.get("WORLD_SIZE", "1"))
    if not cfg.enabled:
        if size > 1:
            raise ConfigError(f"torchrun started {size} processes but dist.enabled is false: add "
                              "--dist.enabled=true, or run one process without torchrun")
        return LOCAL
    missing = [name for name in TORCHRUN_VARIABLES if name not in env]
    if missing:
        raise ConfigError(f"dist.enabled = true needs the environment torchrun gives each process "
                          f"({', '.join(missing)} not set): launch with torchrun --nproc_per_node=N -m gankit "
                          "train ..., or set dist.enabled=false to train in this one process")
    if batch_size % size:
        raise ConfigError(f"train.batch_size = {batch_size} (the global batch) does not split evenly over "
                          f"{size} processes; make it a multiple of {size}")
    backend = cfg.backend if cfg.backend != "auto" else "nccl" if device.type == "cuda" else "gloo"
    if backend == "nccl" and device.type != "cuda":
        raise ConfigError("dist.backend = nccl needs CUDA GPUs; use dist.backend=gloo to train on CPUs")
    if device.type == "cuda":
        local_rank = int(env["LOCAL_RANK"])
        if local_rank >= torch.cuda.device_count():
            raise ConfigError(f"process LOCAL_RANK={local_rank} has no GPU of its own ({torch.cuda.device_count()} "
                              "on this node): make torchrun's --nproc_per_node at most the GPUs per node")
        torch.cuda.set_device(local_rank)
    timeout = timedelta(seconds=cfg.timeout_s)
    with collective_errors():
        dist.init_process_group(backend, timeout=timeout)
        control = dist.group.WORLD if backend == "gloo" else dist.new_group(backend="gloo", timeout=timeout)
    return World(rank=dist.get_rank(), size=dist.get_world_size(), control=control)


def is_collective_failure(err: BaseException) -> bool:
    """Whether `err` is a failed or timed-out exchange with other ranks (gloo raises plain
    RuntimeErrors naming itself; nccl and the rendezvous store raise DistErrors)."""
    text = str(err).lower()
    return isinstance(err, dist.DistError) or (isinstance(err, RuntimeError) and ("gloo" in text or "nccl" in text))


def outlast_torchruns_sigterm() -> None:
    """Ignore SIGTERM from now on: torchrun, seeing one rank fail, SIGTERMs the others at once,
    and this one, having lost them, must live long enough to say why (`collective_errors`)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@contextmanager
def collective_errors():
    """Turn a failed exchange with the other ranks into one `CollectiveError` line naming this rank."""
    try:
        yield
    except RuntimeError as err:
        if not is_collective_failure(err):
            raise
        outlast_torchruns_sigterm()
        env = torchrun_environment()
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        cause = re.sub(r"^\[[^\]]*\] ", "", first).split(". ")[0][:200]  # drop gloo's source location
        raise CollectiveError(f"rank {env.get('RANK', '?')} of {env.get('WORLD_SIZE', '?')} lost contact with the "
                              f"other processes ({cause}): another rank failed, was killed, or was stuck longer "
                              "than dist.timeout_s; torchrun's report names the first to fail. A run continues "
                              "from its latest checkpoint with --resume") from None
