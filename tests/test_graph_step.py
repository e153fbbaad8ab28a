"""The CUDA-graph step (`gankit.graph_step`): on CPU, its arrangement of inputs, schedules and
outputs (the `Rerun` replayer) trains exactly as the eager step; on a GPU, the real capture does."""

import copy
import subprocess
import sys

import pytest
import torch

from gankit.checkpoint import checkpoint_name, load_checkpoint
from gankit.config import Config, apply_overrides
from gankit.errors import ConfigError
from gankit.gan import build_gan
from gankit.graph_step import (WARMUP, CudaGraph, Rerun, check_graphable, make_capturable, make_graph_step,
                               portable_hyperparameters)
from gankit.losses import LOSSES
from gankit.session import STATE_KEYS
from gankit.step import StepOptions, train_step

# the seed's RMSprop with its decaying rates (the schedule must step between replays), an ACGAN
# with Adam and a constant rate, and two D steps per iteration
CASES = {
    "seed": ["model.width=0.25"],
    "acgan_adam": ["model.name=acgan", "model.width=0.25", "model.num_classes=10", "d_opt.name=adam",
                   "g_opt.name=adam", "d_opt.decay=0", "g_opt.decay=0"],
    "two_d_steps": ["model.width=0.25", "train.d_steps=2", "d_opt.decay=0"],
}


def draws(cfg: Config, device: torch.device, seed: int = 5):
    """next_real and sample_z drawing from their own seeded generator, as a run's do, and that generator."""
    generator = torch.Generator(device).manual_seed(seed)
    classes = cfg.model.num_classes

    def next_real():
        labels = torch.randint(10, (16,), generator=generator, device=device) if classes else None
        return torch.rand(16, 1, 28, 28, generator=generator, device=device), labels

    def sample_z(n):
        labels = torch.randint(10, (n,), generator=generator, device=device) if classes else None
        return torch.rand(n, 100, generator=generator, device=device) * 2 - 1, labels

    return next_real, sample_z, generator


def trained(cfg: Config, device: torch.device, steps: int, replayer=None):
    """(the GAN after `steps` iterations, the scalars of each), eagerly or through `replayer`."""
    torch.manual_seed(0)
    gan = build_gan(cfg, (1, 28, 28), device)
    next_real, sample_z, _ = draws(cfg, device)
    options = StepOptions.from_config(cfg)
    if replayer is None:
        step = lambda: train_step(gan, next_real=next_real, sample_z=sample_z, options=options)  # noqa: E731
    else:
        step = make_graph_step(gan, next_real=next_real, sample_z=sample_z, options=options, replayer=replayer)
    scalars = [{name: value.item() for name, value in step().items()} for _ in range(steps)]
    return gan, scalars


def weights(gan):
    return {**{f"G.{k}": v for k, v in gan.generator.state_dict().items()},
            **{f"D.{k}": v for k, v in gan.discriminator.state_dict().items()}}


@pytest.mark.parametrize("case", CASES)
def test_rerun_arrangement_trains_exactly_as_eager(case, one_thread):
    cfg = apply_overrides(Config(), CASES[case])
    steps = WARMUP + 4  # eager warm-up, the capture's step, three replays
    eager, eager_scalars = trained(cfg, torch.device("cpu"), steps)
    graphed, graphed_scalars = trained(cfg, torch.device("cpu"), steps, replayer=Rerun())
    assert graphed_scalars == eager_scalars
    for name, value in weights(eager).items():
        assert torch.equal(value, weights(graphed)[name]), name
    assert graphed.d_opt.param_groups[0]["lr"] == eager.d_opt.param_groups[0]["lr"]  # the schedules stepped
    assert graphed.d_schedule.last_epoch == eager.d_schedule.last_epoch == steps * cfg.train.d_steps


def test_replays_return_copies_not_the_static_outputs(one_thread):
    cfg = apply_overrides(Config(), CASES["seed"])
    torch.manual_seed(0)
    gan = build_gan(cfg, (1, 28, 28), torch.device("cpu"))
    next_real, sample_z, _ = draws(cfg, torch.device("cpu"))
    step = make_graph_step(gan, next_real=next_real, sample_z=sample_z, options=StepOptions(LOSSES["non_saturating"]),
                           replayer=Rerun())
    outputs = [step() for _ in range(WARMUP + 3)]
    assert outputs[-1]["d_loss"] is not outputs[-2]["d_loss"]
    assert outputs[-1]["d_loss"].item() != outputs[-2]["d_loss"].item()


