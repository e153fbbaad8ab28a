"""A real `gankit lab` process on a free port, and a run folder for it to follow."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import write_tiny_mnist
from tests.report.browser import open_chromium, require_chromium

REPO = Path(__file__).parents[2]
# a run started from the page: the fast preset, shrunk to seconds on tiny data
TINY_TRAIN = ["train.steps=6", "train.threads=1", "train.log_every=2", "train.sample_every=2",
              "train.checkpoint_every=6", "train.progress=off"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The browser tests share one page and one server (module fixtures, a browser start each
    would cost seconds) and each leaves the toy as the next one expects it: keep them in file
    order even when the suite is shuffled (pytest-randomly moves the module as a block)."""
    places = [i for i, item in enumerate(items) if item.path.name == "test_lab_browser.py"]
    in_order = sorted((items[i] for i in places), key=lambda item: item.location[1])
    for place, item in zip(places, in_order, strict=True):
        items[place] = item


def write_grid(run_dir: Path, step: int, shade: int) -> None:
    Image.fromarray(np.full((56, 56), shade, np.uint8)).save(run_dir / "samples" / f"step-{step:09d}.png")


def append_jsonl(path: Path, records: list[dict]) -> None:
    with open(path, "a") as f:
        for record in records:
            f.write(json.dumps(record) + "\n")


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory) -> Path:
    """A run folder as `gankit train` writes one: config, stats, a grid, an alarm and a metric."""
    run_dir = tmp_path_factory.mktemp("runs") / "00001-fast"
    (run_dir / "samples").mkdir(parents=True)
    (run_dir / "config.toml").write_text('[loss]\nname = "non_saturating"\n')
    append_jsonl(run_dir / "stats.jsonl", [{"step": s, "d_loss": 1.4 - s / 100, "g_loss": 0.7 + s / 100,
                                            "d_real": 0.5 + s / 200, "d_fake": 0.5 - s / 200} for s in (2, 4, 6)])
    append_jsonl(run_dir / "alarms.jsonl", [{"name": "discriminator_wins", "step": 6, "detail": "D(x) 0.53",
                                             "message": "ALARM discriminator_wins at step 6: D is winning"}])
    append_jsonl(run_dir / "metrics.jsonl", [{"step": 6, "fid": 42.5}])
    write_grid(run_dir, 6, 90)
    return run_dir


@pytest.fixture(scope="module")
def lab_url(run_folder, tmp_path_factory):
    """The URL (with its token) of a `gankit lab --port 0` following `run_folder`, whose page
    starts the fast preset on tiny data for 6 steps."""
    root = tmp_path_factory.mktemp("lab")
    data = write_tiny_mnist(root / "data", n_train=128)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "GANKIT_CACHE": str(root / "cache")}
    overrides = [f"--train-override={o}" for o in [f"data.dir={data}", *TINY_TRAIN]]
    process = subprocess.Popen([sys.executable, "-m", "gankit", "lab", "--port", "0", "--run", str(run_folder),
                                "--runs-dir", str(root / "runs"), "--preset", str(REPO / "configs" / "fast.toml"),
                                *overrides],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    line = process.stdout.readline()
    if not line.startswith("gankit lab: http"):
        process.kill()
        pytest.fail(f"gankit lab did not print its URL: {line}{process.stdout.read()}")
    yield line.split(": ", 1)[1].strip()
    process.terminate()
    process.wait(30)


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    driver = open_chromium(1400, 1000)
    yield driver
    driver.quit()
