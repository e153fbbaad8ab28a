"""Training throughput of gankit's data-parallel step: a preset (the seed's by default) at its
global batch (the seed's 64 unless --batch-size).

    python bench/dist_throughput.py                                         # one process, no process group
    torchrun --nproc_per_node=1 bench/dist_throughput.py                    # one process through DDP (1 GPU)
    torchrun --nproc_per_node=2 bench/dist_throughput.py --threads 1        # two processes (gloo on CPUs)

Options: --config configs/fast.toml --batch-size N --steps 20 --repeats 3 --batch-norm per_rank|sync
--device auto|cpu|cuda --threads N.
Times the real training step (`gankit.run_step.make_step_fn` on an `open_session`, so sharding,
DDP and synchronised BatchNorm are all in it), not the logging, checkpoint or sample intervals.
The images are random MNIST-shaped bytes written to a temporary folder: throughput does not
depend on pixel values, and the script needs no dataset. Rank 0 prints one markdown row.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from gankit.config import load_config
from gankit.data import DATASETS, write_idx
from gankit.session import open_session
from gankit.run_step import make_step_fn


def fake_mnist(folder: Path, n: int = 1024) -> Path:
    """MNIST's four IDX files with random pixels and labels."""
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        images_file, labels_file = DATASETS["mnist"].split_files(split)
        write_idx(folder / images_file.name, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / labels_file.name, rng.integers(0, 10, n, dtype=np.uint8))
    return folder


def steps_per_second(step, steps: int, device: torch.device) -> float:
    def wait():
        if device.type == "cuda":
            torch.cuda.synchronize()
        if dist.is_initialized():
            dist.barrier()

    for _ in range(3):  # warm-up: allocator, kernels, DDP buckets
        step()
    wait()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    wait()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None, help="a config file (default: the seed preset's defaults)")
    parser.add_argument("--batch-size", type=int, default=0, help="global batch; 0: the config's")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-norm", default="per_rank", choices=["per_rank", "sync"])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=0, help="CPU threads per process; 0: the cores (gankit's default; shared among torchrun's local processes); -1: time each count and keep the fastest")
    args = parser.parse_args()
    under_torchrun = "RANK" in os.environ
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        cfg = load_config(args.config, [
            f"data.dir={fake_mnist(scratch)}", f"train.runs_dir={scratch / 'runs'}",
            *([f"train.batch_size={args.batch_size}"] if args.batch_size else []),
            f"train.threads={args.threads}", f"train.device={args.device}", f"dist.enabled={under_torchrun}",
            f"dist.batch_norm={args.batch_norm}"])
        session = open_session(cfg, config_name="bench")
        step = make_step_fn(session)
        rates = [steps_per_second(step, args.steps, session.device) for _ in range(args.repeats)]
        world, device, batch = session.world, session.device, cfg.train.batch_size
        backend = dist.get_backend() if dist.is_initialized() else "none"
        session.close()
    if world.is_main:
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine()
        print(f"torch {torch.__version__}, {name}, {torch.get_num_threads()} threads per process; "
              f"median of {args.repeats} x {args.steps} steps; dist.batch_norm = {args.batch_norm}", file=sys.stderr)
        rate = statistics.median(rates)
        print("| processes | backend | device | steps/s | images/s |")
        print("|---|---|---|---|---|")
        print(f"| {world.size} | {backend} | {device.type} | {rate:.3f} | {rate * batch:.1f} |")


if __name__ == "__main__":
    main()
