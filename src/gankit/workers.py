"""Independent pieces of work on several CPU threads at once, with the same numbers for any count.

    features = map_pieces(judge_batch, batches, workers=2)   # [judge_batch(b) for b in batches]

Each piece runs on a worker thread with PyTorch's own (intra-op) parallelism at one thread, so
every operation computes exactly as it does alone: no reduction is split among threads, and the
results, returned in order, are bitwise those of `workers=1`. Evaluation runs its batches and
distance blocks this way. Intra-op threads meet at a barrier after every operation, so on a
busy CPU each waits for the slowest (BENCHMARKS.md, "Evaluation": with two other jobs on a
2-core machine, two such threads took 96 s where one took 52-54 s); workers here meet only
when their pieces are done.
"""

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import torch

from gankit.accel import default_threads

Piece = TypeVar("Piece")
Result = TypeVar("Result")


@contextmanager
def torch_threads(threads: int):
    """Run the block with `threads` CPU threads (0: leave the setting alone), then restore it."""
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def worker_count(workers: int) -> int:
    """`workers`, or with 0 the count `train.threads = 0` stands for (`default_threads`:
    OMP_NUM_THREADS when set, else the cores this process may use, shared among torchrun's)."""
    return workers if workers > 0 else default_threads()[0]


def map_pieces(fn: Callable[[Piece], Result], pieces: Iterable[Piece], *, workers: int) -> list[Result]:
    """[fn(p) for p in pieces], computed `workers` at a time (0: see `worker_count`), each
    under `torch.no_grad()` with one intra-op thread; results in the order of `pieces`. `fn` must
    not change shared state (a network in eval mode, reading tensors, is fine)."""

    def run(piece: Piece) -> Result:
        with torch.no_grad():  # grad mode is per thread: a new worker starts with it on
            return fn(piece)

    pieces = list(pieces)
    workers = min(worker_count(workers), len(pieces))
    with torch_threads(1):
        if workers <= 1:
            return [run(piece) for piece in pieces]
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(run, pieces))
