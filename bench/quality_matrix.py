"""The quality matrix: every shipped config on MNIST and Fashion-MNIST, over seeds, scored with
gankit's judges (protocol gankit-eval-v1), next to what real images score under the same judge.

    .venv/bin/python bench/quality_matrix.py [--configs NAME ...] [--datasets mnist fashion_mnist]
        [--seeds 0 1] [--parallel 2] [--scale 1.0] [--runs-dir runs/quality_matrix]
    .venv/bin/python bench/quality_matrix.py --reference-only     # the real images' rows alone
    .venv/bin/python bench/quality_matrix.py --quick               # a few steps, a few images: a smoke test

A run stopped before its budget (the machine shut down, the script interrupted) continues from its
latest checkpoint (one every tenth of the budget) when the script is started again with the same
--runs-dir and --scale: `gankit train --resume`, which is exact and keeps the run's clock, so a
matrix of many CPU hours can be run a few hours at a time. A finished run is not trained again. A
run started with another setting (another --scale or --override, or a config file changed since) is
left alone, and a new run starts beside it.

Each run is `gankit train --config <config> --data.name=<dataset> --train.seed=<seed>` for the
config's budget of steps (`CONFIGS`; `--scale` multiplies them), on one CPU thread, evaluated once
at its end: judge-FID, precision, recall, coverage, classes covered, the lowest per-class accuracy
of conditional models, and the within-class variety (the lowest over the classes of the variety of
the judge's features within a class against that of the real images of the class; 1 = as varied,
near 0 = a class drawn as one image). "CPU min" is the run's own training clock (evaluation excluded).

The reference rows score real training images (10,000 drawn with the seed) and the same images
shifted by one pixel (a direction drawn with the seed, the pixels shifted in filled with
background), against the test images: what "as good as the data" reads as under this judge.

The first table has one row per run, with the health alarms it raised; the second, per config and
dataset, the median over the seeds with the range [lowest, highest].
"""

import argparse
import statistics
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import torch

from gankit.checkpoint import list_checkpoints
from gankit.config import Config, load_config, to_dict
from gankit.errors import ConfigError
from gankit.jsonlog import read_records

# name -> (config, steps): the GAN family's budgets (bench/gan_family.py), the presets' own steps
CONFIGS = {  # longest first, so that parallel runs end together
    "cgan": ("configs/cgan_mnist.toml", 5000),
    "acgan": ("configs/acgan_mnist.toml", 5000),
    "fast": ("configs/fast.toml", 3000),
    "fast_unconditional": ("configs/fast_unconditional.toml", 3000),
    "hinge_sn": ("configs/hinge_sn_mnist.toml", 2100),
    "wgan_gp": ("configs/wgan_gp_mnist.toml", 760),
    "seed": ("configs/seed_dcgan_mnist.toml", 600),
    "lsgan": ("configs/lsgan_mnist.toml", 600),
    "wgan": ("configs/wgan_mnist.toml", 256),
}
DATASETS = ("mnist", "fashion_mnist")
QUICK_STEPS, QUICK_IMAGES = 2, 20  # --quick: steps per run, images per evaluation
# settings two runs may differ in and still be the same run: bookkeeping, and what a run fills in from its data
NOT_COMPARED = {"train": ("checkpoint_every", "progress", "runs_dir"), "model": ("num_classes",)}
SHIFTS = ((0, 1), (0, -1), (1, 1), (1, -1))  # (axis of (H, W), direction): down, up, right, left


def run_folder(args, config: str, dataset: str, seed: int) -> Path:
    return Path(args.runs_dir) / config / dataset / f"seed{seed}"


def budget(args, config: str) -> int:
    """The steps a run of `config` trains for."""
    return QUICK_STEPS if args.quick else round(CONFIGS[config][1] * args.scale)


def run_overrides(args, config: str, dataset: str, seed: int) -> list[str]:
    """The overrides of a new run of `config` on `dataset` with `seed`, on top of its config file."""
    steps = budget(args, config)
    return [f"data.name={dataset}", f"train.seed={seed}", f"train.steps={steps}", f"eval.every={steps}",
            f"train.runs_dir={run_folder(args, config, dataset, seed)}", f"train.checkpoint_every={max(1, steps // 10)}",
            f"train.sample_every={steps}", "train.threads=1", "train.progress=log",
            *([f"eval.n={QUICK_IMAGES}"] if args.quick else []), *args.override]


def setting(cfg: Config) -> dict:
    """What a run with `cfg` learns from: the config as tables, less `NOT_COMPARED`."""
    tables = to_dict(cfg)
    for section, keys in NOT_COMPARED.items():
        for key in keys:
            tables[section].pop(key)
    return tables


