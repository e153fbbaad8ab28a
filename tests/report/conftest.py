"""A real tiny run for the report tests: trained once per session, copied for each test."""

import shutil

import pytest

from gankit.config import load_config
from gankit.session import open_session
from gankit.trainer import train


@pytest.fixture(scope="session")
def tiny_run_once(tmp_path_factory, make_tiny_mnist):
    """A 20-step run on tiny data: stats every 2 steps, grids every 2, two evaluations, and a
    discriminator_wins alarm (by step 12 here: D learns fast, G not at all: lr 1e-12, saturating loss)."""
    root = tmp_path_factory.mktemp("tiny_run")
    data = make_tiny_mnist(root / "data", n_train=256)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANKIT_CACHE", str(root / "cache"))
        cfg = load_config(None, [f"data.dir={data}", f"train.runs_dir={root / 'runs'}", "train.steps=20",
                                 "train.batch_size=16", "model.width=0.25", "train.threads=1", "train.log_every=2",
                                 "train.sample_every=2", "train.checkpoint_every=10", "train.progress=off",
                                 "eval.every=10", "eval.n=40", "loss.name=minimax", "g_opt.lr=1e-12",
                                 "d_opt.lr=2e-3"])
        session = open_session(cfg, config_name="tiny")
        train(session, log=lambda line: None)
    return session.run_dir


@pytest.fixture
def tiny_run(tiny_run_once, tmp_path):
    """A copy of the tiny run that a test may change."""
    return shutil.copytree(tiny_run_once, tmp_path / tiny_run_once.name)
