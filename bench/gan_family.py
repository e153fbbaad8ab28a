"""The GAN family on MNIST: each model's config trained for a stated budget and evaluated with
protocol gankit-eval-v1 (judge-FID, precision, recall, classes covered, and for conditional
models the judge's accuracy on each class asked for).

    .venv/bin/python bench/gan_family.py [--parallel 2] [--models NAME ...]

Each model is a `gankit train --config configs/<model>_mnist.toml` run on one CPU thread
(`train.threads=1`), so "CPU minutes" is the run's own clock (evaluation excluded). Budgets are
in steps, chosen so that the unconditional models get about the same CPU time as the seed;
`--scale` multiplies every budget. Runs go to `--runs-dir` (default runs/gan_family).
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

# model -> (config, steps, evaluations along the way)
MODELS = {  # longest first, so that parallel runs end together
    "cgan": ("configs/cgan_mnist.toml", 5000, 10),
    "acgan": ("configs/acgan_mnist.toml", 5000, 10),
    "hinge_sn": ("configs/hinge_sn_mnist.toml", 2100, 7),
    "wgan_gp": ("configs/wgan_gp_mnist.toml", 760, 8),
    "seed": ("configs/seed_dcgan_mnist.toml", 600, 3),
    "lsgan": ("configs/lsgan_mnist.toml", 600, 2),
    "wgan": ("configs/wgan_mnist.toml", 256, 2),
}


def launch(name: str, args) -> subprocess.Popen:
    config, steps, evaluations = MODELS[name]
    steps = round(steps * args.scale)
    overrides = [f"data.dir={args.data_dir}", f"train.steps={steps}", f"eval.every={steps // evaluations}",
                 f"train.runs_dir={args.runs_dir}/{name}", f"train.checkpoint_every={steps}",
                 f"train.sample_every={steps // evaluations}", "train.threads=1", "train.progress=log",
                 *args.override]
    with open(Path(args.runs_dir) / f"{name}.log", "w") as log:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, "-m", "gankit", "train", "--config", config,
                                 *[f"--{o}" for o in overrides]], stdout=log, stderr=subprocess.STDOUT)


def evaluations(name: str, args) -> list[dict]:
    """The records of the model's latest run's metrics.jsonl, in step order."""
    files = sorted(Path(args.runs_dir, name).glob("*/metrics.jsonl"))
    return [json.loads(line) for line in files[-1].read_text().splitlines()] if files else []


def row(name: str, record: dict) -> str:
    accuracy = f"{record['min_class_accuracy']:.1%}" if "min_class_accuracy" in record else ""
    return (f"| {name} | {record['step']} | {record['seconds'] / 60:.1f} | {record['fid']:.2f} | "
            f"{record['precision']:.3f} | {record['recall']:.3f} | {record['classes_covered']} | {accuracy} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="", help="a folder with MNIST's four IDX files "
                        "(default: where gankit finds MNIST, at the latest its own copy)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every model's budget of steps")
    parser.add_argument("--parallel", type=int, default=2, help="runs at once: one per core on a CPU")
    parser.add_argument("--runs-dir", default="runs/gan_family")
    parser.add_argument("--report-only", action="store_true", help="print the table of existing runs")
    parser.add_argument("--override", nargs="*", default=[], help="more overrides for every run")
    args = parser.parse_args()
    Path(args.runs_dir).mkdir(parents=True, exist_ok=True)
    pending, running = ([] if args.report_only else list(args.models)), []
    while pending or running:
        while pending and len(running) < args.parallel:
            running.append(launch(pending.pop(0), args))
        time.sleep(5)
        running = [run for run in running if run.poll() is None]
    print("| model | steps | CPU min | judge-FID | precision | recall | classes | lowest class accuracy |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.models:
        for record in evaluations(name, args):
            print(row(name, record))


if __name__ == "__main__":
    main()
