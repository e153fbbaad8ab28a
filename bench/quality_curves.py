"""Judge-FID (gankit-eval-v1) against training steps for several configs: each candidate is a
`gankit train` run with evaluation every `--eval-every` steps; the table gathers their
metrics.jsonl. Used to choose the `fast` preset (docs in BENCHMARKS.md).

    .venv/bin/python bench/quality_curves.py --steps 4000 --eval-every 500 \
        [--parallel 4] [--candidates NAME ...]

Runs go to `--runs-dir` (default runs/quality_curves). `--parallel` runs that many at once
(useful on a GPU, which these small models leave mostly idle; use 1 on a CPU).
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ADAM = ["d_opt.name=adam", "g_opt.name=adam", "d_opt.decay=0", "g_opt.decay=0", "d_opt.lr=2e-4", "g_opt.lr=2e-4"]
LR5E4 = ["d_opt.lr=5e-4", "g_opt.lr=5e-4"]
ACGAN = ["model.name=acgan", "model.backbone=dcgan"]
EMA = ["ema.half_life_images=10000", "ema.ramp=0.05"]
CANDIDATES = {
    "seed": [],
    "w0.25-k3-adam": ["model.width=0.25", "model.kernel=3", *ADAM],
    "w0.25-k3-adam-lr5e-4": ["model.width=0.25", "model.kernel=3", *ADAM, "d_opt.lr=5e-4", "g_opt.lr=5e-4"],
    "w0.25-k3-rmsprop": ["model.width=0.25", "model.kernel=3"],
    "w0.25-k5-adam": ["model.width=0.25", *ADAM],
    "w0.375-k3-adam": ["model.width=0.375", "model.kernel=3", *ADAM],
    "w0.5-k3-adam": ["model.width=0.5", "model.kernel=3", *ADAM],
    "w0.5-k3-adam-b32": ["model.width=0.5", "model.kernel=3", *ADAM, "train.batch_size=32"],
    "radford-w1-adam": ["model.name=dcgan_radford", *ADAM],
    "radford-w1-adam-ema": ["model.name=dcgan_radford", *ADAM, *EMA],
    "radford-w0.5-adam-ema": ["model.name=dcgan_radford", "model.width=0.5", *ADAM, *EMA],
    "radford-w0.5-adam-ema-lr5e-4": ["model.name=dcgan_radford", "model.width=0.5", *ADAM, *EMA,
                                     "d_opt.lr=5e-4", "g_opt.lr=5e-4"],
    "radford-w0.375-adam-ema": ["model.name=dcgan_radford", "model.width=0.375", *ADAM, *EMA],
    "w0.25-k5-adam-ema": ["model.width=0.25", *ADAM, *EMA],
    "w0.5-k3-adam-ema": ["model.width=0.5", "model.kernel=3", *ADAM, *EMA],
    "acgan-w0.25-k3-adam-lr5e-4": [*ACGAN, "model.width=0.25", "model.kernel=3", *ADAM, *LR5E4],
    "acgan-w0.25-k3-adam-lr5e-4-ema": [*ACGAN, "model.width=0.25", "model.kernel=3", *ADAM, *LR5E4, *EMA],
}


def launch(name: str, args) -> subprocess.Popen:
    overrides = [f"--{o}" for o in [*CANDIDATES[name], f"data.dir={args.data_dir}", f"train.steps={args.steps}",
                                    f"eval.every={args.eval_every}", f"train.runs_dir={args.runs_dir}/{name}",
                                    f"train.checkpoint_every={args.steps}", "train.keep_checkpoints=1",
                                    f"train.sample_every={args.eval_every}", *args.override]]
    log = open(Path(args.runs_dir) / f"{name}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "gankit", "train", "--config", args.config, *overrides],
                            stdout=log, stderr=subprocess.STDOUT)


def curve(name: str, args) -> dict[int, dict]:
    files = sorted(Path(args.runs_dir, name).glob("*/metrics.jsonl"))
    records = [json.loads(line) for line in files[-1].read_text().splitlines()] if files else []
    return {r["step"]: r for r in records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="", help="a folder with MNIST's four IDX files "
                        "(default: where gankit finds MNIST, at the latest its own copy)")
    parser.add_argument("--config", default="configs/seed_dcgan_mnist.toml")
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES), choices=list(CANDIDATES))
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--runs-dir", default="runs/quality_curves")
    parser.add_argument("--override", nargs="*", default=[], help="more overrides for every run, e.g. train.device=cuda")
    args = parser.parse_args()
    Path(args.runs_dir).mkdir(parents=True, exist_ok=True)
    pending, running = list(args.candidates), []
    while pending or running:
        while pending and len(running) < args.parallel:
            running.append(launch(pending.pop(0), args))
        running.pop(0).wait()
    steps = range(args.eval_every, args.steps + 1, args.eval_every)
    print("| candidate | " + " | ".join(f"FID @{s}" for s in steps) + " | classes @end |")
    print("|---|" + "---|" * (len(steps) + 1))
    for name in args.candidates:
        points = curve(name, args)
        cells = [f"{points[s]['fid']:.2f}" if s in points else "-" for s in steps]
        last = points[max(points)]["classes_covered"] if points else "-"
        print(f"| {name} | " + " | ".join(cells) + f" | {last} |")


if __name__ == "__main__":
    main()
