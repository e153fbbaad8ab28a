"""Evaluation during training: metrics.jsonl under the protocol, and the best checkpoint by FID."""

import torch

import gankit.eval
import gankit.eval.cache
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
    assert all(r["eval_seconds"] > 0 for r in records)  # the evaluation's own time, beside training's
    best = load_checkpoint(session.run_dir / "checkpoints" / "best.safetensors")
    assert best["step"] in (3, 6)  # which one is pinned with scripted FIDs below

    resumed = open_session(None, resume=session.run_dir, overrides=["train.steps=9"])
    train(resumed, log=lines.append)
    records = read_stats(session.run_dir / "metrics.jsonl")
    assert [r["step"] for r in records] == [3, 6, 9]
    best = load_checkpoint(session.run_dir / "checkpoints" / "best.safetensors")
    assert best["step"] in (3, 6, 9)  # a best checkpoint survives resume
    assert torch.isfinite(best["generator"]["dense.weight"]).all()


def test_the_best_checkpoint_is_the_lowest_fid_so_far(tiny_mnist, tmp_path, monkeypatch):
    """With FIDs scripted by step (5, 3, then 4 after a resume), the best checkpoint is step 6's,
    and exactly the evaluations at steps 3 and 6 are announced as the best."""
    fids = {3: 5.0, 6: 3.0, 9: 4.0}
    steps = iter(fids)

    def scripted(generator, cfg, n, seed, *, world, reals):
        assert reals == "reals"
        fid = fids[next(steps)]
        return {"protocol": "scripted", "fid": fid, "precision": 0.5, "recall": 0.5, "classes_covered": 10}

    monkeypatch.setattr("gankit.eval.evaluate_generator", scripted)
    monkeypatch.setattr("gankit.eval.load_reals", lambda dataset, data_dir: "reals")
    cfg = load_config(None, [f"data.dir={tiny_mnist}", f"train.runs_dir={tmp_path / 'runs'}", "train.steps=6",
                             "train.batch_size=8", "model.width=0.25", "train.log_every=3", "train.checkpoint_every=3",
                             "eval.every=3", "eval.n=40"])
    session = open_session(cfg, config_name="eval")
    lines = []
    train(session, log=lines.append)
    train(open_session(None, resume=session.run_dir, overrides=["train.steps=9"]), log=lines.append)
    assert [r["fid"] for r in read_stats(session.run_dir / "metrics.jsonl")] == [5.0, 3.0, 4.0]
    assert load_checkpoint(session.run_dir / "checkpoints" / "best.safetensors")["step"] == 6
    assert [line.split()[1] for line in lines if "(best)" in line] == ["3", "6"]


def test_evaluations_load_the_real_side_once(tiny_mnist, tmp_path, monkeypatch):
    """Three evaluations in a run: one load of the judge, statistics and training images, one
    computation of the statistics."""
    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path / "cache"))
    calls = {"load_reals": 0, "compute_real_stats": 0}

    def counted(module, name):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(gankit.eval, "load_reals")
    counted(gankit.eval.cache, "compute_real_stats")
    cfg = load_config(None, [f"data.dir={tiny_mnist}", f"train.runs_dir={tmp_path / 'runs'}", "train.steps=9",
                             "train.batch_size=8", "model.width=0.25", "train.log_every=3", "eval.every=3", "eval.n=40"])
    session = open_session(cfg, config_name="eval")
    train(session, log=lambda line: None)
    assert [r["step"] for r in read_stats(session.run_dir / "metrics.jsonl")] == [3, 6, 9]
    assert calls == {"load_reals": 1, "compute_real_stats": 1}
