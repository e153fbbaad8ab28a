"""Both networks in DistributedDataParallel, so both phases of Algorithm 1 average gradients.

`gankit.step` calls a network through `gan.synced_generator` / `gan.synced_discriminator` when
that network learns and through the plain module when it is frozen, so DDP sees exactly the
forward and backward passes whose gradients it must average:

- D's step: the fakes come from the plain G under `no_grad` (no graph, G's DDP is not involved);
  D runs through DDP(D), whose backward averages D's gradients.
- G's step: G runs through DDP(G); D runs as its plain module with `requires_grad=False`, so the
  gradient flows through D into G while D's DDP never sees a backward: no unused-parameter
  errors, no reducer waiting for gradients that never come, no hang.

Buffers (BatchNorm's moving statistics). With dist.batch_norm = "per_rank" every rank updates
them from its own slice; after each training-mode pass through a wrapped network, rank 0's are
copied to every rank, so all ranks hold the same state between steps (what checkpoints, sample
grids and sharded evaluation read). The moving statistics are then rank 0's, as with DDP's own
default. With "sync" they are the global batch's, identical on every rank by construction.
"""

import inspect

import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from .sync_batch_norm import sync_batch_norms
from .world import DistConfig, World

# No buffer broadcast before every forward (the hook below copies them after it). PyTorch 2.13
# renamed the option; older versions only know the old name.
_NO_FORWARD_BUFFER_SYNC = ({"forward_sync_buffers": False}
                           if "forward_sync_buffers" in inspect.signature(DistributedDataParallel).parameters
                           else {"broadcast_buffers": False})


def _share_rank0_buffers(wrapped: DistributedDataParallel, inputs, output) -> None:
    if wrapped.module.training:
        for buffer in wrapped.module.buffers():
            dist.broadcast(buffer, src=0)


def wrap(module: nn.Module, *, share_buffers: bool) -> DistributedDataParallel:
    """`module` (on its device) in DDP; with `share_buffers`, rank 0's buffers reach every rank
    after each training-mode forward."""
    device = next(module.parameters()).device
    wrapped = DistributedDataParallel(module, device_ids=[device.index] if device.type == "cuda" else None,
                                      **_NO_FORWARD_BUFFER_SYNC)
    if share_buffers and any(True for _ in module.buffers()):
        wrapped.register_forward_hook(_share_rank0_buffers)
    return wrapped


def distribute(gan, world: World, cfg: DistConfig) -> None:
    """Prepare `gan` (a `gankit.gan.GAN`) for data-parallel training in `world`: BatchNorm
    synchronised if `cfg.batch_norm == "sync"`, then G and D wrapped for their own updates
    (also when torchrun starts one process, so its timing includes DDP's cost). Nothing changes
    outside a process group. Every rank must call it (DDP starts by copying rank 0's weights to all)."""
    if not world.joined:
        return
    if cfg.batch_norm == "sync":
        sync_batch_norms(gan.generator)
        sync_batch_norms(gan.discriminator)
    share_buffers = cfg.batch_norm == "per_rank"
    gan.synced_generator = wrap(gan.generator, share_buffers=share_buffers)
    gan.synced_discriminator = wrap(gan.discriminator, share_buffers=share_buffers)