def current_run(args, config: str, dataset: str, seed: int) -> Path | None:
    """The latest run folder of (config, dataset, seed) whose stored config.toml has the setting a
    new run would get now, or None."""
    wanted = setting(load_config(CONFIGS[config][0], run_overrides(args, config, dataset, seed)))
    runs = sorted(p for p in run_folder(args, config, dataset, seed).glob("*") if (p / "config.toml").exists())
    return next((run for run in reversed(runs) if stored_setting(run) == wanted), None)


def stored_setting(run: Path) -> dict | None:
    """The setting in `run`'s config.toml, or None (said on stderr) where that file cannot be read."""
    try:
        return setting(load_config(run / "config.toml"))
    except ConfigError as err:
        print(f"not resuming {run}: {err}", file=sys.stderr)
        return None


def train_command(args, config: str, dataset: str, seed: int) -> list[str]:
    """The `gankit train` arguments of one run (its folder created): a new run, or the resumption
    of one of the same setting that stopped early."""
    run_folder(args, config, dataset, seed).mkdir(parents=True, exist_ok=True)
    run = current_run(args, config, dataset, seed)
    if run is not None and list_checkpoints(run / "checkpoints"):
        return ["train", "--resume", str(run), "--train.progress=log"]  # its stored config holds the rest
    return ["train", "--config", CONFIGS[config][0], *[f"--{o}" for o in run_overrides(args, config, dataset, seed)]]


def finished(args, config: str, dataset: str, seed: int) -> bool:
    record = final_record(args, config, dataset, seed)
    return record is not None and record.get("step") == budget(args, config)


def open_log(args, job: tuple[str, str, int], command: list[str]):
    """The run's train.log, opened to append (a resumed run adds to it), the command written first."""
    log = open(run_folder(args, *job) / "train.log", "a")
    log.write(f"$ gankit {' '.join(command)}\n")
    log.flush()
    return log


def launch(args, config: str, dataset: str, seed: int) -> subprocess.Popen:
    command = train_command(args, config, dataset, seed)
    with open_log(args, (config, dataset, seed), command) as log:  # the child keeps its own copy
        return subprocess.Popen([sys.executable, "-m", "gankit", *command], stdout=log, stderr=subprocess.STDOUT)


def train_in_process(args, jobs: list[tuple[str, str, int]]) -> None:
    """--quick: every run in this process, one after the other (starting a Python and torch per
    run would take longer than its few steps)."""
    from gankit.cli import main as gankit

    for job in jobs:
        command = train_command(args, *job)
        with open_log(args, job, command) as log, redirect_stdout(log), redirect_stderr(log):
            code = gankit(command)
        if code:
            sys.exit(f"{job}: gankit train failed; see {run_folder(args, *job) / 'train.log'}")


def train_all(args, jobs: list[tuple[str, str, int]]) -> None:
    """Run every (config, dataset, seed) in `jobs`, `args.parallel` at a time; stop on a failure."""
    jobs = [job for job in jobs if not finished(args, *job)]
    if args.quick:
        return train_in_process(args, jobs)
    pending, running = list(jobs), []
    while pending or running:
        while pending and len(running) < args.parallel:
            job = pending.pop(0)
            running.append((job, launch(args, *job)))
        time.sleep(5)
        for job, process in running:
            if process.poll() not in (None, 0):
                sys.exit(f"{job}: gankit train failed; see {run_folder(args, *job) / 'train.log'}")
        running = [(job, process) for job, process in running if process.poll() is None]


def final_record(args, config: str, dataset: str, seed: int) -> dict | None:
    """The last evaluation of the current run of (config, dataset, seed) (`current_run`), with the
    health alarms the run raised ("alarms": [(name, step), ...]), or None."""
    run = current_run(args, config, dataset, seed)
    evaluations = read_records(run / "metrics.jsonl") if run is not None else []
    if not evaluations:
        return None
    raised = read_records(run / "alarms.jsonl")
    return {**evaluations[-1], "alarms": [(a["name"], a["step"]) for a in raised]}


def shifted(images: torch.Tensor, axis: int, direction: int) -> torch.Tensor:
    """uint8 (N, C, H, W) images moved one pixel along H (axis 0) or W (axis 1), by `direction`
    (+1 or -1), with background (0) shifted in where the images left."""
    dim = 2 + axis
    out = images.roll(direction, dims=dim)
    out.select(dim, 0 if direction > 0 else -1).zero_()  # the row or column that wrapped round
    return out