@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)` before")
def test_portable_hyperparameters_turn_tensor_rates_into_floats():
    param = torch.nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.Adam([param], lr=1e-3, foreach=True)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda updates: 1 / (1 + 0.5 * updates))
    make_capturable(optimizer, torch.device("cpu"))
    schedule.step()
    assert isinstance(optimizer.param_groups[0]["lr"], torch.Tensor)  # the schedule filled the tensor
    state = portable_hyperparameters(optimizer.state_dict())
    assert state["param_groups"][0]["lr"] == pytest.approx(1e-3 / 1.5) and not state["param_groups"][0]["capturable"]
    assert all(isinstance(lr, float) for lr in portable_hyperparameters(schedule.state_dict())["_last_lr"])
    fresh = torch.optim.Adam([torch.nn.Parameter(torch.zeros(3))], lr=1.0, foreach=True)
    fresh.load_state_dict(state)  # an eager optimiser takes it: no tensor rate, not capturable
    assert fresh.param_groups[0]["lr"] == pytest.approx(1e-3 / 1.5)


@pytest.mark.parametrize("overrides, device, world, says", [
    ([], "cpu", 1, "needs a CUDA GPU"),
    (["train.compile=default"], "cuda", 1, "train.compile=off"),
    ([], "cuda", 2, "(DDP)"),
    (["augment.policy=diffaugment"], "cuda", 1, "augment.policy=none"),
    (["penalty.name=wgan_gp"], "cuda", 1, "WGAN-GP"),
    (["train.d_steps=2"], "cuda", 1, "d_opt.decay=0"),
])
def test_runs_a_graph_cannot_train_exactly_are_refused(overrides, device, world, says):
    with pytest.raises(ConfigError, match="train.cuda_graphs") as err:
        check_graphable(apply_overrides(Config(), overrides), torch.device(device), world)
    assert says in str(err.value)


def test_graphable_runs_pass():
    check_graphable(apply_overrides(Config(), ["penalty.name=r1", "train.d_steps=2", "d_opt.decay=0"]),
                    torch.device("cuda"), 1)


NO_GPU = "CUDA graphs need a CUDA GPU; this machine has none"


def snapshot(gan) -> dict:
    """A deep copy of everything a step changes (weights, buffers, optimiser and schedule states)."""
    return copy.deepcopy({key: getattr(gan, key).state_dict() for key in STATE_KEYS})


def restore(gan, state: dict) -> None:
    for key, value in copy.deepcopy(state).items():
        getattr(gan, key).load_state_dict(value)


def replay_against_eager(cfg: Config, device: torch.device, replayer) -> None:
    """From one state and one batch, a replay of the captured step and an eager `train_step`
    give the same losses and weights, up to the device's run-to-run rounding."""
    torch.manual_seed(0)
    gan = build_gan(cfg, (1, 28, 28), device)
    next_real, sample_z, generator = draws(cfg, device)
    options = StepOptions.from_config(cfg)
    step = make_graph_step(gan, next_real=next_real, sample_z=sample_z, options=options, replayer=replayer)
    for _ in range(WARMUP + 1):  # the eager steps, then the capture and its first replay
        step()
    state, inputs = snapshot(gan), generator.get_state()
    replayed = {name: value.item() for name, value in step().items()}
    after_replay = {name: value.clone() for name, value in weights(gan).items()}
    restore(gan, state)
    generator.set_state(inputs)
    eager = {name: value.item() for name, value in
             train_step(gan, next_real=next_real, sample_z=sample_z, options=options).items()}
    for name in ("d_loss", "g_loss"):
        assert replayed[name] == pytest.approx(eager[name], rel=1e-5, abs=1e-6), name
    for name, value in weights(gan).items():
        torch.testing.assert_close(after_replay[name], value, rtol=1e-5, atol=1e-6, msg=name)


@pytest.mark.parametrize("case", ["seed", "acgan_adam"])
def test_a_rerun_updates_as_an_eager_step_from_the_same_state(case, one_thread):
    replay_against_eager(apply_overrides(Config(), CASES[case]), torch.device("cpu"), Rerun())


@pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_GPU)
@pytest.mark.parametrize("case", ["seed", "acgan_adam"])
def test_a_replay_updates_as_an_eager_step_from_the_same_state(case):
    """Over many steps two GPU runs drift apart anyway (cuDNN's backward sums in no fixed order,
    and RMSprop and Adam turn the sign of a near-zero gradient into a whole step), so one step
    from one state is compared."""
    replay_against_eager(apply_overrides(Config(), CASES[case]), torch.device("cuda"), CudaGraph(torch.device("cuda")))


@pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_GPU)
def test_cuda_graph_run_resumes_and_its_checkpoints_load_anywhere(tiny_mnist, tmp_path):
    """A graphed run's checkpoint (learning rates as plain numbers) resumes graphed, eagerly
    on the GPU and on the CPU, and each goes on to the last step."""
    steps = 2 * (WARMUP + 3)
    args = [sys.executable, "-m", "gankit", "train", "--data.dir", str(tiny_mnist), "--train.device=cuda",
            "--train.cuda_graphs=true", "--train.batch_size=8", f"--train.checkpoint_every={steps // 2}",
            f"--train.steps={steps // 2}", f"--train.runs_dir={tmp_path}", "--train.log_every=3",
            "--train.sample_every=100", "--train.keep_checkpoints=5"]
    first = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    run = tmp_path / "00001-default"
    saved = load_checkpoint(run / "checkpoints" / checkpoint_name(steps // 2))
    assert all(isinstance(group["lr"], float) and not group["capturable"] for group in saved["d_opt"]["param_groups"])
    for end, overrides in ((steps, []), (steps + 2, ["--train.cuda_graphs=false"]),
                           (steps + 4, ["--train.cuda_graphs=false", "--train.device=cpu"])):
        resumed = subprocess.run([sys.executable, "-m", "gankit", "train", "--resume", str(run),
                                  f"--train.steps={end}", *overrides], capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr
        assert (run / "checkpoints" / checkpoint_name(end)).exists()
