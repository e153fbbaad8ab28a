"""The health probes of finished runs, interval by interval: what the alarms read.

    .venv/bin/python bench/probe_series.py RUN [RUN ...] [--keys probe_recall probe_diversity]
        [--replay [--drop KEY ...]]

For each run folder: one markdown line per key with its readings (rounded to 2 digits, the step
of each in the header line), the highest and the last, and the alarms the run raised (name and
step, from `alarms.jsonl`). With --replay, also the alarms this version's health monitor raises
on the run's recorded stats, with the readings that tripped each (a run recorded before an alarm
changed shows what it would say now); --drop hides readings from that monitor, to see what the
others alone would raise. BENCHMARKS.md quotes it for the `mode_dropping` alarm ("The alarm for
a G that reaches less of the data").
"""

import argparse
from pathlib import Path

from gankit.config import load_config
from gankit.errors import ConfigError
from gankit.health import HealthMonitor
from gankit.jsonlog import read_records
from gankit.losses import LOSSES


def run_lines(run: Path, keys: list[str]) -> list[str]:
    stats = read_records(run / "stats.jsonl")
    alarms = ", ".join(f"{a['name']} at {a['step']:,}" for a in read_records(run / "alarms.jsonl")) or "none"
    steps = ", ".join(f"{r['step']:,}" for r in stats)
    lines = [f"**{run}** (readings at steps {steps}; alarms: {alarms})", ""]
    for key in keys:
        readings = [(r["step"], r[key]) for r in stats if r.get(key) is not None]
        if not readings:
            lines.append(f"- {key}: not recorded")
            continue
        best_step, best = max(readings, key=lambda reading: reading[1])
        lines.append(f"- {key}: highest {best:.2f} (step {best_step:,}), last {readings[-1][1]:.2f}: "
                     + " ".join(f"{value:.2f}" for _, value in readings))
    return lines + [""]


def replay_lines(run: Path, drop: list[str]) -> list[str]:
    """The alarms this version's monitor raises on `run`'s stats.jsonl with the keys `drop` left out."""
    cfg = load_config(run / "config.toml")
    monitor = HealthMonitor(cfg.health, probabilities=LOSSES[cfg.loss.name].d_output == "probability")
    fired = [alarm for record in read_records(run / "stats.jsonl")
             for alarm in monitor.update({k: v for k, v in record.items() if k not in drop})]
    without = f" without {', '.join(drop)}" if drop else ""
    return [f"- replayed{without}: " + ("; ".join(f"{a.name} at {a.step:,} ({a.detail})" for a in fired) or "none"), ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--keys", nargs="+", default=["probe_recall", "probe_diversity"])
    parser.add_argument("--replay", action="store_true", help="the alarms this version's monitor raises on the stats")
    parser.add_argument("--drop", nargs="+", default=[], help="with --replay: readings the monitor does not see")
    args = parser.parse_args()
    for run in args.runs:
        if not (run / "stats.jsonl").exists():
            parser.error(f"{run}: no stats.jsonl; give a run folder (runs/NNNNN-name)")
        lines = run_lines(run, args.keys)
        if args.replay:
            try:
                lines = lines[:-1] + replay_lines(run, args.drop)
            except ConfigError as err:
                parser.error(f"{run}: cannot replay its alarms: {err}")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
