"""Data-parallel training under torchrun: 2 processes on 127.0.0.1 with gloo, as CI runs them.

The tolerance of "the same as one process": every logged scalar of the first 3 steps within
rtol 1e-4 (+ 2e-6 absolute, stats.jsonl keeps 6 decimals), with synchronised BatchNorm. The two
runs differ only in the order of float additions (two half-batch gradients averaged vs one
full-batch sum); measured differences are about 1e-6 relative, growing with the steps.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
import torch

from gankit.checkpoint import checkpoint_name, load_checkpoint
from gankit.cli import main
from gankit.config import load_config
from gankit.distributed import SyncBatchNorm2d, World, sync_batch_norms
from gankit.loop import StopRequest
from gankit.models import build_models
from gankit.sampling import sample
from gankit.session import open_session
from gankit.stats import read_stats
from gankit.trainer import train

import two_rank_checks

STEPS = 12
ARGS = ["--train.batch_size=8", "--model.width=0.25", "--train.threads=1", "--train.log_every=1",
        "--train.sample_every=100", f"--train.checkpoint_every={STEPS // 2}", "--train.keep_checkpoints=10",
        f"--train.steps={STEPS}", "--dist.enabled=true", "--dist.timeout_s=60"]
SYNC_EVAL = ["--dist.batch_norm=sync", f"--eval.every={STEPS // 2}", "--eval.n=41"]  # 41: shares of 21 and 20
TIMEOUT = 300  # seconds for any launch: a hang fails the test instead of stalling CI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(*args, nproc: int = 2) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", "--master_addr=127.0.0.1",
            f"--master_port={free_port()}", *map(str, args)]


def environment(cache: Path) -> dict:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "GANKIT_CACHE": str(cache)}


def start(args, log: Path, env: dict) -> subprocess.Popen:
    """torchrun in the background, output to `log` (a pipe could fill up and block it)."""
    with open(log, "w") as out:
        return subprocess.Popen(torchrun("-m", "gankit", "train", *args), stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)


def wait_for_stats(run_dir: Path, proc: subprocess.Popen) -> None:
    """Until rank 0 has logged its first step (the job is training)."""
    deadline = time.time() + TIMEOUT
    while not read_stats(run_dir / "stats.jsonl") and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert read_stats(run_dir / "stats.jsonl"), "the job never logged a step"


def workers(proc: subprocess.Popen) -> dict[int, int]:
    """rank -> pid of the processes torchrun started (Linux /proc)."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    ranks = {}
    for pid in children:
        env = dict(item.split("=", 1) for item in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in item)
        if "RANK" in env:
            ranks[int(env["RANK"])] = int(pid)
    return ranks


def weights_and_moments(run_dir: Path, step: int) -> dict[str, torch.Tensor]:
    state = load_checkpoint(run_dir / "checkpoints" / checkpoint_name(step))
    found = {f"{net}.{k}": v for net in ("generator", "discriminator") for k, v in state[net].items()}
    for opt in ("g_opt", "d_opt"):
        for index, slots in state[opt]["state"].items():
            found.update({f"{opt}.{index}.{slot}": v for slot, v in slots.items()})
    return found


@pytest.fixture(scope="module")
def straight(shared_tiny_mnist, tmp_path_factory):
    """A 2-process run of STEPS steps with synchronised BatchNorm and sharded evaluation."""
    root = tmp_path_factory.mktemp("straight")
    unpinned = [arg for arg in ARGS if arg != "--train.threads=1"]  # torchrun's default: one thread each
    env = {k: v for k, v in environment(root / "cache").items() if k != "OMP_NUM_THREADS"}
    done = subprocess.run(torchrun("-m", "gankit", "train", "--data.dir", shared_tiny_mnist,
                                   f"--train.runs_dir={root / 'runs'}", *unpinned, *SYNC_EVAL),
                          capture_output=True, text=True, env=env, timeout=TIMEOUT)
    return done, root / "runs"


