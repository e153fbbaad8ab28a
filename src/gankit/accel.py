"""How fast the step runs, and nothing about what it computes: CPU threads chosen by
measurement, memory format, torch.compile and mixed precision.

Each setting is a string (or count) in `TrainConfig`; every one leaves the maths of Algorithm 1
unchanged, and only `precision = "bf16"` changes the numbers (it rounds activations). This is
leaf code: option tables, and functions of the networks or of a pass to time, which the caller
builds (`gankit.gan.scratch_pass`).
"""

import contextlib
import os
import time
from collections.abc import Callable
from typing import Protocol

import torch
from torch import nn

# train.compile -> torch.compile's mode ("reduce-overhead" captures CUDA graphs)
COMPILE_MODES = {"off": None, "default": "default", "reduce-overhead": "reduce-overhead",
                 "max-autotune": "max-autotune"}
PRECISIONS = {"fp32": None, "bf16": torch.bfloat16}
MEMORY_FORMATS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}


class Networks(Protocol):
    """What the layout and compile settings act on: a `gankit.gan.GAN`, or anything with its two networks."""

    generator: nn.Module
    discriminator: nn.Module


def available_cores() -> int:
    """CPU cores this process may run on (the affinity mask, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_threads() -> tuple[int, str]:
    """The CPU thread count `train.threads = 0` stands for, and why, in words for the console.

    OMP_NUM_THREADS when set (the user's word, and torchrun's: it sets 1 per process when
    it starts several); else the cores this process may use, shared among the processes torchrun
    started on this machine (LOCAL_WORLD_SIZE). It depends on the machine, never on its load, so
    a seeded command repeated on the same machine gives the same weights.
    """
    if (text := os.environ.get("OMP_NUM_THREADS", "").strip()).isdigit() and int(text) >= 1:
        return int(text), "OMP_NUM_THREADS"
    cores, processes = available_cores(), int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1)
    if processes > 1:
        return max(1, cores // processes), f"{cores} cores shared by {processes} processes"
    return cores, "the cores this process may use"


def time_pass(run_pass: Callable[[], None], *, repeats: int = 2) -> float:
    """Median seconds of `run_pass()` over `repeats` calls, after one that warms up the
    allocator and oneDNN's primitives."""
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        run_pass()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[len(times[1:]) // 2]


def choose_threads(run_pass: Callable[[], None], *, log=print) -> int:
    """Set and return the CPU thread count that runs `run_pass` (a training pass on scratch
    networks, e.g. `gankit.gan.scratch_pass`) fastest right now.

    More threads win on an idle machine; when another job holds a core, one thread ran about
    1.3x as fast as two in BENCHMARKS.md's training-throughput tables (oversubscription). So the
    count is measured, not assumed: each count from 1 to the cores available is timed, and the
    fastest is kept.
    """
    timings = {}
    for threads in range(1, available_cores() + 1):
        torch.set_num_threads(threads)
        timings[threads] = time_pass(run_pass)
    best = min(timings, key=timings.get)
    torch.set_num_threads(best)
    log("threads: " + ", ".join(f"{n}: {t * 1000:.0f} ms" for n, t in timings.items()) + f" per pass -> {best}")
    return best


def apply_memory_format(gan: Networks, name: str) -> None:
    """Store both networks' 4-d weights in `name`'s layout (inputs follow it through the convs)."""
    gan.generator.to(memory_format=MEMORY_FORMATS[name])
    gan.discriminator.to(memory_format=MEMORY_FORMATS[name])


def apply_compile(gan: Networks, name: str) -> None:
    """Compile both networks' forward in place (`nn.Module.compile`), so state_dict keys, and
    with them checkpoints, stay those of the plain modules."""
    if COMPILE_MODES[name] is not None:
        gan.generator.compile(mode=COMPILE_MODES[name])
        gan.discriminator.compile(mode=COMPILE_MODES[name])


def precision_context(name: str, device: torch.device, *, cache: bool = True):
    """A context for the training step: autocast to `name`'s dtype, or nothing for fp32.
    `cache=False` recasts the weights at each use, as a captured CUDA graph needs."""
    dtype = PRECISIONS[name]
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype, cache_enabled=cache)
