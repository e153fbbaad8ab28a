"""Data-parallel training over the processes torchrun starts (gloo on CPUs, nccl on GPUs).

    torchrun --nproc_per_node=2 -m gankit train --config C --dist.enabled=true

Every process ("rank") builds the same networks from the same seed, draws the SAME global batch
indices and the SAME global z from identically seeded generators, and keeps its own equal slice
(`World.shard`). DistributedDataParallel averages the gradients, so every update equals the
single-process update on the whole global batch up to the order of float additions; the one
exception is BatchNorm's batch statistics, per rank unless dist.batch_norm = "sync". All ranks
thus hold the same state at every step, a checkpoint needs nothing per rank, and a run resumes
with any number of processes. Rank 0 alone writes the run folder and prints.
"""

from .ddp import distribute
from .sync_batch_norm import SyncBatchNorm2d, sync_batch_norms
from .world import (BACKENDS, BATCH_NORMS, LOCAL, CollectiveError, DistConfig, World, collective_errors,
                    start_world)

__all__ = ["BACKENDS", "BATCH_NORMS", "LOCAL", "CollectiveError", "DistConfig", "SyncBatchNorm2d", "World",
           "collective_errors", "distribute", "start_world", "sync_batch_norms"]
