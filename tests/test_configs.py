"""Every config under configs/ loads, dry-runs and trains two tiny steps through the real code."""

from pathlib import Path

import pytest

from gankit.cli import main
from gankit.config import load_config
from gankit.stats import read_stats

CONFIGS = sorted((Path(__file__).parent.parent / "configs").glob("*.toml"))
TINY = ["--model.width=0.25", "--train.batch_size=8", "--train.threads=1", "--train.steps=2",
        "--train.log_every=1", "--train.sample_every=100", "--train.checkpoint_every=100", "--train.progress=off"]


def test_there_is_a_config_per_model():
    names = {path.stem for path in CONFIGS}
    assert {"seed_dcgan_mnist", "cgan_mnist", "acgan_mnist", "wgan_mnist", "wgan_gp_mnist", "lsgan_mnist",
            "hinge_sn_mnist", "fast", "fast_unconditional"} <= names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_config_loads_dry_runs_and_trains_two_steps(path, shared_tiny_mnist, tmp_path, capsys):
    cfg = load_config(path)
    assert cfg.data.name == "mnist"
    data = ["--data.dir", str(shared_tiny_mnist)]
    assert main(["train", "--config", str(path), "--dry-run", *data]) == 0
    assert "discriminator:" in capsys.readouterr().out
    assert main(["train", "--config", str(path), *data, *TINY, f"--train.runs_dir={tmp_path}"]) == 0
    run = next(tmp_path.iterdir())
    records = read_stats(run / "stats.jsonl")
    assert [r["step"] for r in records] == [1, 2]
    assert (run / "checkpoints" / "step-000000002.safetensors").exists()
    stored = load_config(run / "config.toml")
    assert (stored.loss, stored.penalty, stored.model.name) == (cfg.loss, cfg.penalty, cfg.model.name)
