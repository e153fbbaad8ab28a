"""Small data: MNIST and Fashion-MNIST with 100, 1,000 and 6,000 training images, each without
augmentation, with DiffAugment and with ADA, at one budget of steps, evaluated with gankit's own
judges (protocol gankit-eval-v1: judge-FID, precision, recall, coverage, and the copy rate
against the run's own training images).

    .venv/bin/python bench/small_data.py [--steps 3000] [--seeds 0 1 2] [--datasets mnist] [--limits 1000]
        [--parallel 1] [--override KEY=VALUE ...]
    .venv/bin/python bench/small_data.py --quick --data-dir DIR    # a handful of steps: the test suite's smoke run
    .venv/bin/python bench/small_data.py --table runs/small_data/results.jsonl    # the table of recorded cells

Every cell is one `gankit train` on one CPU thread with `BASE` (below) and the cell's
`data.limit` and `augment.policy`, then `gankit eval --run RUN --json` of its last checkpoint.
The same `data.limit_seed` (0) in every cell: for a given size, every policy and training seed
sees the same images. Results go to `--runs-dir`/results.jsonl, one line per cell with the
command and the commit, and a markdown table is printed (every figure seed by seed, and the change of
the mean judge-FID relative to no augmentation, the figure to watch: at least -30 % with
1,000 images, with no higher copy rate).
"""

import argparse
import json
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# The unconditional `fast` preset's networks (the seed's DCGAN with 4x4 kernels, G at a quarter of
# the filters) with the `fast` preset's D at half of them: a quarter-width D does not overfit 1,000
# images in 3,000 steps, so augmentation has nothing to prevent (BENCHMARKS.md, "Small data").
# Adam 2e-3 (0.5, 0.999), g_ema, D's fakes drawn in train mode. ADA's p may cross [0, 1] in 100k
# images, so that it can move within a CPU budget of a few thousand steps (the paper's 500k is for
# GPU runs).
BASE = ["model.width=0.25", "model.d_width=0.5", "model.kernel=4", "d_opt.name=adam", "d_opt.lr=2e-3",
        "d_opt.decay=0", "d_opt.beta1=0.5", "g_opt.name=adam", "g_opt.lr=2e-3", "g_opt.decay=0", "g_opt.beta1=0.5",
        "ema.half_life_images=10000", "ema.ramp=0.05", "augment.ada_speed_images=100000", "train.threads=1",
        "train.fakes_g_mode=train", "train.progress=off"]
POLICIES = ("none", "diffaugment", "ada")
DATASETS = ("mnist", "fashion_mnist")
LIMITS = (100, 1000, 6000)


def cell_dir(args, dataset: str, limit: int, policy: str, seed: int) -> Path:
    return Path(args.runs_dir) / f"{dataset}-{limit}-{policy}-seed{seed}"


def train_command(args, dataset: str, limit: int, policy: str, seed: int) -> list[str]:
    overrides = [*BASE, f"data.name={dataset}", f"data.limit={limit}", f"augment.policy={policy}",
                 f"train.seed={seed}", f"train.steps={args.steps}", f"train.batch_size={args.batch_size}",
                 f"train.runs_dir={cell_dir(args, dataset, limit, policy, seed)}",
                 f"train.checkpoint_every={args.steps}", f"train.log_every={max(1, args.steps // 20)}",
                 f"train.sample_every={max(1, args.steps // 4)}", *args.override]
    if args.data_dir:
        overrides.append(f"data.dir={args.data_dir}")
    return [sys.executable, "-m", "gankit", "train", *[f"--{o}" for o in overrides]]


def run_cell(args, dataset: str, limit: int, policy: str, seed: int) -> dict:
    """Train and evaluate one cell; its result record."""
    command = train_command(args, dataset, limit, policy, seed)
    subprocess.run(command, check=True, capture_output=True, text=True)
    run = sorted(cell_dir(args, dataset, limit, policy, seed).iterdir())[-1]  # the newest: an earlier try may be there
    evaluation = subprocess.run([sys.executable, "-m", "gankit", "eval", "--run", str(run), "--json",
                                 *(["--n", str(args.eval_n)] if args.eval_n else [])],
                                check=True, capture_output=True, text=True)
    result = json.loads(evaluation.stdout.strip().splitlines()[-1])
    keep = ("fid", "precision", "recall", "coverage", "copy_rate", "memorised_fraction", "nn_feature_median")
    return {"dataset": dataset, "limit": limit, "policy": policy, "seed": seed, "steps": args.steps,
            "batch_size": args.batch_size, **run_signals(run), **{key: result[key] for key in keep}, "n": result["n"],
            "protocol": result["protocol"], "run": str(run), "command": " ".join(command), "commit": args.commit}


