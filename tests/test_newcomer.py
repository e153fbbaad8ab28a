"""The README's first command, as a newcomer meets it: a checkout and nothing else.

A copy of the checkout's files (nothing beside it), HOME an empty folder, no GANKIT_DATA, and no
network (every download goes to a proxy that refuses connections). `make train` must find MNIST
inside gankit, say where the data, device and threads came from, train, and say what to open.
The test's venv stands in for the one `make` would create (creating it is pip's job, not gankit's).
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def checkout_files() -> list[str]:
    """The files a fresh clone of this working tree would hold (tracked, or new and not ignored)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.strip()}")
    return [name for name in listed.stdout.splitlines() if (ROOT / name).is_file()]


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_make_train_works_in_a_bare_checkout_offline(tmp_path):
    checkout = tmp_path / "gankit"
    for name in checkout_files():
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, checkout / name)
    venv = Path(sys.prefix)
    (tmp_path / "home").mkdir()
    offline = refused_url()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GANKIT_", "XDG_"))}
    env.update(HOME=str(tmp_path / "home"), PYTHONPATH=str(checkout / "src"), http_proxy=offline,
               https_proxy=offline, HTTP_PROXY=offline, HTTPS_PROXY=offline)
    done = subprocess.run(["make", "train", "STEPS=3", f"VENV={venv}", "-o", f"{venv}/.installed",
                           "ARGS=--train.progress=log --train.log_every=1"],
                          cwd=checkout, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"data: 60,000 MNIST training images from the copy inside gankit ({checkout / 'src'}" in out
    assert "device: cpu, " in out and "run folder: runs/00001-seed_dcgan_mnist" in out
    assert "step 3/3" in out and "done. To see what G learned:" in out and "report runs/00001-seed_dcgan_mnist" in out
    assert "note: G's images are still far less varied" in out  # 3 steps: early, and how to go on
    assert "train --resume runs/00001-seed_dcgan_mnist --train.steps=6" in out
    run = checkout / "runs" / "00001-seed_dcgan_mnist"
    assert [p.name for p in sorted((run / "samples").iterdir())] == ["step-000000000.png", "step-000000003.png"]
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["step-000000003.safetensors"]
    assert not (tmp_path / "home" / ".cache").exists()  # nothing downloaded, nothing cached
