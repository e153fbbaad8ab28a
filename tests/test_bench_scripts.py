"""The benchmark scripts still run against the library they measure (no timing here: that is
BENCHMARKS.md's job). A script that no longer imports, or a FLOP count that no longer matches
the presets, fails here instead of on the day someone re-measures."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parent.parent / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py") if p.name != "reference_dcgan.py")


@pytest.mark.parametrize("script", SCRIPTS)
def test_bench_script_imports_and_parses_its_options(script):
    result = subprocess.run([sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True,
                            cwd=BENCH.parent, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_train_throughput_counts_each_presets_flops(monkeypatch):
    monkeypatch.chdir(BENCH.parent)  # the presets are named relative to the repository
    monkeypatch.syspath_prepend(str(BENCH))
    import train_throughput

    # seed: 71.4 GFLOP per iteration (BENCHMARKS.md); fast (4x4 kernels, D at half width): 5.64, about 1/13 of it
    assert train_throughput.model_flops(train_throughput.PRESETS["gankit"]) == pytest.approx(71.4e9, rel=0.01)
    assert train_throughput.model_flops(train_throughput.PRESETS["fast"]) == pytest.approx(5.64e9, rel=0.01)


def test_step_variants_runs_every_cpu_variant_of_the_fast_preset(tiny_mnist):
    """The CPU variants: the preset and the batch and D-width ones. Not torch.compile's (minutes of
    compiling; `train.compile` has its own tests), bf16 (3-4x slower on a CPU) or CUDA graphs
    (tests/test_graph_step.py)."""
    variants = ["fp32", "batch128", "batch256", "d_width0.25", "d_width0.5", "d_width1"]
    result = subprocess.run([sys.executable, str(BENCH / "step_variants.py"), "--config", "configs/fast.toml",
                             "--data-dir", str(tiny_mnist), "--steps", "1", "--warmup", "1", "--repeats", "1",
                             "--threads", "1", "--variants", *variants], capture_output=True, text=True,
                            cwd=BENCH.parent, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = {line.split(" | ")[0].strip("| "): line for line in result.stdout.splitlines() if line.startswith("| ")}
    assert set(variants) <= set(rows)
    for variant, batch in (("fp32", 64), ("batch256", 256)):  # images/s = steps/s x batch, to the printed digits
        steps, images = (float(rows[variant].split(" | ")[i]) for i in (1, 2))
        assert images == pytest.approx(steps * batch, abs=0.005 * batch + 0.5)
    g_size = {v: int(rows[v].split(" | ")[5].replace(",", "")) for v in variants}
    d_size = {v: int(rows[v].split(" | ")[6].strip(" |").replace(",", "")) for v in variants}
    assert len(set(g_size.values())) == 1  # the D-width variants leave G alone
    assert d_size["d_width0.25"] < d_size["d_width0.5"] == d_size["fp32"] < d_size["d_width1"]  # the preset's D is half width
    assert "fp32 matmul before" in result.stdout and "fp32 matmul after" in result.stdout


def test_step_variants_times_the_folder_recipe_on_a_folder(tmp_path):
    from test_folder_recipe import write_folder

    folder = write_folder(tmp_path / "mine", n=16)
    result = subprocess.run([sys.executable, str(BENCH / "step_variants.py"), "--config", "configs/folder_64.toml",
                             "--override", f"data.folder={folder}", "model.width=0.125", "--batch-size", "8",
                             "--steps", "1", "--warmup", "1", "--repeats", "1", "--threads", "1", "--variants", "fp32"],
                            capture_output=True, text=True, cwd=BENCH.parent, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "configs/folder_64.toml" in result.stdout
    assert any(line.startswith("| fp32 |") for line in result.stdout.splitlines())
    # the override reaches the run's config: a folder that is not there stops the script
    missing = subprocess.run([sys.executable, str(BENCH / "step_variants.py"), "--config", "configs/folder_64.toml",
                              "--override", f"data.folder={tmp_path / 'missing'}", "--steps", "1", "--warmup", "1",
                              "--repeats", "1", "--threads", "1", "--variants", "fp32"],
                             capture_output=True, text=True, cwd=BENCH.parent, timeout=300)
    assert missing.returncode != 0 and "missing" in missing.stderr


def test_small_data_quick_trains_and_evaluates_every_policy(tiny_mnist, tmp_path):
    env = {**os.environ, "GANKIT_CACHE": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, str(BENCH / "small_data.py"), "--quick", "--data-dir", str(tiny_mnist),
                             "--runs-dir", str(tmp_path / "runs")], capture_output=True, text=True,
                            cwd=BENCH.parent, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| mnist | 100 |")]
    assert [row.split(" | ")[2] for row in rows] == ["none", "diffaugment", "ada"]
    records = [json.loads(line) for line in (tmp_path / "runs" / "results.jsonl").read_text().splitlines()]
    assert len(records) == 3 and all(0.0 <= r["copy_rate"] <= 1.0 and r["fid"] > 0 for r in records)
    assert records[2]["final_augment_p"] is not None and records[0]["final_augment_p"] is None
    assert all(isinstance(r["alarms"], list) and 0.0 <= r["final_overfit_auc"] <= 1.0 for r in records)
    again = subprocess.run([sys.executable, str(BENCH / "small_data.py"), "--table", str(tmp_path / "runs" / "results.jsonl")],
                           capture_output=True, text=True, cwd=BENCH.parent, timeout=60)
    assert again.returncode == 0 and [line for line in again.stdout.splitlines() if line.startswith("| mnist | 100 |")] == rows


def test_eval_time_quick_times_every_stage_and_agrees_with_the_metrics(tiny_mnist, tmp_path):
    env = {**os.environ, "GANKIT_CACHE": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join([str(BENCH.parent / "src"), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(BENCH / "eval_time.py"), "--quick", "--compare", "--data-dir",
                             str(tiny_mnist)], capture_output=True, text=True, cwd=BENCH.parent, timeout=600, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {line.split(" | ")[0].strip("| ") for line in result.stdout.splitlines() if line.startswith("| ")}
    assert {"sample", "judge", "KID", "class accuracy (sampling and judging)", "score_images", "evaluate_generator",
            "memorisation", "all of these"} <= rows
    assert "figures: the same within 1e-9" in result.stdout


@pytest.fixture
def two_dataset_root(tmp_path):
    """A GANKIT_DATA root with the first 300 training and 100 test images of MNIST and of
    Fashion-MNIST (where this machine has it), so the quick matrix's evaluations take seconds."""
    from gankit.data import DATASETS, load_split, write_idx
    from gankit.errors import GankitError

    for dataset in ("mnist", "fashion_mnist"):
        for split, n in (("train", 300), ("test", 100)):
            try:
                real = load_split(dataset, split, download=False)
            except GankitError:
                pytest.skip(f"{dataset} is not on this machine")
            images_file, labels_file = DATASETS[dataset].split_files(split)
            (tmp_path / dataset).mkdir(exist_ok=True)
            write_idx(tmp_path / dataset / images_file.name, real.images[:n, 0].numpy())
            write_idx(tmp_path / dataset / labels_file.name, real.labels[:n].numpy().astype("uint8"))
    return tmp_path


