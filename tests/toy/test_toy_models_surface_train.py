"""The toy MLPs, the decision-surface picture, and the toy training loop."""

import numpy as np
import pytest
import torch
from torch import nn

from gankit.images import save_png
from gankit.toy import (
    MLPDiscriminator,
    MLPGenerator,
    ToyConfig,
    ToyModelConfig,
    decision_surface,
    ring,
    toy_samples,
    train_toy,
)
from gankit.toy.models import Maxout
from gankit.toy.surface import BOUNDARY_COLOUR, MODE_COLOUR, critic_verdict


def test_shapes():
    cfg = ToyModelConfig(z_dim=3, hidden=16, layers=2, pieces=4)
    assert MLPGenerator(cfg)(torch.randn(7, 3)).shape == (7, 2)
    logits, class_logits = MLPDiscriminator(cfg)(torch.randn(7, 2), None)
    assert logits.shape == (7,) and class_logits is None


def test_maxout_takes_the_largest_piece():
    unit = Maxout(1, 1, pieces=3)
    with torch.no_grad():
        unit.linear.weight.copy_(torch.tensor([[1.0], [-1.0], [0.0]]))
        unit.linear.bias.copy_(torch.tensor([0.0, 0.0, 0.5]))
    x = torch.tensor([[-2.0], [0.2], [3.0]])
    torch.testing.assert_close(unit(x), torch.tensor([[2.0], [0.5], [3.0]]))  # max(x, -x, 0.5)


class RightIsReal(nn.Module):
    """logit = 10 x: D says "real" right of the y axis and "fake" left of it (labels ignored, as every D)."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(10.0))

    def forward(self, x, labels=None):
        return self.scale * x[:, 0], None


def test_decision_surface_picture(tmp_path):
    fake = torch.tensor([[-1.5, 1.5]])  # top left quadrant
    image = decision_surface(RightIsReal(), fake, mixture=ring(), extent=3.0, size=120)
    assert image.shape == (120, 120, 3) and image.dtype == np.uint8
    left, right = image[60, 5].astype(int), image[60, 114].astype(int)
    assert left[0] > left[2] + 100 and right[2] > right[0] + 100  # red for fake, blue for real
    assert (image[:, 59] == BOUNDARY_COLOUR).all(axis=1).sum() > 100  # the x = 0 line
    assert tuple(image[30, 29]) == (0, 0, 0)  # the sample at (-1.5, 1.5) is drawn at column 30, row 30
    assert (image == MODE_COLOUR).all(axis=2).sum() > 8 * 10  # a ring around each of the 8 modes
    save_png(tmp_path / "surface.png", image)
    assert (tmp_path / "surface.png").stat().st_size > 0


def test_critic_verdict_is_centred_and_bounded():
    verdict = critic_verdict(torch.tensor([-100.0, 1.0, 2.0, 3.0, 100.0]))
    assert verdict[2].item() == 0 and verdict.min() >= -1 and verdict.max() <= 1
    assert verdict[3].item() > 0 > verdict[1].item()


TINY = dict(steps=150, batch_size=64, log_every=50, model=ToyModelConfig(hidden=24, pieces=2))


def test_training_is_repeatable_and_pulls_samples_to_the_ring():
    first, second = train_toy(ToyConfig(**TINY)), train_toy(ToyConfig(**TINY))
    for a, b in zip(first.generator.parameters(), second.generator.parameters(), strict=True):
        assert torch.equal(a, b)
    assert [h["step"] for h in first.history] == [50, 100, 150]
    untrained = MLPGenerator(TINY["model"])
    radial_error = lambda g: (toy_samples(g).norm(dim=1) - 2).abs().mean().item()
    assert radial_error(first.generator) < 0.75 * radial_error(untrained)


@pytest.mark.parametrize("loss, penalty", [("wasserstein", "wgan_gp"), ("hinge", "r1"), ("least_squares", "none")])
def test_every_loss_and_penalty_trains(loss, penalty):
    run = train_toy(ToyConfig(loss=loss, penalty=penalty, penalty_weight=0.1, **{**TINY, "steps": 20}))
    assert all(np.isfinite([h["d_loss"], h["g_loss"]]).all() for h in run.history)


def test_command_line_reports_and_draws(tmp_path, capsys):
    import json

    from gankit.toy.__main__ import main

    out = tmp_path / "ring.png"
    report = main(["--steps=3", "--batch_size=16", "--hidden=8", "--loss=hinge", f"--out={out}"])
    printed = json.loads(capsys.readouterr().out)
    assert printed == report and report["modes"] == 8 and report["samples"] == 2500
    assert report["hidden"] == 8 and 0 <= report["modes_covered"] <= 8
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