def reference_records(dataset: str, seed: int, n: int) -> dict[str, dict]:
    """{"real": ..., "real, 1-pixel shift": ...}: evaluations of n real training images drawn with
    `seed`, as they are and shifted by one pixel in the direction `seed` picks."""
    from gankit.data import load_split
    from gankit.eval import evaluate_images

    images = load_split(dataset, "train").images
    generator = torch.Generator().manual_seed(seed)
    sample = images[torch.randperm(len(images), generator=generator)[:n]]
    axis, direction = SHIFTS[int(torch.randint(len(SHIFTS), (1,), generator=generator))]
    return {"real": evaluate_images(sample, dataset),
            "real, 1-pixel shift": {**evaluate_images(shifted(sample, axis, direction), dataset),
                                    "shift": ("HW"[axis], direction)}}


def cell(record: dict, key: str, fmt: str) -> str:
    value = record.get(key)
    return "" if value is None else format(value, fmt)


COLUMNS = (("fid", ".2f"), ("precision", ".3f"), ("recall", ".3f"), ("coverage", ".3f"),
           ("classes_covered", "d"), ("min_class_accuracy", ".1%"), ("within_class_variety", ".2f"))
HEADER = "| judge-FID | precision | recall | coverage | classes | lowest class accuracy | within-class variety |"


def run_row(name: str, dataset: str, seed: int, record: dict) -> str:
    minutes = f"{record['seconds'] / 60:.1f}" if "seconds" in record else ""
    step = record.get("step", "")
    alarms = (", ".join(f"{alarm} at {at:,}" for alarm, at in record["alarms"]) or "-") if "alarms" in record else ""
    return (f"| {name} | {dataset} | {seed} | {step} | {minutes} | "
            + " | ".join(cell(record, key, fmt) for key, fmt in COLUMNS) + f" | {alarms} |")


def spread(values: list, fmt: str) -> str:
    """median [lowest, highest] of the values that exist."""
    values = [v for v in values if v is not None]
    if not values:
        return ""
    if len(values) == 1:
        return format(values[0], fmt)
    middle = statistics.median(values)
    middle_fmt = (".1f" if middle % 1 else ".0f") if fmt.endswith("d") else fmt  # two counts' median may fall between
    return f"{format(middle, middle_fmt)} [{format(min(values), fmt)}, {format(max(values), fmt)}]"


def summary_row(name: str, dataset: str, records: list[dict]) -> str:
    minutes = [r["seconds"] / 60 for r in records if "seconds" in r]
    return (f"| {name} | {dataset} | {len(records)} | {records[0].get('step', '')} | {spread(minutes, '.1f')} | "
            + " | ".join(spread([r.get(key) for r in records], fmt) for key, fmt in COLUMNS) + " |")


def print_tables(rows: list[tuple[str, str, int, dict]]) -> None:
    print("| config | dataset | seed | steps | CPU min " + HEADER + " alarms |")
    print("|---" * 13 + "|")
    for name, dataset, seed, record in rows:
        print(run_row(name, dataset, seed, record))
    print("\nMedian [lowest, highest] over the seeds:\n")
    print("| config | dataset | seeds | steps | CPU min " + HEADER)
    print("|---" * 12 + "|")
    groups: dict[tuple[str, str], list[dict]] = {}
    for name, dataset, _, record in rows:
        groups.setdefault((name, dataset), []).append(record)
    for (name, dataset), records in groups.items():
        print(summary_row(name, dataset, records))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=None, help="default 0 1 (--quick: 0)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every config's budget of steps")
    parser.add_argument("--parallel", type=int, default=2, help="runs at once: one per core on a CPU")
    parser.add_argument("--runs-dir", default="runs/quality_matrix")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_STEPS} steps and {QUICK_IMAGES} images "
                        "per evaluation: checks that every config runs, measures nothing")
    parser.add_argument("--report-only", action="store_true", help="print the tables of existing runs")
    parser.add_argument("--reference-only", action="store_true", help="only the real images' rows")
    parser.add_argument("--no-reference", action="store_true", help="leave out the real images' rows (minutes of scoring)")
    parser.add_argument("--override", nargs="*", default=[], help="more overrides for every run")
    args = parser.parse_args()
    seeds = args.seeds or ([0] if args.quick else [0, 1])
    jobs = [] if args.reference_only else [(c, d, s) for c in args.configs for d in args.datasets for s in seeds]
    for config, dataset, seed in jobs:  # a bad --override stops here, said in one line, before any run starts
        try:
            load_config(CONFIGS[config][0], run_overrides(args, config, dataset, seed))
        except ConfigError as err:
            parser.error(f"--override: {err}")
    if not args.report_only:
        train_all(args, jobs)
    rows = []
    for dataset in args.datasets:
        for seed in seeds:
            if not (args.report_only or args.no_reference):
                for name, record in reference_records(dataset, seed, QUICK_IMAGES if args.quick else 10_000).items():
                    rows.append((name, dataset, seed, record))
    rows += [(c, d, s, r) for c, d, s in jobs if (r := final_record(args, c, d, s)) is not None]
    print_tables(rows)


if __name__ == "__main__":
    main()