def test_quality_matrix_quick_runs_every_config_on_both_datasets(two_dataset_root, tmp_path, monkeypatch):
    """Every shipped config trains a few steps on both datasets and gets a row, next to the real images' rows."""
    env = {**os.environ, "GANKIT_DATA": str(two_dataset_root), "GANKIT_CACHE": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join([str(BENCH.parent / "src"), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(BENCH / "quality_matrix.py"), "--quick",
                             "--runs-dir", str(tmp_path / "runs")], capture_output=True, text=True,
                            cwd=BENCH.parent, env=env, timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split(" | ") for line in result.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    runs = {(row[0].strip("| "), row[1]) for row in rows if row[2] == "0"}
    monkeypatch.syspath_prepend(str(BENCH))
    import quality_matrix

    expected = {(c, d) for c in [*quality_matrix.CONFIGS, "real", "real, 1-pixel shift"] for d in quality_matrix.DATASETS}
    assert expected <= runs, sorted(expected - runs)

    # a run stopped after its first checkpoint continues from it, to the same figures; finished ones are left alone
    folder = tmp_path / "runs" / "seed" / "mnist" / "seed0"
    (run,) = folder.glob("0*")
    (run / "metrics.jsonl").unlink()
    (run / "checkpoints" / "step-000000002.safetensors").unlink()
    again = subprocess.run([sys.executable, str(BENCH / "quality_matrix.py"), "--quick", "--configs", "seed", "lsgan",
                            "--datasets", "mnist", "--no-reference", "--runs-dir", str(tmp_path / "runs")],
                           capture_output=True, text=True, cwd=BENCH.parent, env=env, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    after = {row[0].strip("| "): row for row in (line.split(" | ") for line in again.stdout.splitlines())
             if row[0] in ("| seed", "| lsgan") and row[2] == "0"}
    before = {row[0].strip("| "): row for row in rows if row[0] in ("| seed", "| lsgan") and row[1] == "mnist"
              and row[2] == "0"}
    assert [after[c][3] for c in after] == ["2", "2"] and "| real" not in again.stdout
    for config in ("seed", "lsgan"):  # the figures after the step count and the CPU minutes
        assert after[config][5:] == before[config][5:], config
    resumed = "$ gankit train --resume"  # the command line the script writes first (a note may suggest --resume too)
    assert list(folder.glob("0*")) == [run] and resumed in (folder / "train.log").read_text()
    assert resumed not in (tmp_path / "runs" / "lsgan" / "mnist" / "seed0" / "train.log").read_text()


def test_quality_matrix_resumes_only_a_run_of_the_same_setting(tmp_path, monkeypatch, capsys):
    """A stopped run of this setting is resumed, also where its bookkeeping differs; one started
    at another --scale, from a config file changed since, or whose config.toml is damaged, is left alone."""
    monkeypatch.syspath_prepend(str(BENCH))
    import argparse

    import quality_matrix
    from gankit.config import load_config, to_toml

    args = argparse.Namespace(runs_dir=str(tmp_path), quick=False, scale=1.0, override=[])
    run = quality_matrix.run_folder(args, "seed", "mnist", 0) / "00001-seed_dcgan_mnist"
    (run / "checkpoints").mkdir(parents=True)
    (run / "checkpoints" / "step-000000060.safetensors").write_bytes(b"")
    started = quality_matrix.run_overrides(args, "seed", "mnist", 0)
    for changes, resumed in (([], True), (["train.checkpoint_every=600"], True), (["train.steps=1200"], False),
                             (["g_opt.lr=5e-4"], False)):
        stored = load_config(quality_matrix.CONFIGS["seed"][0], [*started, *changes])
        (run / "config.toml").write_text(to_toml(stored))
        command = quality_matrix.train_command(args, "seed", "mnist", 0)
        assert (command[:3] == ["train", "--resume", str(run)]) == resumed, (changes, command)
        assert ("--train.steps=600" in command) != resumed

    (run / "config.toml").write_text("[train\nsteps = ")  # damaged: a new run starts, with one line said
    assert quality_matrix.train_command(args, "seed", "mnist", 0)[:2] == ["train", "--config"]
    assert "not resuming" in capsys.readouterr().err


def test_quality_matrix_says_what_is_wrong_with_an_override_before_any_run(tmp_path):
    result = subprocess.run([sys.executable, str(BENCH / "quality_matrix.py"), "--configs", "fast", "--seeds", "0",
                             "--override", "model.d_norm=spectrl", "--runs-dir", str(tmp_path / "runs")],
                            capture_output=True, text=True, cwd=BENCH.parent, timeout=300)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "--override: " in result.stderr and "model.d_norm" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_time_to_quality_reports_each_evaluation_and_its_cost(tiny_mnist, tmp_path):
    env = {**os.environ, "GANKIT_CACHE": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, str(BENCH / "time_to_quality.py"), "--config", "configs/fast.toml",
                             "--data-dir", str(tiny_mnist), "--eval-every", "2", "--threshold", "1000",
                             "--runs-dir", str(tmp_path / "runs"), "--override", "train.steps=4",
                             "train.batch_size=8", "eval.n=50", "train.threads=1"],
                            capture_output=True, text=True, cwd=BENCH.parent, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    rows = [line.split(" | ") for line in result.stdout.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [row[0] for row in rows] == ["| 2", "| 4"] and all(float(row[6].rstrip(" |")) > 0 for row in rows)
    assert all(0 <= float(row[5]) <= 1 for row in rows)  # recall
    assert "FID <= 1000.0: " in result.stdout and "(step 2)" in result.stdout and "s wall" in result.stdout
    assert "2 evaluations: " in result.stdout and "% of the " in result.stdout
    again = subprocess.run([sys.executable, str(BENCH / "time_to_quality.py"), "--config", "configs/fast.toml",
                            "--threshold", "1000", "--runs-dir", str(tmp_path / "runs"), "--report-only"],
                           capture_output=True, text=True, cwd=BENCH.parent, timeout=600, env=env)
    assert again.stdout == re.sub(r"; the whole process: [\d.]+ s wall", "", result.stdout)


def test_probe_series_prints_each_probe_reading_and_the_alarms(tmp_path):
    run = tmp_path / "00001-fast"
    run.mkdir()
    (run / "stats.jsonl").write_text("".join(json.dumps({"step": s, "probe_recall": r}) + "\n"
                                             for s, r in ((100, 0.2), (200, 0.91), (300, 0.444))))
    (run / "alarms.jsonl").write_text(json.dumps({"name": "mode_dropping", "step": 300}) + "\n")
    result = subprocess.run([sys.executable, str(BENCH / "probe_series.py"), str(run), str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert f"**{run}** (readings at steps 100, 200, 300; alarms: mode_dropping at 300)" in result.stdout
    assert "- probe_recall: highest 0.91 (step 200), last 0.44: 0.20 0.91 0.44" in result.stdout
    assert "- probe_diversity: not recorded" in result.stdout
    assert result.returncode == 2 and f"{tmp_path}: no stats.jsonl" in result.stderr  # not a run folder


def test_probe_series_replays_the_alarms_with_and_without_a_reading(tmp_path):
    """--replay runs this version's monitor over the stats; --drop hides a reading from it. Here G's
    recall falls at step 700 and g_ema's at 900: with both, the alarm names G, without G's, g_ema."""
    from gankit.config import load_config, to_toml

    run = tmp_path / "00001-acgan"
    run.mkdir()
    (run / "config.toml").write_text(to_toml(load_config(None)))
    records = [{"step": 100 * i, "d_real": 0.6, "d_fake": 0.4, "g_fake": 0.4, "g_grad_norm": 1.0,
                "probe_recall": 0.9 if i < 7 else 0.1, "ema_probe_recall": 0.9 if i < 9 else 0.1} for i in range(1, 16)]
    (run / "stats.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    def replayed(*drop):
        result = subprocess.run([sys.executable, str(BENCH / "probe_series.py"), str(run), "--replay",
                                 *(["--drop", *drop] if drop else [])], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return next(line for line in result.stdout.splitlines() if line.startswith("- replayed"))

    assert replayed().startswith("- replayed: mode_dropping at 900 (the probe images of G reach 0.42")
    assert replayed("probe_recall").startswith(
        "- replayed without probe_recall: mode_dropping at 1,100 (the probe images of g_ema, which samples")
    assert replayed("probe_recall", "ema_probe_recall") == "- replayed without probe_recall, ema_probe_recall: none"


def test_probe_series_says_in_one_line_why_a_run_cannot_be_replayed(tmp_path):
    run = tmp_path / "00001-fast"
    run.mkdir()
    (run / "stats.jsonl").write_text(json.dumps({"step": 100, "probe_recall": 0.5}) + "\n")
    (run / "config.toml").write_text("train = [\n")
    result = subprocess.run([sys.executable, str(BENCH / "probe_series.py"), str(run), "--replay"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{run}: cannot replay its alarms: " in result.stderr and "not valid TOML" in result.stderr
