"""Evaluation during training: metrics.jsonl under the protocol, and the best checkpoint by FID."""

import torch

from gankit.checkpoint import load_checkpoint
from gankit.config import load_config
from gankit.session import open_session
from gankit.stats import read_stats
from gankit.trainer import train


def test_eval_every_writes_metrics_and_keeps_the_best(tiny_mnist, tmp_path, monkeypatch):
    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path / "cache"))
    cfg = load_config(None, [f"data.dir={tiny_mnist}", f"train.runs_dir={tmp_path / 'runs'}", "train.steps=6",
                             "train.batch_size=8", "model.width=0.25", "train.log_every=3", "train.checkpoint_every=3",
                             "eval.every=3", "eval.n=40"])
    session = open_session(cfg, config_name="eval")
    lines = []
    train(session, log=lines.append)
    records = read_stats(session.run_dir / "metrics.jsonl")
    assert [r["step"] for r in records] == [3, 6]
    assert all(r["protocol"] == "gankit-eval-v1" and r["n"] == 40 for r in records)
    assert {"fid", "kid_mean", "precision", "recall", "coverage", "classes_covered"} <= set(records[0])
    best = load_checkpoint(session.run_dir / "checkpoints" / "best.safetensors")
    best_step = min(records, key=lambda r: r["fid"])["step"]
    assert best["step"] == best_step
    assert sum("(best)" in line for line in lines) == (2 if records[1]["fid"] < records[0]["fid"] else 1)

    resumed = open_session(None, resume=session.run_dir, overrides=["train.steps=9"])
    train(resumed, log=lines.append)
    records = read_stats(session.run_dir / "metrics.jsonl")
    assert [r["step"] for r in records] == [3, 6, 9]
    best = load_checkpoint(session.run_dir / "checkpoints" / "best.safetensors")
    assert best["step"] == min(records, key=lambda r: r["fid"])["step"]  # the best survives resume
    assert torch.isfinite(best["generator"]["dense.weight"]).all()
