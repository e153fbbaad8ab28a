"""Truncation against variety: precision, recall, density, coverage and FID (gankit-eval-v1)
against psi, for presets x datasets x training seeds (BENCHMARKS.md, "Truncation").

    .venv/bin/python bench/truncation_sweep.py --presets fast seed --datasets mnist fashion_mnist \
        --seeds 0 1 --psi 0.5 0.7 0.85 1.0 --steps fast=3000 seed=1000 --figure docs/img/truncation.png

Each run is `gankit train --config PRESET --data.name=DATASET --train.seed=SEED` with the stated
steps, in RUNS_DIR/PRESET-DATASET-sSEED/ (trained only where its last checkpoint is missing);
each (run, psi) is scored with `gankit eval --truncation PSI` (10,000 images, latent seed 0) and
its result kept in RUNS_DIR/sweep.jsonl, so an interrupted sweep resumes where it stopped (and
two sweeps, one per dataset, can share it). The
table (printed, Markdown) gives each metric's mean over the training seeds and its spread (half
the range: mean +- spread covers every seed); the figure (--figure) draws the means against psi.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

PRESETS = {"fast": "configs/fast.toml", "seed": "configs/seed_dcgan_mnist.toml"}
METRICS = {"fid": "FID", "precision": "precision", "recall": "recall", "density": "density", "coverage": "coverage"}
COLORS = {"precision": "#1f6fb4", "recall": "#f08a24", "density": "#2ca02c", "coverage": "#8c5ab4"}


def run_folder(runs_dir: Path, preset: str, dataset: str, seed: int) -> Path:
    return runs_dir / f"{preset}-{dataset}-s{seed}"


def train(runs_dir: Path, preset: str, dataset: str, seed: int, steps: int, data_dir: str | None) -> Path:
    """The run's latest checkpoint at `steps`, training it first where it is missing."""
    folder = run_folder(runs_dir, preset, dataset, seed)
    found = sorted(folder.glob(f"*/checkpoints/step-{steps:09d}.safetensors"))
    if not found:
        overrides = [f"--data.name={dataset}", f"--train.seed={seed}", f"--train.steps={steps}",
                     f"--train.checkpoint_every={steps}", "--train.keep_checkpoints=1", "--train.threads=1",
                     f"--train.runs_dir={folder}", "--eval.every=0"] + ([f"--data.dir={data_dir}"] if data_dir else [])
        subprocess.run([sys.executable, "-m", "gankit", "train", "--config", PRESETS[preset], *overrides], check=True)
        found = sorted(folder.glob(f"*/checkpoints/step-{steps:09d}.safetensors"))
    return found[-1]