def run_signals(run: Path) -> dict:
    """What a run folder's logs say: its training time, ADA's p, the overfitting signals of the last
    log interval, and the alarms raised (name and step)."""
    stats = [json.loads(line) for line in (run / "stats.jsonl").read_text().splitlines()]
    last = stats[-1] if stats else {}
    alarms = run / "alarms.jsonl"
    raised = [json.loads(line) for line in alarms.read_text().splitlines()] if alarms.exists() else []
    return {"seconds": last.get("seconds"), "final_augment_p": last.get("augment_p"),
            "final_overfit_ratio": last.get("overfit_ratio"), "final_overfit_auc": last.get("overfit_auc"),
            "alarms": [{"name": a["name"], "step": a["step"]} for a in raised]}


def commit() -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


def table(records: list[dict]) -> list[str]:
    """Markdown rows, one per (dataset, limit, policy): each figure seed by seed ("a / b"), and the
    change of the mean judge-FID against no augmentation. "overfit AUC" is how often D ranked a
    training image above a held-out one at the last log interval; "overfits at" and "dropping at"
    the steps `discriminator_overfits` and `mode_dropping` fired at ("-": none)."""
    groups: dict[tuple, list[dict]] = {}
    order = lambda r: (DATASETS.index(r["dataset"]), r["limit"], POLICIES.index(r["policy"]), r["seed"])  # noqa: E731
    for r in sorted(records, key=order):
        groups.setdefault((r["dataset"], r["limit"], r["policy"]), []).append(r)
    mean_fid = lambda rows: statistics.fmean(r["fid"] for r in rows)  # noqa: E731

    def seeds(rows: list[dict], key: str, digits: int) -> str:
        return " / ".join("" if r.get(key) is None else f"{r[key]:.{digits}f}" for r in rows)

    def alarm(rows: list[dict], name: str) -> str:
        return " / ".join(", ".join(f"{a['step']:,}" for a in r.get("alarms", []) if a["name"] == name) or "-"
                          for r in rows)

    lines = ["| data | images | augmentation | seeds | judge-FID | mean vs none | precision | recall | coverage | "
             "copy rate | overfit AUC | overfits at | dropping at | ADA's p |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (dataset, limit, policy), rows in groups.items():
        baseline = groups.get((dataset, limit, "none"))
        change = f"{mean_fid(rows) / mean_fid(baseline) - 1:+.0%}" if baseline and policy != "none" else ""
        lines.append(f"| {dataset} | {limit:,} | {policy} | {' / '.join(str(r['seed']) for r in rows)} | "
                     f"{seeds(rows, 'fid', 2)} | {change} | {seeds(rows, 'precision', 3)} | {seeds(rows, 'recall', 3)} | "
                     f"{seeds(rows, 'coverage', 3)} | {seeds(rows, 'copy_rate', 4)} | "
                     f"{seeds(rows, 'final_overfit_auc', 2)} | {alarm(rows, 'discriminator_overfits')} | "
                     f"{alarm(rows, 'mode_dropping')} | "
                     f"{seeds(rows, 'final_augment_p', 3) if policy == 'ada' else ''} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--limits", nargs="+", type=int, default=list(LIMITS))
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=POLICIES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=3000, help="the budget: training steps of every cell")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--eval-n", type=int, default=0, help="generated images per evaluation (0: the protocol's 10,000)")
    parser.add_argument("--data-dir", default="", help="a folder with the dataset's files (default: where gankit finds it)")
    parser.add_argument("--runs-dir", default="runs/small_data")
    parser.add_argument("--parallel", type=int, default=1, help="cells trained at once: one per core on a CPU")
    parser.add_argument("--override", nargs="*", default=[], help="more overrides for every cell")
    parser.add_argument("--quick", action="store_true", help="MNIST, 100 images, one seed, 4 steps, 20 samples")
    parser.add_argument("--table", metavar="RESULTS", help="print the table of a results.jsonl and stop (trains nothing)")
    args = parser.parse_args()
    if args.table:
        print("\n".join(table([json.loads(line) for line in Path(args.table).read_text().splitlines()])))
        return
    if args.quick:
        args.datasets, args.limits, args.seeds, args.steps, args.batch_size, args.eval_n = (
            ["mnist"], [100], [0], 4, 8, 20)
    args.commit = commit()  # the code the cells start with (a commit made while they train is not theirs)
    Path(args.runs_dir).mkdir(parents=True, exist_ok=True)
    cells = [(dataset, limit, policy, seed) for dataset in args.datasets for limit in args.limits
             for policy in args.policies for seed in args.seeds]
    with open(Path(args.runs_dir) / "results.jsonl", "a") as out, ThreadPoolExecutor(args.parallel) as pool:
        records = []
        for record in pool.map(lambda cell: run_cell(args, *cell), cells):  # each cell is its own process
            records.append(record)
            out.write(json.dumps(record) + "\n")
            out.flush()
    print("\n".join(table(records)))


if __name__ == "__main__":
    main()
