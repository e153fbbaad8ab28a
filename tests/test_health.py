"""Each alarm fires in a tiny run engineered to trigger it, and a healthy tiny run raises none."""

import dataclasses
import json

import pytest
import torch

from gankit import losses
from gankit.checkpoint import list_checkpoints, load_checkpoint
from gankit.config import load_config
from gankit.errors import GankitError
from gankit.health import ALARMS, HealthConfig, HealthMonitor, low_variety, probe_signals, zigzag_legs
from gankit.latent import LATENTS
from gankit.session import open_session
from gankit.trainer import train

ADAM = ["d_opt.name=adam", "g_opt.name=adam", "d_opt.eps=1e-8", "g_opt.eps=1e-8", "train.fakes_g_mode=train"]
# a tiny ACGAN that learns its classes' looks within its 80 steps (the fast preset's Adam)
CONDITIONAL = ["model.name=acgan", "train.steps=80", "d_opt.lr=2e-3", "g_opt.lr=2e-3", "ema.half_life_images=0", *ADAM]


def run(data, tmp_path, *overrides):
    """Train on the tiny dataset; return (alarm names, log lines, session)."""
    cfg = load_config(None, [f"data.dir={data}", f"train.runs_dir={tmp_path / 'runs'}", "train.batch_size=16", "model.width=0.25",
                             "train.threads=1", "train.log_every=5", "train.sample_every=1000",
                             "train.checkpoint_every=10", *overrides])
    session = open_session(cfg, config_name="health")
    lines = []
    try:
        train(session, log=lines.append)
    except GankitError as err:
        lines.append(f"error: {err}")
    path = session.run_dir / "alarms.jsonl"
    names = [json.loads(line)["name"] for line in path.read_text().splitlines()] if path.exists() else []
    return names, lines, session


@pytest.fixture
def data(tmp_path, make_tiny_mnist):
    return make_tiny_mnist(tmp_path / "data", n_train=256)


def test_healthy_run_raises_no_alarm(data, tmp_path):
    names, lines, _ = run(data, tmp_path, "train.steps=60", "d_opt.lr=2e-4", "g_opt.lr=5e-4", *ADAM)
    assert names == [], lines


def test_discriminator_wins(data, tmp_path):
    """G cannot learn (lr 1e-12) and its saturating loss gives it nothing: D wins outright."""
    names, lines, _ = run(data, tmp_path, "train.steps=40", "loss.name=minimax", "g_opt.lr=1e-12")
    assert names == ["discriminator_wins"]
    assert any("ALARM discriminator_wins" in line and "Try:" in line for line in lines)


@pytest.mark.parametrize("read_as_probability", [True, False])
def test_a_winning_critic_is_no_alarm_under_the_wasserstein_loss(data, tmp_path, monkeypatch, read_as_probability):
    """The Wasserstein critic's scores run apart as G stands still, and its sigmoid would say
    "D wins"; but G's gradient does not vanish under this loss, so no alarm fires (the control,
    reading the scores as logits, shows the numbers do trip the logistic alarm)."""
    if read_as_probability:
        monkeypatch.setitem(losses.LOSSES, "wasserstein",
                            dataclasses.replace(losses.LOSSES["wasserstein"], d_output="probability"))
    names, lines, _ = run(data, tmp_path, "train.steps=40", "loss.name=wasserstein", "g_opt.lr=1e-12",
                          "d_opt.lr=1e-3")
    assert (names == ["discriminator_wins"]) if read_as_probability else (names == []), lines


def test_mode_collapse_and_oscillation(data, tmp_path):
    """Adam with lr 5e-3 and beta1 0.9 on both: G's variety rises and falls, D(x) swings."""
    names, _, _ = run(data, tmp_path, "train.steps=50", "train.log_every=2", "d_opt.lr=5e-3", "g_opt.lr=5e-3",
                      "d_opt.beta1=0.9", "g_opt.beta1=0.9", *ADAM)
    assert "oscillation" in names and "mode_collapse" in names


@pytest.fixture
def classes_data(tmp_path, make_tiny_mnist):
    return make_tiny_mnist(tmp_path / "classes", n_train=512, classes_differ=True)