def test_a_two_process_run_completes_and_only_rank_0_writes(straight):
    done, runs = straight
    assert done.returncode == 0, done.stdout + done.stderr
    assert [p.name for p in runs.iterdir()] == ["00001-default"]  # exactly one run folder
    run = runs / "00001-default"
    assert [r["step"] for r in read_stats(run / "stats.jsonl")] == list(range(1, STEPS + 1))  # each line once
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == [
        "best.safetensors", checkpoint_name(STEPS // 2), checkpoint_name(STEPS)]
    metrics = read_stats(run / "metrics.jsonl")
    assert [(r["step"], r["n"]) for r in metrics] == [(STEPS // 2, 41), (STEPS, 41)]  # gathered from both ranks
    assert done.stdout.count("run folder:") == 1 and done.stdout.count(f"step {STEPS}/{STEPS}") == 1  # rank 0 speaks


def test_under_torchrun_each_process_uses_one_thread_unless_told(straight):
    done, runs = straight
    assert done.returncode == 0, done.stdout + done.stderr
    assert "device: cpu, 1 CPU thread (OMP_NUM_THREADS;" in done.stdout  # torchrun sets it for 2 processes
    assert "threads = 1\n" in (runs / "00001-default" / "config.toml").read_text()


def test_first_steps_match_one_process(straight, shared_tiny_mnist, tmp_path):
    done, runs = straight
    assert done.returncode == 0, done.stdout + done.stderr
    overrides = [arg[2:] for arg in ARGS if not arg.startswith(("--dist.", "--train.steps"))]
    cfg = load_config(None, [*overrides, f"data.dir={shared_tiny_mnist}", f"train.runs_dir={tmp_path}", "train.steps=3"])
    threads = torch.get_num_threads()
    try:
        single = open_session(cfg)  # one process, no process group
        train(single, log=lambda *_: None)
    finally:
        torch.set_num_threads(threads)  # train.threads=1 set it for this whole pytest process
    assert_same_stats(read_stats(single.run_dir / "stats.jsonl"), read_stats(runs / "00001-default" / "stats.jsonl")[:3])


# read from fixed probe batches at each log interval, kept to 4 decimals (`gankit.intervals`)
PROBES = {"d_out_train", "d_out_heldout", "d_out_fake", "r_t", "overfit_ratio", "overfit_auc"}


def assert_same_stats(expected: list[dict], actual: list[dict], rel: float = 1e-4) -> None:
    """The logged scalars of a one-process and a two-process run, step by step, within the
    module's tolerance (or relative tolerance `rel`)."""
    skip = {"step", "images_seen", "seconds", "steps_per_s"}
    for one, two in zip(expected, actual, strict=True):
        assert one["images_seen"] == two["images_seen"]  # the global batch is the configured one
        for key in one.keys() - skip:
            probe = key in PROBES or key.startswith(("probe_", "ema_probe_"))
            rounding = 1e-4 if probe else 1e-6  # stats.jsonl keeps 4 or 6 decimals
            # raw D scores pass through 0: their drift is judged against the losses' scale instead
            scale = max(abs(one["d_loss"]), abs(one["g_loss"])) if key.endswith("_score") or key.startswith("d_out_") else 0.0
            assert two[key] == pytest.approx(one[key], rel=rel, abs=max(2 * rounding, rel * scale)), (one["step"], key)


@pytest.mark.parametrize("model, rel", [
    # the penalty, its eps sliced as z is. Adam's first updates are about lr * sign(gradient), so
    # float-order noise in D's near-zero gradient entries moves those weights by a whole lr:
    # measured 2e-4 relative on G's loss at step 1
    (["--config", "configs/wgan_gp_mnist.toml", "--train.d_steps=2"], 1e-3),
    (["--config", "configs/acgan_mnist.toml", "--train.sample_count=10"], 1e-4),  # the classes G is asked for
], ids=["wgan_gp", "acgan"])
def test_the_gan_family_trains_on_two_processes_as_on_one(model, rel, shared_tiny_mnist, tmp_path, one_thread):
    args = [*model, "--data.dir", str(shared_tiny_mnist), *ARGS, "--dist.batch_norm=sync", "--train.steps=3"]
    done = subprocess.run(torchrun("-m", "gankit", "train", *args, f"--train.runs_dir={tmp_path / 'two'}"),
                          capture_output=True, text=True, env=environment(tmp_path / "cache"), timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    one = [arg for arg in args if not arg.startswith("--dist.")]
    assert main(["train", *one, f"--train.runs_dir={tmp_path / 'one'}"]) == 0  # one_thread restores threads
    (two_run,), (one_run,) = (tmp_path / "two").iterdir(), (tmp_path / "one").iterdir()
    assert_same_stats(read_stats(one_run / "stats.jsonl"), read_stats(two_run / "stats.jsonl"), rel)


def test_ctrl_c_stops_every_rank_and_resume_continues_exactly(straight, shared_tiny_mnist, tmp_path):
    done, runs = straight
    assert done.returncode == 0, done.stdout + done.stderr
    env, run = environment(tmp_path / "cache"), tmp_path / "runs" / "00001-default"
    proc = start(["--data.dir", shared_tiny_mnist, f"--train.runs_dir={tmp_path / 'runs'}", *ARGS, *SYNC_EVAL],
                 tmp_path / "stopped.log", env)
    wait_for_stats(run, proc)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C does: torchrun passes it on to every rank
    proc.wait(timeout=TIMEOUT)
    stopped = read_stats(run / "stats.jsonl")[-1]["step"]
    assert stopped < STEPS, "the run ended before the stop request reached it"
    assert (f"stopped at step {stopped}; checkpoint saved. Continue with: torchrun [your torchrun options] -m gankit train "
            "--resume") in (tmp_path / "stopped.log").read_text()
    assert (run / "checkpoints" / checkpoint_name(stopped)).exists()

    resumed = subprocess.run(torchrun("-m", "gankit", "train", "--resume", run), capture_output=True, text=True,
                             env=env, timeout=TIMEOUT)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert [r["step"] for r in read_stats(run / "stats.jsonl")] == list(range(1, STEPS + 1))
    expected, actual = weights_and_moments(runs / "00001-default", STEPS), weights_and_moments(run, STEPS)
    assert expected.keys() == actual.keys()
    for name in expected:
        assert torch.equal(expected[name], actual[name]), name  # bit-identical to the straight run


def test_a_killed_rank_ends_the_job_with_one_clear_error(shared_tiny_mnist, tmp_path):
    run, log = tmp_path / "runs" / "00001-default", tmp_path / "killed.log"
    args = ["--data.dir", shared_tiny_mnist, f"--train.runs_dir={tmp_path / 'runs'}", *ARGS, "--train.steps=1000000"]
    proc = start(args, log, environment(tmp_path / "cache"))
    wait_for_stats(run, proc)
    os.kill(workers(proc)[1], signal.SIGKILL)
    proc.wait(timeout=TIMEOUT)  # no rank hangs
    assert proc.returncode != 0
    output = log.read_text()
    assert "gankit: error: rank 0 of 2 lost contact with the other processes" in output, output
    assert "Traceback" not in output.split("gankit: error:")[0]  # rank 0 printed no traceback of its own


@pytest.mark.parametrize("error, ignored", [(RuntimeError("[gloo] Connection closed by peer"), True),
                                             (ValueError("a bug"), False), (None, False)])
def test_a_rank_whose_exchange_failed_outlives_torchruns_sigterm(error, ignored):
    """Leaving the training loop after a failed exchange keeps SIGTERM ignored (torchrun sends it to
    the survivors at once), so `collective_errors` can still print why; any other end restores it."""
    before = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        stop = World(rank=0, size=2).agreed(StopRequest())
        stop.__enter__()
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)  # the stop request's
        set_signal, sigterm_handlers = signal.signal, []
        def recording(sig, handler):
            if sig == signal.SIGTERM:
                sigterm_handlers.append(handler)
            return set_signal(sig, handler)
        with mock.patch.object(signal, "signal", recording):
            stop.__exit__(type(error) if error else None, error, None)
        assert len(sigterm_handlers) == 1  # straight from the stop request's handler: never a moment of death
        assert (signal.getsignal(signal.SIGTERM) == signal.SIG_IGN) == ignored
        assert ignored or signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, before)


def test_dist_enabled_outside_torchrun_is_one_error_line(tiny_mnist, tmp_path, monkeypatch, capsys):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    runs = tmp_path / "runs"
    assert main(["train", "--data.dir", str(tiny_mnist), f"--train.runs_dir={runs}", "--dist.enabled=true"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "gankit: error: dist.enabled = true needs the environment torchrun" in err
    assert not runs.exists()  # no run folder


@pytest.mark.parametrize("env, args, message", [
    ({"WORLD_SIZE": "2", "RANK": "0"}, [], "torchrun started 2 processes but dist.enabled is false"),
    ({"WORLD_SIZE": "3", "RANK": "0", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"},
     ["--dist.enabled=true", "--train.batch_size=8"], "does not split evenly over 3 processes"),
    ({"WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"},
     ["--dist.enabled=true", "--dist.backend=nccl", "--train.device=cpu"], "dist.backend = nccl needs CUDA"),
])
def test_launch_mistakes_are_one_error_line(env, args, message, tiny_mnist, tmp_path, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runs = tmp_path / "runs"
    assert main(["train", "--data.dir", str(tiny_mnist), f"--train.runs_dir={runs}", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not runs.exists()


def test_collectives_sync_batch_norm_and_sharded_sampling_across_two_ranks(tmp_path):
    done = subprocess.run(torchrun(Path(__file__).parent / "two_rank_checks.py", tmp_path), capture_output=True,
                          text=True, env=environment(tmp_path / "cache"), timeout=TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    ranks = [torch.load(tmp_path / f"rank-{r}.pt", weights_only=True) for r in (0, 1)]
    for r, got in enumerate(ranks):
        assert got["mean"]["rank"].item() == 0.5 and got["mean"]["one"].item() == 1.0
        assert got["any_rank1"] is True and got["any_none"] is False
        assert got["share"] == "from rank 0"
        assert got["gather"].tolist() == [0, 10, 1, 11]

    # SyncBatchNorm2d on two halves == nn.BatchNorm2d on the whole batch: outputs, gradients, moving statistics
    x, loss_weights, weight, bias = two_rank_checks.batch_norm_inputs()
    norm = torch.nn.BatchNorm2d(x.shape[1], momentum=0.1, eps=1e-3)
    with torch.no_grad():
        norm.weight.copy_(weight)
        norm.bias.copy_(bias)
    x = x.clone().requires_grad_()
    y = norm(x)
    (y * loss_weights).sum().backward()
    both = lambda key: torch.cat([ranks[0][key], ranks[1][key]])
    torch.testing.assert_close(both("y"), y.detach(), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(both("x_grad"), x.grad, rtol=1e-4, atol=1e-5)
    for got in ranks:
        torch.testing.assert_close(got["weight_grad"], norm.weight.grad, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(got["bias_grad"], norm.bias.grad, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(got["running_mean"], norm.running_mean, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(got["running_var"], norm.running_var, rtol=1e-5, atol=1e-6)
        assert got["num_batches_tracked"].item() == 1

    # sharded sampling returns every image, in order, on every rank (a pixel may round the other way)
    generator, cfg = two_rank_checks.tiny_generator()
    alone = sample(generator, cfg, two_rank_checks.N_IMAGES, seed=3)
    for got in ranks:
        assert got["images"].shape == alone.shape
        assert (got["images"].int() - alone.int()).abs().max() <= 1


def test_sync_batch_norms_keeps_parameters_and_state_dict_keys():
    cfg = load_config(None, ["model.width=0.25"])
    generator, _ = build_models(cfg.model, (1, 28, 28))
    params, keys = list(generator.parameters()), list(generator.state_dict())
    sync_batch_norms(generator)
    assert sum(isinstance(m, SyncBatchNorm2d) for m in generator.modules()) == 4  # G's four BatchNorms
    assert all(a is b for a, b in zip(params, generator.parameters(), strict=True))  # optimisers still hold them
    assert list(generator.state_dict()) == keys  # checkpoints load either way
