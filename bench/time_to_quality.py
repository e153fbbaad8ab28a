"""Time to quality: how long `gankit train` takes on this machine to reach a judge-FID
(gankit-eval-v1) threshold, for one preset.

    .venv/bin/python bench/time_to_quality.py --config configs/fast.toml \
        [--eval-every 500] [--threshold 4.23] [--runs-dir runs/time_to_quality] [--override K=V ...]
        [--data-dir DIR] [--report-only]

DIR: a folder with MNIST's four IDX files, e.g. gankit's own copy, src/gankit/data/embedded/mnist.
The default threshold, 4.23, is the seed preset's judge-FID after 2,000 steps (H100 run,
BENCHMARKS.md, "Seed preset: judge-FID by training steps").

It runs the preset as a user would (one `gankit train` process, gankit's default thread count;
add `--override train.threads=-1` for the timed choice the recorded tables used) with an
evaluation every `--eval-every` steps, and prints, per evaluation: the step, the run's training
clock (evaluation excluded, `seconds` in metrics.jsonl), steps/s and images/s, the FID and the
evaluation's own time (`eval_seconds`, the real side's loading included in the first). The last
lines give the training time to the first FID at or under the threshold, the process's whole
wall time (start-up, training and every evaluation), and what the evaluations cost against the
training time.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--data-dir", default="", help="a folder with MNIST's four IDX files "
                        "(default: where gankit finds MNIST, at the latest its own copy)")
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--threshold", type=float, default=4.23, help="FID to reach (default 4.23: the seed preset's judge-FID after 2,000 steps, H100 run; "
                        "BENCHMARKS.md, 'Seed preset: judge-FID by training steps')")
    parser.add_argument("--runs-dir", default="runs/time_to_quality")
    parser.add_argument("--override", nargs="*", default=[], help="more overrides, e.g. train.steps=2000")
    parser.add_argument("--report-only", action="store_true", help="print the table of the last run in --runs-dir")
    args = parser.parse_args()
    wall = None
    if not args.report_only:
        overrides = [f"data.dir={args.data_dir}", f"eval.every={args.eval_every}", f"train.runs_dir={args.runs_dir}",
                     *args.override]
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gankit", "train", "--config", args.config,
                        *(f"--{o}" for o in overrides)], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
    print_table(args, sorted(Path(args.runs_dir).glob("*/metrics.jsonl"))[-1], wall)


def print_table(args, metrics: Path, wall: float | None) -> None:
    """The evaluations in `metrics` (a run's metrics.jsonl), the training time to the threshold, and
    what the evaluations cost; `wall`: the process's wall time, where this call trained the run."""
    records = [json.loads(line) for line in metrics.read_text().splitlines()]
    batch = records[0]["images_seen"] / records[0]["step"]
    print(f"{args.config} ({metrics.parent}): threshold FID <= {args.threshold}\n")
    print("| step | training s | steps/s | images/s | judge-FID | recall | evaluation s |")
    print("|---|---|---|---|---|---|---|")
    for r in records:
        rate = r["step"] / r["seconds"]
        print(f"| {r['step']} | {r['seconds']:.1f} | {rate:.2f} | {rate * batch:.0f} | {r['fid']:.2f} "
              f"| {r['recall']:.3f} | {r['eval_seconds']:.1f} |")
    reached = next((r for r in records if r["fid"] <= args.threshold), None)
    when = f"{reached['seconds']:.1f} s of training (step {reached['step']})" if reached else "not reached"
    process = f"; the whole process: {wall:.1f} s wall" if wall is not None else ""
    print(f"\nFID <= {args.threshold}: {when}{process}")
    evaluating = sum(r["eval_seconds"] for r in records)
    print(f"{len(records)} evaluations: {evaluating:.1f} s, {evaluating / records[-1]['seconds']:.0%} of the "
          f"{records[-1]['seconds']:.1f} s of training")


if __name__ == "__main__":
    main()
