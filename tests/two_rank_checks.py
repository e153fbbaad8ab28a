"""Run by tests/test_distributed.py under torchrun (2 processes, gloo on 127.0.0.1): each rank
drives the collective pieces of gankit.distributed and saves what it got to OUT/rank-R.pt, which
the test compares with the same computations done in one process.

    python -m torch.distributed.run --nproc_per_node=2 ... tests/two_rank_checks.py OUT
"""

import sys
from pathlib import Path

import torch
import torch.distributed as dist

from gankit.config import Config
from gankit.distributed import SyncBatchNorm2d, World
from gankit.models import build_models
from gankit.sampling import sample

BATCH, CHANNELS, SIDE = 8, 3, 5  # the global batch of the BatchNorm check: (8, 3, 5, 5)
N_IMAGES = 41  # sharded sampling: 21 + 20 images, so the last share is padded


def batch_norm_inputs():
    """The global batch x (values around 1, spread 3), the loss weights and the affine parameters."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(BATCH, CHANNELS, SIDE, SIDE, generator=g) * 3 + 1
    return x, torch.randn(x.shape, generator=g), torch.randn(CHANNELS, generator=g), torch.randn(CHANNELS, generator=g)


def tiny_generator():
    cfg = Config()
    cfg.model.width = 0.25
    torch.manual_seed(0)
    generator, _ = build_models(cfg.model, (1, 28, 28))
    return generator.eval(), cfg


def main(out: Path) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    world = World(rank=dist.get_rank(), size=dist.get_world_size(), control=dist.group.WORLD)
    x, loss_weights, weight, bias = batch_norm_inputs()
    norm = SyncBatchNorm2d(CHANNELS, momentum=0.1, eps=1e-3)
    with torch.no_grad():
        norm.weight.copy_(weight)
        norm.bias.copy_(bias)
    mine = world.shard(x).requires_grad_()
    y = norm(mine)
    (y * world.shard(loss_weights)).sum().backward()
    for p in norm.parameters():  # as DDP does, but summed: the test compares with one full-batch loss
        dist.all_reduce(p.grad)
    generator, cfg = tiny_generator()
    result = {
        "y": y.detach(), "x_grad": mine.grad, "weight_grad": norm.weight.grad, "bias_grad": norm.bias.grad,
        "running_mean": norm.running_mean, "running_var": norm.running_var,
        "num_batches_tracked": norm.num_batches_tracked,
        "mean": world.mean({"rank": torch.tensor(float(world.rank)), "one": torch.tensor(1.0)}),
        "any_rank1": world.any(world.rank == 1), "any_none": world.any(False),
        "share": world.share(f"from rank {world.rank}"),
        "gather": world.gather(torch.tensor([world.rank, 10 + world.rank])),
        "images": sample(generator, cfg, N_IMAGES, seed=3, world=world),
    }
    torch.save(result, out / f"rank-{world.rank}.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
