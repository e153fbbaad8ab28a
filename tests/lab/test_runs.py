"""Following run folders: only complete lines are read, bad folders get a message, and a run
written by other processes (torchrun's) is followed live through the server's run endpoints;
the fast preset starts from any folder."""

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from starlette.testclient import TestClient

from gankit.errors import GankitError
from gankit.lab.live import LiveToy
from gankit.lab.runs import RunRoom, find_preset, read_jsonl
from gankit.lab.server import make_app
from gankit.lab.session import ToySession
from gankit.lab.settings import parse_settings

from .conftest import REPO, TINY_TRAIN

TOKEN = "test-token"
STEPS = 20  # about 4 s of training on 2 CPU processes: long enough to be seen mid-run


def test_a_line_being_written_waits_for_the_next_read(tmp_path):
    path = tmp_path / "stats.jsonl"
    path.write_text('{"step": 1}\n{"step": 2}\n{"step": 3')
    assert read_jsonl(path) == [{"step": 1}, {"step": 2}]
    assert read_jsonl(path, 1) == [{"step": 2}]
    with open(path, "a") as f:
        f.write("}\n")
    assert read_jsonl(path, 2) == [{"step": 3}]
    assert read_jsonl(tmp_path / "absent.jsonl") == []


def test_following_checks_the_folder(tmp_path):
    room = RunRoom()
    with pytest.raises(GankitError, match="no such folder"):
        room.follow(tmp_path / "nowhere")
    with pytest.raises(GankitError, match="not a run folder"):
        room.follow(tmp_path)
    (tmp_path / "stats.jsonl").write_text("")
    assert room.follow(tmp_path) == 0 and room.follow(tmp_path) == 0  # once only
    assert room.runs[0].read(stats_from=0, metrics_from=0, alarms_from=0)["grid_step"] is None


def test_starting_without_the_preset_says_so(tmp_path):
    room = RunRoom(runs_dir=tmp_path / "runs", preset=tmp_path / "missing.toml")
    with pytest.raises(GankitError, match="--preset"):
        room.start()


def test_a_relative_preset_is_found_in_the_checkout_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    preset = Path("configs/fast.toml")
    assert find_preset(preset) == (REPO / preset).resolve()
    (tmp_path / "configs").mkdir()
    (tmp_path / preset).write_text("[train]\nsteps = 1\n")
    assert find_preset(preset) == tmp_path / preset  # one in the current folder comes first
    with pytest.raises(GankitError, match=f"not {tmp_path / 'configs/none.toml'} nor {REPO / 'configs/none.toml'}"):
        find_preset(Path("configs/none.toml"))


def test_the_page_starts_the_fast_preset_from_another_folder(shared_tiny_mnist, tmp_path, monkeypatch):
    """`gankit lab` started outside the checkout, with the default preset and runs folder: the
    page's "start a fast-preset run" trains the fast preset into ./runs."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(REPO / "src"))
    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path / "cache"))
    room = RunRoom(overrides=[f"data.dir={shared_tiny_mnist}", *TINY_TRAIN])
    toy = LiveToy(ToySession(parse_settings({"batch_size": "16", "g_hidden": "8", "d_hidden": "8"})))
    with TestClient(make_app(toy, token=TOKEN, room=room), headers={"X-Lab-Token": TOKEN}) as client:
        started = client.post("/api/runs/start")
        assert started.status_code == 200, started.json()
        assert started.json() == {"index": 0, "path": "runs/00001-fast"}
        process = room.runs[0].process
        assert process.wait(300) == 0, room.runs[0].log.read_text()
        run = client.get("/api/runs/0").json()
        assert [record["step"] for record in run["stats"]] == [2, 4, 6] and run["grid_step"] == 6
        assert run["process"]["exit_code"] == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_torchrun_run(data, runs_dir, log) -> subprocess.Popen:
    """`torchrun --nproc_per_node=2 -m gankit train` on tiny data (gloo on 127.0.0.1, as
    tests/test_distributed.py runs it): rank 0 writes one run folder under `runs_dir`."""
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
               f"--master_port={free_port()}", "-m", "gankit", "train", "--data.dir", str(data),
               f"--train.runs_dir={runs_dir}", "--train.batch_size=8", "--model.width=0.25", "--train.threads=1",
               "--train.log_every=1", "--train.sample_every=5", f"--train.checkpoint_every={STEPS}",
               f"--train.steps={STEPS}", "--dist.enabled=true", "--dist.timeout_s=60"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PYTHONUNBUFFERED": "1",
           "GANKIT_CACHE": str(runs_dir.parent / "cache")}
    with open(log, "w") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def test_a_torchrun_run_is_followed_live_through_its_folder(shared_tiny_mnist, tmp_path):
    """The lab follows the folder as the page does (`/api/runs/0?stats_from=N`, once a tenth of
    a second, while two other processes train): each step's line arrives exactly once and in
    order, some while the run is still going, and the grids appear one after another."""
    runs_dir, log = tmp_path / "runs", tmp_path / "torchrun.log"
    toy = LiveToy(ToySession(parse_settings({"batch_size": "16", "g_hidden": "8", "d_hidden": "8"})))
    process = start_torchrun_run(shared_tiny_mnist, runs_dir, log)
    try:
        with TestClient(make_app(toy, token=TOKEN), headers={"X-Lab-Token": TOKEN}) as client:
            deadline = time.monotonic() + 300
            while not list(runs_dir.glob("*/config.toml")) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            folders = [path.parent for path in runs_dir.glob("*/config.toml")]
            assert len(folders) == 1, log.read_text()
            run_dir = folders[0]
            assert client.post("/api/runs", json={"path": str(run_dir)}).json() == {"index": 0}
            stats, seen, grids = [], [], []
            while True:
                finished = process.poll() is not None  # read once more after the end: nothing is missed
                fresh = client.get("/api/runs/0", params={"stats_from": len(stats)}).json()
                stats += fresh["stats"]
                seen.append((len(stats), process.poll() is None))
                if fresh["grid_step"] is not None and fresh["grid_step"] not in grids:
                    grids.append(fresh["grid_step"])
                if finished or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert process.wait(30) == 0, log.read_text()
            assert [record["step"] for record in stats] == list(range(1, STEPS + 1))  # rank 0's lines, once each
            assert any(0 < count < STEPS and running for count, running in seen), seen  # seen mid-run
            assert len(grids) >= 2 and grids == sorted(grids) and grids[-1] == STEPS, grids
            grid = client.get("/api/runs/0/grid", params={"step": STEPS})
            assert grid.status_code == 200 and Image.open(io.BytesIO(grid.content)).size[0] > 28
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(30)