def test_collapse_within_each_class_raises_mode_collapse(classes_data, tmp_path, monkeypatch):
    """A conditional G given the same z every time (a latent of one point) learns one image per
    class: the probe batch as a whole stays varied (the classes differ), the variety within each
    class is nil. The alarm sees it, names the class and says what to try."""
    monkeypatch.setitem(LATENTS, "point", lambda n, z_dim, generator: torch.zeros(n, z_dim, device=generator.device))
    names, lines, session = run(classes_data, tmp_path, *CONDITIONAL, "model.z_dist=point")
    records = [json.loads(line) for line in (session.run_dir / "stats.jsonl").read_text().splitlines()]
    diversity = [r["probe_diversity"] for r in records]
    assert diversity[-1] > 0.4 * max(diversity)  # the whole-batch signal alone does not see it
    assert "mode_collapse" in names, lines
    alarm = next(line for line in lines if "ALARM mode_collapse" in line)
    assert "variety within class" in alarm and "nearest-neighbour distance" in alarm and "Try:" in alarm


def test_a_healthy_conditional_run_raises_no_alarm(classes_data, tmp_path):
    """The control of the test above: the same run with varied z."""
    names, lines, _ = run(classes_data, tmp_path, *CONDITIONAL)
    assert names == [], lines


def test_probe_signals_see_copies_and_collapsed_classes():
    """Copies of images among the probe batch, and a class of copies, against varied real images."""
    varied = torch.rand(16, 1, 4, 4, generator=torch.Generator().manual_seed(0))

    class Copies(torch.nn.Module):
        """Image z % 8 of `varied` for each latent z (8 distinct images, each twice); a class: image 0 only."""

        def forward(self, z, labels=None):
            return varied[z[:, 0].long() % 8] if labels is None else varied[:1].expand(len(z), -1, -1, -1)

    z = torch.arange(16.0)[:, None]
    signals = probe_signals(Copies(), z, varied, real_class_probe=varied.view(2, 8, 1, 4, 4))
    assert signals["probe_diversity"] > 0.9  # eight distinct images, each twice: varied as a whole...
    assert signals["probe_neighbours"] == 0  # ...but every image has a copy
    assert signals["probe_class_diversity"] == 0 and signals["probe_class_lowest"] == 0
    assert probe_signals(Copies(), z, varied, neighbours=False) == {"probe_diversity": signals["probe_diversity"]}


def test_collapse_floors_are_judged_against_the_batch_variety():
    """An untrained G draws images that all look alike, within a class as across classes: no
    collapse. Once the batch as a whole is varied, a class without variety is one."""
    monitor = HealthMonitor(HealthConfig(patience=1))
    record = {"d_real": 0.5, "d_fake": 0.5, "g_fake": 0.5, "g_grad_norm": 1.0, "probe_class_lowest": 3}
    untrained = {"probe_diversity": 0.03, "probe_neighbours": 0.1, "probe_class_diversity": 0.025}
    assert monitor.update({"step": 1, **record, **untrained}) == []
    collapsed = {"probe_diversity": 0.6, "probe_neighbours": 0.5, "probe_class_diversity": 0.1}
    fired = monitor.update({"step": 2, **record, **collapsed})
    assert [a.name for a in fired] == ["mode_collapse"] and fired[0].detail.startswith("variety within class 3 0.10")


def test_zigzag_counts_turns_not_wiggles():
    assert zigzag_legs([0.89, 0.43, 0.49, 0.91, 0.67, 0.72, 0.80, 0.06, 0.33, 0.91], 0.3) == 4
    assert zigzag_legs([0.49, 0.5, 0.51, 0.54, 0.59, 0.6, 0.59, 0.63, 0.66, 0.69], 0.3) == 0
    assert zigzag_legs([0.5, 0.7, 0.3], 0.3) == 1


