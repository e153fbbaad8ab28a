"""Training throughput of gankit's real training step under speed settings, side by side in one
process: each variant is a list of config overrides applied to one preset, run through
`open_session` and `make_step_fn` (data and noise drawn on the run's device, as in training).

    .venv/bin/python bench/step_variants.py [--config configs/seed_dcgan_mnist.toml]
        [--steps 200] [--repeats 3] [--batch-size 64] [--variants fp32 channels_last bf16 ...]
        [--override data.folder=photos/ ...]

Prints a markdown table of median steps/s, images/s, peak memory, the ratio to the first
variant and G's and D's parameter counts (the networks timed). With `--reference`, the textbook
eager loop (bench/reference_dcgan.py) is measured too.
On the CPU the fp32 matmul rate (2048x2048, `--threads` threads) is measured before and after the
variants, so that a table says how fast the machine was while it ran.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from reference_dcgan import ReferenceGAN  # noqa: E402
from train_throughput import matmul_flops  # noqa: E402

from gankit.config import load_config  # noqa: E402
from gankit.models import count_parameters  # noqa: E402
from gankit.session import open_session  # noqa: E402
from gankit.run_step import make_step_fn  # noqa: E402

VARIANTS = {
    "fp32": [],
    "channels_last": ["train.memory_format=channels_last"],
    "bf16": ["train.precision=bf16"],
    "bf16+channels_last": ["train.precision=bf16", "train.memory_format=channels_last"],
    "compile": ["train.compile=default"],
    "compile_reduce_overhead": ["train.compile=reduce-overhead"],  # torch.compile's own CUDA graphs
    "graphs": ["train.cuda_graphs=true"],  # gankit's capture of the whole step (gankit.graph_step)
    "channels_last+graphs": ["train.memory_format=channels_last", "train.cuda_graphs=true"],
    "bf16+graphs": ["train.precision=bf16", "train.cuda_graphs=true"],
    "bf16+channels_last+graphs": ["train.precision=bf16", "train.memory_format=channels_last",
                                  "train.cuda_graphs=true"],
    "batch128": ["train.batch_size=128"],  # images/s at a larger batch (quality needs the lr rescaled)
    "batch256": ["train.batch_size=256"],
    "d_width0.25": ["model.d_width=0.25"],  # D's width alone (the fast preset's G unchanged): its D before,
    "d_width0.5": ["model.d_width=0.5"],  # its D now,
    "d_width1": ["model.d_width=1"],  # and a wider one
}


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def steps_per_second(step, steps: int, device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize(device)
    return steps / (time.perf_counter() - start)


def measure(config: str, overrides: list[str], args, runs_dir: str) -> tuple[list[float], float, int, tuple[int, int]]:
    """Steps/s of each repeat, peak memory in MiB (CUDA only), the batch size, and G's and D's
    parameter counts (what was timed)."""
    cfg = load_config(config, [f"data.dir={args.data_dir}", f"train.runs_dir={runs_dir}",
                               f"train.threads={args.threads}", f"train.device={args.device}",
                               *([f"train.batch_size={args.batch_size}"] if args.batch_size else []),
                               *args.override, *overrides])
    session = open_session(cfg, config_name="bench")
    step = make_step_fn(session)
    for _ in range(args.warmup):  # compilation, CUDA graph capture, allocator, oneDNN primitives
        step()
    if session.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    rates = [steps_per_second(step, args.steps, session.device) for _ in range(args.repeats)]
    peak = torch.cuda.max_memory_allocated() / 2**20 if session.device.type == "cuda" else float("nan")
    sizes = count_parameters(session.gan.generator), count_parameters(session.gan.discriminator)
    return rates, peak, cfg.train.batch_size, sizes


def measure_reference(args) -> list[float]:
    device = torch.device("cuda" if args.device in ("auto", "cuda") and torch.cuda.is_available() else "cpu")
    reference = ReferenceGAN(torch.rand(64, 1, 28, 28, device=device))
    for _ in range(args.warmup):
        reference.step()
    return [steps_per_second(reference.step, args.steps, device) for _ in range(args.repeats)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="", help="a folder with MNIST's four IDX files "
                        "(default: where gankit finds MNIST, at the latest its own copy)")
    parser.add_argument("--config", default="configs/seed_dcgan_mnist.toml")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=0, help="0: the config's")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--override", nargs="*", default=[], help="config overrides for every variant, "
                        "e.g. data.folder=DIR to time the folder recipe on your images")
    args = parser.parse_args()
    name = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU"
    print(f"torch {torch.__version__}, {name}, {args.config}; median of {args.repeats} x {args.steps} steps\n")
    on_cpu = args.device == "cpu" or not torch.cuda.is_available()
    cpu_threads = args.threads or torch.get_num_threads()
    if on_cpu:
        print(f"fp32 matmul before: {matmul_flops(cpu_threads) / 1e9:.0f} GFLOP/s at {cpu_threads} threads\n",
              flush=True)
    print("| variant | steps/s | images/s | peak MiB | ratio | G parameters | D parameters |")
    print("|---|---|---|---|---|---|---|")
    first = None
    with tempfile.TemporaryDirectory() as runs_dir:
        if args.reference:
            first = statistics.median(measure_reference(args))
            print(f"| textbook eager reference | {first:.2f} | {first * 64:.0f} | | 1.00 | | |", flush=True)
        for variant in args.variants:
            rates, peak, batch, (g_size, d_size) = measure(args.config, VARIANTS[variant], args, runs_dir)
            rate = statistics.median(rates)
            first = first or rate
            print(f"| {variant} | {rate:.2f} | {rate * batch:.0f} | {peak:.0f} | {rate / first:.2f} | {g_size:,} | "
                  f"{d_size:,} |", flush=True)
    if on_cpu:
        print(f"\nfp32 matmul after: {matmul_flops(cpu_threads) / 1e9:.0f} GFLOP/s at {cpu_threads} threads")


if __name__ == "__main__":
    main()
