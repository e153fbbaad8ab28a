"""Training throughput of the seed preset at batch 64: gankit's step against the plain eager
reference (bench/reference_dcgan.py), side by side in one process, for each thread count.

    .venv/bin/python bench/train_throughput.py [--steps 20] [--repeats 3] [--threads 1 2]

Prints a markdown table of median steps/s and images/s, and the ratio gankit / reference.
"""

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from reference_dcgan import ReferenceGAN  # noqa: E402

from gankit.config import Config  # noqa: E402
from gankit.gan import build_gan  # noqa: E402
from gankit.losses import LOSSES  # noqa: E402
from gankit.step import train_step  # noqa: E402


def gankit_stepper(real: torch.Tensor):
    gan = build_gan(Config(), (1, 28, 28), torch.device("cpu"))
    noise = torch.Generator().manual_seed(0)
    return lambda: train_step(gan, next_real=lambda: real, sample_z=lambda n: torch.rand(n, 100, generator=noise) * 2 - 1,
                              losses=LOSSES["non_saturating"], d_steps=1, fakes_g_mode="eval")


def steps_per_second(step, steps: int) -> float:
    for _ in range(3):  # warm-up: allocator, oneDNN primitives
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    torch.manual_seed(0)
    real = torch.rand(64, 1, 28, 28)
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} default threads; median of {args.repeats} x {args.steps} steps\n")
    print("| threads | reference steps/s | gankit steps/s | gankit images/s | gankit / reference |")
    print("|---|---|---|---|---|")
    for threads in args.threads:
        torch.set_num_threads(threads)
        reference, ours = [], []
        for _ in range(args.repeats):  # alternate, so drift in machine load hits both alike
            reference.append(steps_per_second(ReferenceGAN(real).step, args.steps))
            ours.append(steps_per_second(gankit_stepper(real), args.steps))
        ref, own = statistics.median(reference), statistics.median(ours)
        print(f"| {threads} | {ref:.3f} | {own:.3f} | {own * 64:.1f} | {own / ref:.2f} |")


if __name__ == "__main__":
    main()
