"""g_ema in a training run: averaged after each G update, checkpointed, resumed exactly, and the
generator that sampling uses."""

import json

import torch

from gankit.checkpoint import load_checkpoint
from gankit.config import load_config
from gankit.ema import ema_beta
from gankit.health import probe_signals
from gankit.recall_probe import probe_recall
from gankit.runs import latest_checkpoint
from gankit.sampling import load_generator
from gankit.session import open_session
from gankit.trainer import train

HALF_LIFE = 64.0


def run(tiny_mnist, runs_dir, steps, *extra):
    cfg = load_config(None, [f"data.dir={tiny_mnist}", f"train.runs_dir={runs_dir}", f"train.steps={steps}",
                             "train.batch_size=8", "model.width=0.25", "train.threads=1", "train.log_every=2",
                             "train.checkpoint_every=2", f"ema.half_life_images={HALF_LIFE}", "ema.ramp=0", *extra])
    session = open_session(cfg, config_name="ema")
    train(session, log=lambda line: None)
    return session


def test_g_ema_is_the_running_average_of_g(tiny_mnist, tmp_path):
    session = run(tiny_mnist, tmp_path / "a", 1)
    first_g = {k: v.clone() for k, v in session.gan.generator.state_dict().items()}
    ema_before = {k: v.clone() for k, v in session.gan.g_ema.state_dict().items()}
    initial = run(tiny_mnist, tmp_path / "b", 0).gan.generator.state_dict()
    beta = ema_beta(batch_size=8, images_seen=0, half_life_images=HALF_LIFE, ramp=0)
    for name, value in ema_before.items():
        if name.endswith(("running_mean", "running_var", "num_batches_tracked")):
            assert torch.equal(value, first_g[name])  # BatchNorm statistics are copied from G
        else:  # one update from G's initial weights: beta * initial + (1 - beta) * G after one step
            torch.testing.assert_close(value, beta * initial[name] + (1 - beta) * first_g[name])
    assert not torch.equal(ema_before["dense.weight"], first_g["dense.weight"])


def test_g_ema_is_checkpointed_resumed_exactly_and_sampled(tiny_mnist, tmp_path):
    straight = run(tiny_mnist, tmp_path / "straight", 4)
    half = run(tiny_mnist, tmp_path / "resumed", 2)
    resumed = open_session(None, resume=half.run_dir, overrides=["train.steps=4"])
    train(resumed, log=lambda line: None)
    for name, value in straight.gan.g_ema.state_dict().items():
        assert torch.equal(value, resumed.gan.g_ema.state_dict()[name]), name
    checkpoint = latest_checkpoint(resumed.run_dir)
    state = load_checkpoint(checkpoint)
    assert torch.equal(state["g_ema"]["dense.weight"], resumed.gan.g_ema.dense.weight)
    generator, _ = load_generator(checkpoint)
    assert torch.equal(generator.dense.weight, state["g_ema"]["dense.weight"])  # sampling uses g_ema


def test_runs_without_ema_keep_no_g_ema(tiny_mnist, tmp_path):
    session = run(tiny_mnist, tmp_path / "plain", 2, "ema.half_life_images=0")
    assert session.gan.g_ema is None and session.gan.sample_generator is session.gan.generator
    assert "g_ema" not in load_checkpoint(latest_checkpoint(session.run_dir))


def test_the_stats_read_g_emas_variety_beside_gs(tiny_mnist, tmp_path):
    """ema_probe_diversity and ema_probe_recall: g_ema's images for the probe latents against real
    images (as G's probe_diversity and probe_recall), in runs with g_ema only."""
    records, sessions = {}, {}
    for name, half_life in (("ema", HALF_LIFE), ("plain", 0)):
        sessions[name] = run(tiny_mnist, tmp_path / name, 10, f"ema.half_life_images={half_life}")
        records[name] = [json.loads(line) for line in (sessions[name].run_dir / "stats.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records["ema"]] == [2, 4, 6, 8, 10]
    session = sessions["ema"]  # the last record was read from g_ema as it is at the end
    expected = probe_signals(session.gan.g_ema, session.probe_z, session.real_probe)["probe_diversity"]
    assert abs(records["ema"][-1]["ema_probe_diversity"] - expected) < 1e-4
    assert abs(records["ema"][-1]["ema_probe_recall"] - probe_recall(session.gan.g_ema, session.recall_probe)) < 1e-4
    assert not any("ema_probe_diversity" in r or "ema_probe_recall" in r for r in records["plain"])
