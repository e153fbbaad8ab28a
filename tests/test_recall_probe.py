"""probe_recall sees a G that draws only some kinds of the data, and a training run that drops
kinds raises mode_dropping where the same run left alone does not."""

import json

import torch

from gankit.config import load_config
from gankit.models import conditional
from gankit.recall_probe import MIN_RECALL_PROBE, RECALL_PROBE, make_recall_probe, probe_recall
from gankit.session import open_session
from gankit.trainer import train

KINDS = 4


def kinds_of_images(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n uint8 (1, 8, 8) images, each one of KINDS far-apart patterns plus its own noise, and their kinds (n,)."""
    rng = torch.Generator().manual_seed(seed)
    patterns = torch.rand(KINDS, 1, 8, 8, generator=torch.Generator().manual_seed(99)) * 200
    kinds = torch.arange(n) % KINDS
    noise = torch.rand(n, 1, 8, 8, generator=rng) * 55
    return (patterns[kinds] + noise).to(torch.uint8), kinds


class Drawing(torch.nn.Module):
    """A stand-in G: for latent row i, image i of `images` (already in G's range)."""

    def __init__(self, images: torch.Tensor):
        super().__init__()
        self.images = images

    def forward(self, z: torch.Tensor, labels=None) -> torch.Tensor:
        return self.images[: len(z)]


def test_probe_recall_is_one_for_the_data_and_falls_with_each_kind_dropped():
    data, _ = kinds_of_images(2000, seed=0)
    probe = make_recall_probe(data, torch.zeros(RECALL_PROBE, 2), torch.Generator().manual_seed(1), output_range=(-1, 1))
    assert probe.reals.shape == (2, RECALL_PROBE, 1, 8, 8) and 0.8 < probe.real_recall <= 1
    fresh, kinds = kinds_of_images(4 * RECALL_PROBE, seed=2)
    in_range = fresh.float() / 255 * 2 - 1
    recalls = []
    for kept in range(KINDS, 0, -1):  # G draws images of `kept` kinds, each as varied as the data's
        recalls.append(probe_recall(Drawing(in_range[kinds < kept]), probe))
    assert abs(recalls[0] - 1) < 0.1
    for kept, recall in zip(range(KINDS, 0, -1), recalls):
        assert abs(recall - kept / KINDS) < 0.1, recalls
    assert torch.isnan(torch.tensor(probe_recall(Drawing(in_range * torch.inf), probe)))  # a diverged G


def test_no_probe_without_enough_varied_images():
    data, _ = kinds_of_images(2 * MIN_RECALL_PROBE, seed=0)
    z, rng = torch.zeros(RECALL_PROBE, 2), torch.Generator()
    assert make_recall_probe(data, z, rng, output_range=(0, 1)).reals.shape[1] == MIN_RECALL_PROBE
    assert make_recall_probe(data[:-1], z, rng, output_range=(0, 1)) is None
    assert make_recall_probe(data[:1].expand(500, -1, -1, -1), z, rng, output_range=(0, 1)) is None  # copies


def test_a_generator_that_drops_classes_raises_mode_dropping(tmp_path, make_tiny_mnist, monkeypatch):
    """A tiny ACGAN reaches every class of its data by step 70; from step 85 on, every image it
    draws without being told the class (the probes, like a user's unlabelled samples) is of class 0:
    its images stay varied, most of the data is out of reach. The alarm fires, and in the same run
    left alone it does not."""
    data = make_tiny_mnist(tmp_path / "classes", n_train=512, classes_differ=True)
    in_turn = conditional.classes_in_turn
    for drop in (True, False):
        cfg = load_config(None, [
            f"data.dir={data}", f"train.runs_dir={tmp_path / str(drop)}", "train.batch_size=16", "model.width=0.25",
            "train.threads=1", "train.log_every=5", "train.sample_every=1000", "train.checkpoint_every=1000",
            "model.name=acgan", "train.steps=110", "d_opt.lr=2e-3", "g_opt.lr=2e-3", "ema.half_life_images=0",
            "d_opt.name=adam", "g_opt.name=adam", "d_opt.eps=1e-8", "g_opt.eps=1e-8", "train.fakes_g_mode=train"])
        session = open_session(cfg, config_name="dropping")
        monkeypatch.setattr(conditional, "classes_in_turn", lambda n, k, device=None, session=session: (
            torch.zeros(n, dtype=torch.long, device=device) if drop and session.step >= 85 else in_turn(n, k, device=device)))
        lines = []
        train(session, log=lines.append)
        recall = [json.loads(line)["probe_recall"] for line in (session.run_dir / "stats.jsonl").read_text().splitlines()]
        dropping = [line for line in lines if line.startswith("ALARM mode_dropping")]
        assert max(recall[:17]) >= 0.75, recall  # every class reached by step 85: the alarm is armed
        if drop:
            assert max(recall[17:]) < 0.5, recall
            assert len(dropping) == 1 and "Try:" in dropping[0], lines
            assert 90 <= int(dropping[0].split("at step ")[1].split(":")[0]) <= 110
        else:
            assert dropping == [], (recall, dropping)