def test_non_finite_rolls_back_then_stops_with_no_nan_checkpoint(data, tmp_path):
    names, lines, session = run(data, tmp_path, "train.steps=40", "d_opt.lr=1e30", "g_opt.lr=1e30",
                                "train.max_retries=2")
    assert "non_finite" in names
    assert sum("rolled back" in line for line in lines) == 2
    assert lines[-1].startswith("error: training diverged") and "3 times" in lines[-1]
    found = list_checkpoints(session.run_dir / "checkpoints")  # the line promises only what is there
    assert (f"its last checkpoint is {found[-1].name}" if found else "has no checkpoint yet") in lines[-1]
    for path in list_checkpoints(session.run_dir / "checkpoints"):
        state = load_checkpoint(path)
        for weights in (state["generator"], state["discriminator"]):
            assert all(torch.isfinite(v).all() for v in weights.values() if v.is_floating_point()), path


def test_transient_nan_is_retried_and_training_completes(data, tmp_path, monkeypatch):
    calls = {"n": 0}
    g_loss = losses.LOSSES["non_saturating"].g_loss

    def flaky_g_loss(fake_logits):
        calls["n"] += 1
        return g_loss(fake_logits) * (float("nan") if calls["n"] == 12 else 1.0)

    monkeypatch.setitem(losses.LOSSES, "flaky", dataclasses.replace(losses.LOSSES["non_saturating"], g_loss=flaky_g_loss))
    names, lines, session = run(data, tmp_path, "train.steps=20", "loss.name=flaky")
    assert names == ["non_finite"]
    assert any("rolled back to step 10, learning rates x0.5" in line for line in lines)
    steps = [json.loads(line)["step"] for line in (session.run_dir / "stats.jsonl").read_text().splitlines()]
    assert steps == [5, 10, 15, 20]  # the rolled-back interval's line is not there twice
    assert session.step == 20 and session.gan.g_schedule.last_epoch == 20
    # the configured 1e-4, halved once, under the decay of G's 20 updates: lr / (1 + 3e-8 * 20)
    assert session.gan.g_opt.param_groups[0]["lr"] == pytest.approx(1e-4 * 0.5 / (1 + 3e-8 * 20), rel=1e-12)
    assert session.gan.d_opt.param_groups[0]["lr"] == pytest.approx(2e-4 * 0.5 / (1 + 6e-8 * 20), rel=1e-12)


def test_alarms_fire_once_per_episode():
    monitor = HealthMonitor(HealthConfig(patience=2))
    record = {"d_real": 0.99, "d_fake": 0.01, "g_fake": 0.01, "g_grad_norm": 1e-4}
    fired = [monitor.update({"step": s, **record}) for s in (1, 2, 3)]
    assert [len(f) for f in fired] == [0, 1, 0] and fired[1][0].name == "discriminator_wins"
    assert set(ALARMS) == {"discriminator_wins", "mode_collapse", "mode_dropping", "oscillation",
                           "discriminator_overfits", "non_finite"}


