"""ADA's p: up when D is too sure of the reals, down when it is not, clamped; logged, kept in the
checkpoint, and a resumed run continues bit-exactly."""

import torch

from gankit.augment import AdaptiveAugment
from gankit.checkpoint import load_checkpoint
from gankit.config import load_config
from gankit.runs import latest_checkpoint
from gankit.session import open_session
from gankit.stats import read_stats
from gankit.trainer import train


def controller(p=0.5, step=0.1, interval=2, target=0.6):
    return AdaptiveAugment(["color"], generator=torch.Generator().manual_seed(0), output_range=(0.0, 1.0),
                           target=target, step=step, interval=interval, p=p)


def test_p_rises_when_d_is_sure_of_the_reals_and_falls_when_it_is_not():
    sure, unsure = torch.full((8,), 3.0), torch.tensor([1.0, -1.0] * 4)  # r_t = 1, r_t = 0
    ada = controller()
    ada.observe(sure)
    assert ada.p.item() == 0.5  # adjusted every `interval` D steps only
    ada.observe(sure)
    torch.testing.assert_close(ada.p, torch.tensor(0.6))
    for _ in range(2):
        ada.observe(unsure)
    torch.testing.assert_close(ada.p, torch.tensor(0.5))
    for _ in range(40):
        ada.observe(sure)
    assert ada.p.item() == 1.0  # clamped
    for _ in range(40):
        ada.observe(-sure)
    assert ada.p.item() == 0.0


def test_p_is_the_share_of_images_each_transform_touches():
    for p in (0.0, 0.3, 1.0):
        ada = controller(p=p)
        x = torch.full((2000, 1, 4, 4), 0.5)
        touched = (ada(x) != x).flatten(1).any(1).float().mean().item()
        assert abs(touched - p) < 0.05, (p, touched)


def run(data, runs_dir, steps, *extra):
    cfg = load_config(None, [f"data.dir={data}", f"train.runs_dir={runs_dir}", f"train.steps={steps}",
                             "train.batch_size=8", "model.width=0.25", "train.threads=1", "train.log_every=2",
                             "train.checkpoint_every=2", "train.sample_every=1000", "augment.policy=ada",
                             "augment.ada_speed_images=400", "augment.ada_interval=1", *extra])
    session = open_session(cfg, config_name="ada")
    train(session, log=lambda line: None)
    return session


def test_p_moves_up_when_d_overfits_a_tiny_set_and_down_when_it_cannot(tiny_mnist, tmp_path):
    overfits = run(tiny_mnist, tmp_path / "tiny", 12, "data.limit=8", "d_opt.lr=1e-3")
    assert overfits.augment.p.item() > 0.05  # 8 images: D soon calls every (augmented) real real
    cannot = run(tiny_mnist, tmp_path / "frozen", 12, "data.limit=8", "augment.ada_p=0.5", "d_opt.lr=1e-12",
                 "augment.ada_target=0.99")  # control: a D that learns nothing never reaches the target
    assert cannot.augment.p.item() < 0.5
    p_logged = [r["augment_p"] for r in read_stats(overfits.run_dir / "stats.jsonl")]
    assert len(p_logged) == 6 and p_logged[-1] > p_logged[0]


def test_resume_with_ada_is_bit_exact(tiny_mnist, tmp_path):
    straight = run(tiny_mnist, tmp_path / "straight", 6, "data.limit=16", "augment.ada_p=0.3")
    half = run(tiny_mnist, tmp_path / "resumed", 4, "data.limit=16", "augment.ada_p=0.3")
    resumed = open_session(None, resume=half.run_dir, overrides=["train.steps=6"])
    assert resumed.augment.p.item() == half.augment.p.item()
    train(resumed, log=lambda line: None)
    assert 0.0 < straight.augment.p.item() != 0.3 and torch.equal(straight.augment.p, resumed.augment.p)
    for net in ("generator", "discriminator"):
        for name, value in getattr(straight.gan, net).state_dict().items():
            assert torch.equal(value, getattr(resumed.gan, net).state_dict()[name]), (net, name)
    state = load_checkpoint(latest_checkpoint(resumed.run_dir))
    assert torch.equal(state["augment"]["p"], resumed.augment.p)