def score(checkpoint: Path, psi: float) -> dict:
    """`gankit eval --checkpoint CHECKPOINT --truncation PSI` as a dict."""
    out = subprocess.run([sys.executable, "-m", "gankit", "eval", "--checkpoint", str(checkpoint),
                          "--truncation", str(psi), "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def scored(cache: Path) -> set[tuple[str, float]]:
    """(checkpoint, psi) of every result in the cache file."""
    rows = [json.loads(line) for line in cache.read_text().splitlines()] if cache.exists() else []
    return {(r["checkpoint"], r["psi"]) for r in rows}


def summarise(rows: list[dict]) -> dict[tuple[str, str, float], dict[str, tuple[float, float, int]]]:
    """(preset, dataset, psi) -> metric -> (mean, spread = half the range, number of seeds)."""
    groups: dict[tuple, list[dict]] = {}
    for row in {(r["checkpoint"], r["psi"]): r for r in rows}.values():  # a (run, psi) scored twice counts once
        groups.setdefault((row["preset"], row["dataset"], row["psi"]), []).append(row)
    return {key: {m: (sum(r[m] for r in group) / len(group),
                      (max(r[m] for r in group) - min(r[m] for r in group)) / 2, len(group)) for m in METRICS}
            for key, group in sorted(groups.items())}


def table(summary: dict) -> str:
    """The Markdown table: one row per preset, dataset and psi; cells 'mean ± spread'."""
    lines = ["| preset | dataset | psi | seeds | " + " | ".join(METRICS.values()) + " |",
             "|---|---|---|---|" + "---|" * len(METRICS)]
    for (preset, dataset, psi), cells in summary.items():
        digits = {m: 2 if m == "fid" else 3 for m in METRICS}
        values = " | ".join(f"{cells[m][0]:.{digits[m]}f} ± {cells[m][1]:.{digits[m]}f}" for m in METRICS)
        lines.append(f"| {preset} | {dataset} | {psi:g} | {cells['fid'][2]} | {values} |")
    return "\n".join(lines) + "\n"


def figure(summary: dict):
    """One chart per (preset, dataset): precision, recall, density, coverage against psi, stacked."""
    from PIL import Image

    from gankit.report.charts import Guide, Series, line_chart

    charts = []
    for preset, dataset in dict.fromkeys((p, d) for p, d, _ in summary):
        points = sorted((psi, cells) for (p, d, psi), cells in summary.items() if (p, d) == (preset, dataset))
        psis = [psi for psi, _ in points]
        lines = [Series(name, psis, [cells[name][0] for _, cells in points], color, markers=True)
                 for name, color in COLORS.items()]
        fids = ", ".join(f"{psi:g}: {cells['fid'][0]:.2f}" for psi, cells in points)
        charts.append(line_chart(lines, title=f"{preset} preset, {dataset} (FID at psi {fids})", y_label="fraction",
                                 x_label="truncation psi (1 = none)", guides=[Guide(1.0, "")],
                                 y_range=(0, max(1.0, *(y for s in lines for y in s.ys)))))
    sheet = Image.new("RGB", (max(c.width for c in charts), sum(c.height for c in charts)), "white")
    for i, chart in enumerate(charts):
        sheet.paste(chart, (0, sum(c.height for c in charts[:i])))
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), choices=list(PRESETS))
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion_mnist"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1], help="training seeds (at least two)")
    parser.add_argument("--psi", nargs="+", type=float, default=[0.5, 0.7, 0.85, 1.0])
    parser.add_argument("--steps", nargs="+", default=["fast=3000", "seed=1000"], help="PRESET=STEPS")
    parser.add_argument("--data-dir", nargs="*", default=[], help="DATASET=FOLDER (default: GANKIT_DATA)")
    parser.add_argument("--runs-dir", default="runs/truncation")
    parser.add_argument("--score-only", action="store_true", help="score the runs that are trained; train none")
    parser.add_argument("--figure", default="docs/img/truncation.png", help="the figure to write")
    args = parser.parse_args()
    steps = {k: int(v) for k, v in (s.split("=") for s in args.steps)}
    data_dirs = dict(d.split("=") for d in args.data_dir)
    runs_dir = Path(args.runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    cache = runs_dir / "sweep.jsonl"
    rows = [json.loads(line) for line in cache.read_text().splitlines()] if cache.exists() else []
    done = {(r["checkpoint"], r["psi"]) for r in rows}
    for preset in args.presets:
        for dataset in args.datasets:
            for seed in args.seeds:
                if args.score_only:
                    found = sorted(run_folder(runs_dir, preset, dataset, seed).glob(
                        f"*/checkpoints/step-{steps[preset]:09d}.safetensors"))
                    if not found:
                        print(f"not trained yet: {preset} {dataset} seed {seed}")
                        continue
                    checkpoint = found[-1]
                else:
                    checkpoint = train(runs_dir, preset, dataset, seed, steps[preset], data_dirs.get(dataset))
                for psi in args.psi:
                    if (str(checkpoint), psi) in done | scored(cache):  # another sweep may share the cache
                        continue
                    result = score(checkpoint, psi)
                    row = {"preset": preset, "dataset": dataset, "seed": seed, "steps": steps[preset], "psi": psi,
                           "checkpoint": str(checkpoint), **{m: result[m] for m in METRICS}}
                    rows.append(row)
                    with cache.open("a") as f:
                        f.write(json.dumps(row) + "\n")
                    print(json.dumps(row), flush=True)
    wanted = [r for r in rows if r["preset"] in args.presets and r["dataset"] in args.datasets
              and r["seed"] in args.seeds and r["psi"] in args.psi]
    summary = summarise(wanted)
    Path(args.figure).parent.mkdir(parents=True, exist_ok=True)
    figure(summary).save(args.figure, optimize=True)
    print(table(summary))  # for BENCHMARKS.md


if __name__ == "__main__":
    main()