@pytest.mark.parametrize("count", [1, 8, 100])
def test_real_images_without_variety_leave_diversity_out(tmp_path, count):
    """A folder of one image, or of copies of one, has no variety to compare G's with: the run
    says so and trains on, instead of dividing by zero and calling it a divergence."""
    from PIL import Image

    folder = tmp_path / "same"
    folder.mkdir()
    for i in range(count):
        Image.new("L", (28, 28), color=128).save(folder / f"{i}.png")
    names, lines, session = run(None, tmp_path, f"data.folder={folder}", "train.steps=10", "train.log_every=2")
    assert not any(line.startswith("error:") for line in lines), lines
    assert any("all alike" in line and "probe_diversity" in line for line in lines)
    records = [json.loads(line) for line in (session.run_dir / "stats.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4, 6, 8, 10] and not any("probe_diversity" in r for r in records)


# (probe_diversity, probe_neighbours, probe_class_diversity) of each log interval (100 steps) of three
# 3,000-step runs of the fast preset on Fashion-MNIST (BENCHMARKS.md, "Quality on two datasets"),
# rounded: two with eval-mode fakes, which collapsed to about one image per class (judge recall
# 0.000), and one healthy (train-mode fakes and 4x4 kernels; recall 0.075).
COLLAPSED_SEED0 = [(0.13, 0.16, 0.09), (0.32, 0.39, 0.22), (0.89, 0.92, 0.53), (0.94, 0.99, 0.67), (0.88, 0.82, 0.57),
                   (0.9, 0.78, 0.5), (0.85, 0.8, 0.52), (0.83, 0.6, 0.38), (1.11, 0.9, 0.57), (0.6, 0.47, 0.29),
                   (0.87, 0.65, 0.4), (0.76, 0.61, 0.39), (0.85, 0.65, 0.45), (0.7, 0.63, 0.36), (0.93, 0.85, 0.53),
                   (0.79, 0.62, 0.41), (0.59, 0.58, 0.33), (1.01, 0.83, 0.45), (0.51, 0.49, 0.27), (0.93, 0.65, 0.46),
                   (0.98, 0.75, 0.47), (0.99, 0.74, 0.43), (0.52, 0.38, 0.2), (0.73, 0.45, 0.24), (1.12, 0.82, 0.49),
                   (0.55, 0.49, 0.24), (1.2, 0.94, 0.56), (0.9, 0.7, 0.43), (0.54, 0.41, 0.21), (0.57, 0.38, 0.2)]
COLLAPSED_SEED1 = [(0.18, 0.2, 0.12), (0.65, 0.63, 0.42), (1.05, 0.72, 0.47), (0.96, 0.77, 0.52), (0.95, 0.68, 0.42),
                   (1.15, 0.86, 0.57), (0.94, 0.81, 0.52), (0.97, 0.71, 0.48), (0.85, 0.66, 0.44), (0.91, 0.77, 0.47),
                   (0.98, 0.79, 0.5), (0.85, 0.64, 0.42), (1.03, 0.75, 0.56), (0.7, 0.52, 0.35), (0.63, 0.42, 0.27),
                   (1.02, 0.67, 0.45), (0.86, 0.65, 0.43), (0.7, 0.45, 0.27), (0.86, 0.63, 0.43), (0.92, 0.6, 0.45),
                   (0.84, 0.56, 0.38), (0.77, 0.52, 0.35), (0.94, 0.55, 0.37), (0.89, 0.55, 0.35), (0.73, 0.46, 0.3),
                   (0.65, 0.44, 0.32), (0.96, 0.58, 0.41), (0.82, 0.49, 0.33), (0.7, 0.33, 0.21), (1.05, 0.63, 0.46)]
HEALTHY = [(0.86, 0.64, 0.47), (1.02, 0.76, 0.57), (0.95, 0.75, 0.5), (1.04, 0.77, 0.52), (0.97, 0.81, 0.54),
           (0.91, 0.77, 0.5), (0.9, 0.74, 0.5), (0.97, 0.74, 0.49), (1.02, 0.88, 0.63), (1.0, 0.84, 0.62),
           (1.05, 0.89, 0.73), (1.04, 0.9, 0.77), (0.94, 0.86, 0.73), (1.02, 0.91, 0.74), (1.1, 0.97, 0.79),
           (1.04, 0.88, 0.73), (0.92, 0.85, 0.68), (1.03, 0.93, 0.69), (1.04, 0.92, 0.75), (1.02, 0.88, 0.73),
           (1.02, 0.9, 0.71), (1.08, 0.95, 0.78), (0.93, 0.82, 0.61), (1.02, 0.91, 0.68), (1.1, 0.98, 0.75),
           (1.11, 0.97, 0.77), (1.03, 0.95, 0.75), (1.05, 0.97, 0.78), (0.94, 0.91, 0.66), (1.06, 0.95, 0.74)]
RISING = [(0.1 * i, 0.08 * i, 0.06 * i) for i in range(1, 12)]  # a G learning variety: no collapse on the way up


@pytest.mark.parametrize("series, fires_at", [(COLLAPSED_SEED0, [2100, 2500]), (COLLAPSED_SEED1, [2300]),
                                              (HEALTHY, []), (RISING, [])])
def test_a_lasting_collapse_within_a_class_raises_mode_collapse(series, fires_at):
    """Each reading of a class's variety is noisy; its mean over the last intervals is not."""
    monitor = HealthMonitor(HealthConfig())
    fired = []
    for index, (diversity, neighbours, class_diversity) in enumerate(series):
        record = {"step": 100 * (index + 1), "d_real": 0.5, "d_fake": 0.5, "g_fake": 0.5, "g_grad_norm": 1.0,
                  "probe_diversity": diversity, "probe_neighbours": neighbours,
                  "probe_class_diversity": class_diversity, "probe_class_lowest": 3}
        fired += [(record["step"], alarm) for alarm in monitor.update(record)]
    assert [step for step, _ in fired] == fires_at
    assert all(alarm.name == "mode_collapse" and "least varied class" in alarm.detail for _, alarm in fired)


# probe_recall of each log interval of runs in BENCHMARKS.md ("The alarm for a G that reaches less of the
# data"). On Fashion-MNIST: the fast preset (every 100 steps to 3,000; judge recall 0.31 and 0.37), and
# 1,000 training images without augmentation (every 150 steps; judge recall 0.08 and 0.08: G dropped most
# kinds). On MNIST: the fast preset.
FAST_FASHION = ([0.01, 0.03, 0.27, 0.02, 0.29, 0.28, 0.51, 0.33, 0.83, 0.64, 0.55, 0.59, 0.62, 0.7, 0.68, 0.75, 0.75,
                 0.71, 0.61, 0.55, 0.62, 0.7, 0.64, 0.74, 0.78, 0.62, 0.66, 0.75, 0.65, 0.68],
                [0.01, 0.02, 0.17, 0.14, 0.31, 0.27, 0.58, 0.53, 0.45, 0.65, 0.57, 0.58, 0.65, 0.62, 0.39, 0.68, 0.69,
                 0.78, 0.82, 0.77, 0.73, 0.58, 0.73, 0.76, 0.67, 0.86, 0.83, 0.67, 0.64, 0.77])
FAST_MNIST = [0.0, 0.29, 0.34, 0.66, 0.68, 0.64, 0.76, 0.72, 0.71, 0.76, 0.32, 0.87, 0.79, 0.87, 0.91, 0.92, 0.82, 0.86,
              0.94, 0.86, 0.92, 0.89, 0.93, 0.78, 0.88, 0.97, 0.83, 0.84, 0.96, 0.89]  # seed 0, judge recall 0.69
FAST_FASHION_EMA = ([0.0, 0.0, 0.1, 0.13, 0.23, 0.23, 0.29, 0.42, 0.51, 0.63, 0.69, 0.71, 0.71, 0.68, 0.68, 0.78,
                     0.7, 0.73, 0.72, 0.75, 0.75, 0.72, 0.73, 0.72, 0.7, 0.69, 0.75, 0.73, 0.75, 0.75],
                    [0.01, 0.02, 0.11, 0.17, 0.18, 0.34, 0.5, 0.53, 0.58, 0.67, 0.63, 0.64, 0.68, 0.69, 0.7, 0.68,
                     0.68, 0.65, 0.67, 0.66, 0.67, 0.68, 0.72, 0.76, 0.78, 0.72, 0.68, 0.72, 0.7, 0.73])  # g_ema's
FEW_IMAGES_FASHION = ([0.18, 0.22, 0.78, 0.72, 0.66, 0.61, 0.83, 0.72, 0.72, 0.7, 0.47, 0.4, 0.29, 0.36, 0.26, 0.31, 0.35,
                       0.34, 0.28, 0.31],
                      [0.04, 0.08, 0.57, 0.78, 0.85, 0.54, 0.75, 0.72, 0.59, 0.67, 0.5, 0.52, 0.37, 0.42, 0.48, 0.36, 0.3,
                       0.35, 0.33, 0.28])


@pytest.mark.parametrize("series, every, fires_at", [(FAST_FASHION[0], 100, []), (FAST_FASHION[1], 100, []),
                                                     (FAST_MNIST, 100, []), (FAST_FASHION_EMA[0], 100, []),
                                                     (FAST_FASHION_EMA[1], 100, []),
                                                     (FEW_IMAGES_FASHION[0], 150, [2100]),
                                                     (FEW_IMAGES_FASHION[1], 150, [2100])])
@pytest.mark.parametrize("watched, steady", [("probe_recall", "ema_probe_recall"),
                                             ("ema_probe_recall", "probe_recall")])
def test_a_g_that_drops_kinds_of_images_raises_mode_dropping(series, every, fires_at, watched, steady):
    """A G still learning swings widely from one reading to the next (the fast preset on MNIST:
    0.76, 0.32, 0.87 at steps 1,000 to 1,200); one drifting away from most of its data falls and stays.
    The alarm watches G and g_ema alike, and names the one that fell."""
    monitor = HealthMonitor(HealthConfig())
    fired = []
    for index, recall in enumerate(series):
        record = {"step": every * (index + 1), "d_real": 0.5, "d_fake": 0.5, "g_fake": 0.5, "g_grad_norm": 1.0,
                  "probe_diversity": 0.8, "ema_probe_diversity": 0.7, watched: recall, steady: 0.9}
        fired += [(record["step"], alarm) for alarm in monitor.update(record)]
    assert [step for step, _ in fired] == fires_at
    names = {"probe_recall": ("of G ", 0.8), "ema_probe_recall": ("of g_ema", 0.7)}  # whose, their variety
    (who, variety), (other, _) = names[watched], names[steady]
    assert all(alarm.name == "mode_dropping" and who in alarm.detail and other not in alarm.detail
               and f"variety among themselves is {variety:.2f}" in alarm.detail for _, alarm in fired)


# ACGAN (configs/acgan_mnist.toml) on Fashion-MNIST, seed 1, steps 4,100 to 5,000: G's probe_recall and
# g_ema's, whose images at step 5,000 the judge gives a recall of 0.014 (BENCHMARKS.md, "ACGAN at its 5,000 steps")
ACGAN_FASHION = ([0.76, 0.48, 0.67, 0.03, 0.53, 0.07, 0.33, 0.44, 0.0, 0.26],
                 [0.73, 0.52, 0.81, 0.55, 0.48, 0.59, 0.3, 0.43, 0.1, 0.0])


@pytest.mark.parametrize("keys, fires_at, who", [(("probe_recall", "ema_probe_recall"), 4500, "of G "),
                                                 (("ema_probe_recall",), 4800, "of g_ema")])
def test_mode_dropping_sees_acgans_late_fall_in_g_before_g_ema(keys, fires_at, who):
    """G's readings swing from 0.03 to 0.67 as it falls, g_ema's follow three intervals later: the
    alarm fires once, for G, at step 4,500; read from g_ema alone, at 4,800."""
    monitor = HealthMonitor(HealthConfig())
    fired = []
    for index, readings in enumerate(zip(*ACGAN_FASHION)):
        record = {"step": 4100 + 100 * index, "d_real": 0.7, "d_fake": 0.3, "g_fake": 0.3, "g_grad_norm": 1.0,
                  **{key: value for key, value in zip(("probe_recall", "ema_probe_recall"), readings) if key in keys}}
        fired += monitor.update(record)
    assert [(a.name, a.step) for a in fired] == [("mode_dropping", fires_at)] and who in fired[0].detail


HINGE_SN_FASHION = [0.0, 0.01, 0.11, 0.19, 0.32, 0.17, 0.3, 0.36, 0.29, 0.33, 0.3, 0.3, 0.16, 0.22, 0.25, 0.17, 0.26,
                    0.13, 0.26, 0.17, 0.19]  # hinge + SN, Adam 2e-4 (0.5, 0.999), Fashion-MNIST, seed 1: alike throughout


@pytest.mark.parametrize("varieties, verdict", [
    ([0.02, 0.1, 0.21], "rising"),  # the first 300 steps of the seed preset
    ([0.01 * i for i in range(1, 21)], "rising"),  # slow, but its highest reading is its last
    (HINGE_SN_FASHION, "stuck"),
    ([0.1, 0.3, 0.2, 0.15, 0.2, 0.1, 0.2, 0.1], "stuck"),  # the four readings of the second half stay below 0.3
    ([0.02, 0.6, 0.97], None),  # trained
    ([0.02, 0.9, 0.1], None),  # spread out, then collapsed: mode_collapse's case
    ([], None)])  # no probe (real images without variety)
def test_a_run_whose_g_never_spread_out_ends_with_a_note(varieties, verdict):
    stats = [{"step": 100 * (i + 1), "probe_diversity": v} for i, v in enumerate(varieties)]
    stats.append({"step": 100 * (len(varieties) + 1), "d_loss": 0.7})  # a record without the probe reading
    found = low_variety(stats, HealthConfig().early_floor)
    assert (found and ("rising" if found[1] else "stuck")) == verdict
    if verdict:
        assert f"variety {varieties[-1]:.2f} of the data's at step {100 * len(varieties):,}" in found[0]
        assert ("more steps should help" in found[0]) == (verdict == "rising")


def test_the_variety_note_reads_the_generator_samples_come_from():
    """With g_ema on, the note follows g_ema's variety: G's alone neither raises nor silences it."""
    def note(g, g_ema):
        stats = [{"step": 100 * (i + 1), "probe_diversity": a, "ema_probe_diversity": b} for i, (a, b) in
                 enumerate(zip(g, g_ema))]
        return low_variety(stats, HealthConfig().early_floor)

    assert note(HINGE_SN_FASHION, [0.9] * len(HINGE_SN_FASHION)) is None
    found = note([0.9] * len(HINGE_SN_FASHION), HINGE_SN_FASHION)
    assert found[0].startswith("g_ema's images have stayed") and not found[1]


# probe_diversity every 100 steps of hinge + SN with two time-scale Adam on Fashion-MNIST (seed 0,
# 2,100 steps, rounded): varied from step 800, with one-interval collapses at 1,400, 1,900 and 2,100.
RELAPSING = [0.0, 0.06, 0.18, 0.24, 0.23, 0.2, 0.21, 0.58, 0.65, 0.68, 0.78, 0.77, 0.9, 0.03, 0.89, 0.59, 0.96, 0.71,
             0.3, 0.78, 0.08]


def alarms_over(varieties: list[float], **more) -> list:
    """The alarms a monitor raises over one record per 100 steps with these probe varieties (and
    `more` in every record), D and G otherwise calm."""
    monitor = HealthMonitor(HealthConfig())
    return [alarm for index, diversity in enumerate(varieties)
            for alarm in monitor.update({"step": 100 * (index + 1), "d_real": 0.5, "d_fake": 0.5, "g_fake": 0.5,
                                         "g_grad_norm": 1.0, "probe_diversity": diversity, **more})]


@pytest.mark.parametrize("varieties, fires_at, detail", [
    (RELAPSING, [2100], "probe diversity fell below 40% of its peak 0.96 3 separate times"),
    (RELAPSING[:18] + [0.71, 0.78, 0.8], [], None),  # one short dip only (at 1,400): not yet a pattern
    ([0.9, 0.2, *[0.9] * 9, 0.2, 0.9, 0.9, 0.9], [], None),  # two dips 10 intervals apart
    ([0.9, 0.2, 0.9, 0.2, 0.9, 0.9, 0.9], [600], "probe diversity fell below"),  # held `patience` intervals
    ([0.9, 0.2, 0.1, 0.1, 0.9], [400], "probe diversity 0.10 of the data's"),  # one lasting collapse, as before
    ([h[0] for h in HEALTHY], [], None)])
def test_repeated_short_collapses_raise_mode_collapse(varieties, fires_at, detail):
    """A collapse too short for `patience`, that comes back within `window` intervals, is a collapse."""
    fired = alarms_over(varieties)
    assert [alarm.step for alarm in fired] == fires_at
    assert all(alarm.name == "mode_collapse" and alarm.detail.startswith(detail) for alarm in fired)


def test_a_collapse_alarm_names_g_emas_variety_where_there_is_one():
    """G's collapse is the alarm; g_ema's variety, which samples come from, is in its detail."""
    fired = alarms_over(RELAPSING, ema_probe_diversity=0.85)
    assert [alarm.step for alarm in fired] == [2100]
    assert fired[0].detail.endswith("g_ema, which samples are drawn from, at 0.85 of the data's variety")
