"""Seeing D overfit: the signals, the discriminator_overfits alarm (fires on a tiny training set
without augmentation, quiet on full MNIST with the same settings), and the report's charts."""

import json

import torch

from gankit.config import load_config
from gankit.health import HealthConfig, HealthMonitor, overfit_condition
from gankit.overfit import overfit_ratio, ranked_above
from gankit.report.figures import FIGURES
from gankit.session import open_session
from gankit.stats import read_stats
from gankit.trainer import train

BALANCED = ["d_opt.name=adam", "d_opt.lr=1e-3", "d_opt.eps=1e-8", "g_opt.name=adam", "g_opt.lr=2e-3",
            "g_opt.eps=1e-8", "train.fakes_g_mode=train"]  # G keeps up, so D can only win by memorising


def test_ratio_and_ranking_by_hand():
    assert overfit_ratio(train=2.0, held_out=2.0, fake=-2.0) == 0.0
    assert overfit_ratio(train=2.0, held_out=-2.0, fake=-2.0) == 1.0
    assert overfit_ratio(train=-3.0, held_out=-5.0, fake=-3.0) == 0.0  # D does not rank reals above fakes
    assert ranked_above(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.5])) == 1.0
    assert ranked_above(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0])) == 0.375  # ties count half


def record(step, ratio, auc=0.9):
    return {"step": step, "d_real": 0.6, "d_fake": 0.4, "g_fake": 0.4, "g_grad_norm": 1.0, "overfit_ratio": ratio,
            "overfit_auc": auc, "d_out_train": 2.0, "d_out_heldout": 2.0 - 4 * ratio, "d_out_fake": -2.0}


def test_alarm_needs_patience_and_rearms():
    monitor = HealthMonitor(HealthConfig(patience=2))
    fired = [[a.name for a in monitor.update(record(i, r))] for i, r in enumerate([0.7, 0.1, 0.7, 0.8, 0.9, 0.2, 0.6, 0.6])]
    assert fired == [[], [], [], ["discriminator_overfits"], [], [], [], ["discriminator_overfits"]]
    assert overfit_condition({"step": 1}, 0.5, 0.75) is None  # no held-out images: no signal, no alarm


def test_under_ada_the_alarm_gives_p_and_the_target_to_lower():
    """ADA holds D's r_t at its target, and with 100 or 1,000 MNIST images D still ranked training
    images first 87-100 % of the time at p 0.08-0.17 (BENCHMARKS.md, "Small data")."""
    alarm, = HealthMonitor(HealthConfig(patience=1)).update({**record(5, 0.8), "augment_p": 0.083})
    assert "ADA's p 0.08" in alarm.message and "augment.ada_target" in alarm.message
    plain, = HealthMonitor(HealthConfig(patience=1)).update(record(5, 0.8))
    assert "ADA's p" not in plain.message


def test_a_high_ratio_alone_is_noise_not_overfitting():
    """D barely telling reals from fakes makes r_v's denominator small and r_v jumpy (3.67 in a
    healthy run on all of Fashion-MNIST): without training reals ranked clearly above held-out
    ones, no alarm."""
    monitor = HealthMonitor(HealthConfig(patience=1))
    assert monitor.update(record(1, 3.67, auc=0.53)) == []
    assert [a.name for a in monitor.update(record(2, 0.7, auc=0.8))] == ["discriminator_overfits"]


def run(tmp_path, name, *overrides):
    cfg = load_config(None, [f"train.runs_dir={tmp_path / name}", "train.steps=150", "train.batch_size=16",
                             "model.width=0.25", "train.threads=1", "train.log_every=10", "train.sample_every=10000",
                             "train.checkpoint_every=10000", "train.progress=off", *BALANCED, *overrides])
    session = open_session(cfg, config_name=name)
    train(session, log=lambda line: None)
    alarms = session.run_dir / "alarms.jsonl"
    names = [json.loads(line)["name"] for line in alarms.read_text().splitlines()] if alarms.exists() else []
    return names, read_stats(session.run_dir / "stats.jsonl")


def test_alarm_fires_on_a_tiny_set_and_stays_quiet_on_full_mnist(tmp_path):
    tiny, tiny_stats = run(tmp_path, "tiny", "data.limit=16")  # gankit's own MNIST, 16 training images
    full, full_stats = run(tmp_path, "full", "data.limit=0")  # control: all 60,000, test split held out
    assert "discriminator_overfits" in tiny
    assert "discriminator_overfits" not in full
    assert max(r["overfit_ratio"] for r in full_stats) < 0.3
    assert tiny_stats[-1]["overfit_auc"] > 0.9 > full_stats[-1]["overfit_auc"]
    assert all(FIGURES[name](tiny_stats, []) is not None for name in ("overfitting", "overfit_heuristics"))
    assert FIGURES["overfitting"]([{"step": 1, "d_loss": 0.5}], []) is None  # no held-out images: no chart
