"""Training throughput of the seed preset at batch 64 on the CPU: gankit's training step, as
`gankit train` runs it, against the plain eager reference (bench/reference_dcgan.py), side by
side in one process, with this machine's matmul throughput measured in the same run.

    .venv/bin/python bench/train_throughput.py [--steps 10] [--fast-steps 200] [--repeats 3]
                                               [--busy-cores 0]

Rows: the reference at PyTorch's default thread count (what a textbook script gets) and gankit
with threads by measurement (`train.threads = -1`: a pass timed at each count, the fastest
kept; gankit's default when the tables in bench/results/ were recorded), then both at each
fixed thread count, and last the fast preset (`configs/fast.toml`) with threads by
measurement. Repeats alternate between the loops, so drift in load hits them alike.
`--busy-cores N` keeps N cores busy with another job (a one-thread matmul loop per core) for the
whole run, matmul bound included: a laptop where something else is running.
The FLOP count is each preset's FLOPs per iteration (counted by PyTorch's
FlopCounterMode with symmetric padding, i.e. without TensorFlow-'same' border overhead); the
bound is that count against a 2048x2048 fp32 matmul's FLOP/s at the same thread count.
"""

import argparse
import contextlib
import multiprocessing
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).parent))
from reference_dcgan import ReferenceGAN  # noqa: E402

from gankit.accel import available_cores  # noqa: E402
from gankit.config import load_config  # noqa: E402
from gankit.gan import build_gan  # noqa: E402
from gankit.models import is_conditional  # noqa: E402
from gankit.session import open_session  # noqa: E402
from gankit.step import StepOptions, train_step  # noqa: E402
from gankit.run_step import make_step_fn  # noqa: E402


PRESETS = {"gankit": "configs/seed_dcgan_mnist.toml", "fast": "configs/fast.toml"}


def model_flops(config: str) -> float:
    """FLOPs of one iteration (D step + G step, batch 64) of a preset, without padding overhead
    where the kernel is odd (an even kernel needs the asymmetric 'same' padding)."""
    cfg = load_config(config)
    if cfg.model.kernel % 2:
        cfg.model.padding = "symmetric"
    conditional = is_conditional(cfg.model)
    if conditional:
        cfg.model.num_classes = 10
    gan = build_gan(cfg, (1, 28, 28), torch.device("cpu"))
    real, labels = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,)) if conditional else None
    with FlopCounterMode(display=False) as counter:
        train_step(gan, next_real=lambda: (real, labels), sample_z=lambda n: (torch.rand(n, 100) * 2 - 1, labels),
                   options=StepOptions.from_config(cfg))
    return counter.get_total_flops()


def matmul_flops(threads: int, size: int = 2048) -> float:
    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(9):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times)


def steps_per_second(step, steps: int) -> float:
    for _ in range(2):  # warm-up: allocator, oneDNN primitives
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def gankit_stepper(config: str, data_dir: str, runs_dir: str, threads: int):
    """gankit's step as `gankit train` builds it: session, data and noise samplers, interval-free."""
    cfg = load_config(config, [f"data.dir={data_dir}", f"train.runs_dir={runs_dir}", f"train.threads={threads}",
                               "train.device=cpu"])
    with contextlib.redirect_stdout(sys.stderr):  # the session's thread-choice line stays out of the table
        session = open_session(cfg, config_name="bench")
    return make_step_fn(session), torch.get_num_threads()


def busy_loop() -> None:
    """Another job on one core: one-thread fp32 matmuls until killed."""
    torch.set_num_threads(1)
    a = torch.randn(512, 512)
    while True:
        a @ a


@contextlib.contextmanager
def busy_cores(n: int):
    """Run `busy_loop` in n background processes for the duration of the block."""
    jobs = [multiprocessing.get_context("spawn").Process(target=busy_loop, daemon=True) for _ in range(n)]
    for job in jobs:
        job.start()
    try:
        yield
    finally:
        for job in jobs:
            job.terminate()
            job.join()


def reference_stepper(threads: int):
    torch.set_num_threads(threads)
    return ReferenceGAN(torch.rand(64, 1, 28, 28)).step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="", help="a folder with MNIST's four IDX files "
                        "(default: where gankit finds MNIST, at the latest its own copy)")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--fast-steps", type=int, default=200, help="steps per timing of the fast preset")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--busy-cores", type=int, default=0, help="cores kept busy by another job during the run")
    args = parser.parse_args()
    default_threads, cores = torch.get_num_threads(), available_cores()
    flops = {kind: model_flops(config) for kind, config in PRESETS.items()}
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {cores} cores, "
          f"PyTorch default {default_threads} threads; GFLOP per iteration: seed {flops['gankit'] / 1e9:.1f}, "
          f"fast {flops['fast'] / 1e9:.2f}; median of {args.repeats} x {args.steps} steps; "
          f"{args.busy_cores} cores busy with another job\n")
    print("| loop | threads | steps/s | images/s | matmul GFLOP/s | % of matmul bound |")
    print("|---|---|---|---|---|---|")
    rows = [("reference (PyTorch default)", "ref", default_threads), ("gankit (threads by measurement)", "gankit", -1)]
    rows += [(f"{name}", kind, n) for n in range(1, cores + 1) for name, kind in (("reference", "ref"), ("gankit", "gankit"))]
    rows += [("gankit, fast preset (threads by measurement)", "fast", -1)]
    results = {}
    with tempfile.TemporaryDirectory() as runs_dir, busy_cores(args.busy_cores):
        for _ in range(args.repeats):
            for label, kind, threads in rows:
                if kind == "ref":
                    step, used = reference_stepper(threads), threads
                else:
                    step, used = gankit_stepper(PRESETS[kind], args.data_dir, runs_dir, threads)
                rate = steps_per_second(step, args.fast_steps if kind == "fast" else args.steps)
                results.setdefault((label, kind, threads), []).append((rate, used))
        matmul = {n: matmul_flops(n) for n in range(1, cores + 1)}
    for (label, kind, threads), measured in results.items():
        rate, used = statistics.median(r for r, _ in measured), measured[-1][1]
        shown = f"{used}" if threads > 0 else f"{', '.join(str(u) for _, u in measured)} (chosen)"
        print(f"| {label} | {shown} | {rate:.3f} | {rate * 64:.1f} | {matmul[used] / 1e9:.0f} | "
              f"{100 * rate * flops['fast' if kind == 'fast' else 'gankit'] / matmul[used]:.0f} % |")
    ref = statistics.median(r for r, _ in results[("reference (PyTorch default)", "ref", default_threads)])
    own = statistics.median(r for r, _ in results[("gankit (threads by measurement)", "gankit", -1)])
    print(f"\ngankit / reference (each as a user runs it): {own / ref:.2f}x")


if __name__ == "__main__":
    main()
