"""WGAN-GP, R1 and weight clipping against cases computed by hand, and the classic bugs."""

import math

import pytest
import torch
from torch import nn

from gankit.penalties import (
    PENALTIES,
    clip_weights_,
    d_gradient_penalty,
    d_r1_penalty,
    interpolate,
    interpolation_weights,
    score_gradient_norms,
    uniform_from,
)


class HalfSquaredNorm(nn.Module):
    """D(x) = 1/2 ||x||^2 per sample, so grad_x D(x) = x: the gradient norm is the point's norm."""

    def forward(self, x):
        return 0.5 * (x**2).flatten(1).sum(1)


class Linear(nn.Module):
    """D(x) = <w, x> per sample: the gradient is w everywhere; records the points it sees."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(w)
        self.seen = []

    def forward(self, x):
        self.seen.append(x.detach().clone())
        return (x * self.w).flatten(1).sum(1)


# Two samples of shape (C, H, W) = (2, 1, 2), so a norm over one axis differs from the true one.
REAL = torch.tensor([[[[1.0, 2.0]], [[2.0, 0.0]]],
                     [[[0.0, 0.0]], [[4.0, 4.0]]]])
FAKE = torch.tensor([[[[0.0, 0.0]], [[0.0, 0.0]]],
                     [[[0.0, 0.0]], [[0.0, 4.0]]]])
EPS = torch.tensor([0.5, 0.75])


def test_gradient_penalty_by_hand():
    # x_hat_0 = 0.5 * real_0 + 0.5 * fake_0 = [[0.5, 1]], [[1, 0]]   ->  norm sqrt(2.25) = 1.5
    # x_hat_1 = 0.75 * real_1 + 0.25 * fake_1 = [[0, 0]], [[3, 4]]   ->  norm 5
    # gp = ((1.5 - 1)^2 + (5 - 1)^2) / 2 = (0.25 + 16) / 2
    gp = d_gradient_penalty(HalfSquaredNorm(), REAL, FAKE, EPS)
    assert gp.item() == pytest.approx(8.125, rel=1e-6)


def test_gradient_norm_is_over_all_dimensions_of_a_sample():
    """The classic bug `grad.norm(2, dim=1)` gives per-pixel channel norms; ours is one per sample."""
    points = interpolate(REAL, FAKE, EPS)
    norms = score_gradient_norms(HalfSquaredNorm(), points)
    torch.testing.assert_close(norms, torch.tensor([1.5, 5.0]))
    channel_norms = points.norm(2, dim=1)  # what the bug computes: shape (N, H, W)
    wrong = ((channel_norms - 1) ** 2).mean().item()
    assert wrong != pytest.approx(8.125, rel=1e-3)


def test_interpolation_is_per_sample_on_the_segment():
    torch.manual_seed(0)
    real, fake = torch.randn(6, 3, 4, 4, dtype=torch.float64), torch.randn(6, 3, 4, 4, dtype=torch.float64)
    critic = Linear(torch.randn(3, 4, 4, dtype=torch.float64))
    PENALTIES["wgan_gp"](critic, real, fake, uniform_from(torch.Generator().manual_seed(1)))
    (points,) = critic.seen
    ratio = (points - fake) / (real - fake)  # eps_i wherever real and fake differ
    per_sample = ratio.flatten(1)
    torch.testing.assert_close(per_sample, per_sample[:, :1].expand_as(per_sample))
    assert (per_sample[:, 0] >= 0).all() and (per_sample[:, 0] <= 1).all()
    assert per_sample[:, 0].unique().numel() == 6  # a fresh weight for each sample


def test_interpolation_weights_are_uniform_on_0_1():
    """The other classic bug draws eps from N(0, 1): negative weights, points off the segment."""
    eps = interpolation_weights(200_000, generator=torch.Generator().manual_seed(0))
    assert eps.shape == (200_000,) and eps.min() >= 0 and eps.max() < 1
    assert eps.mean().item() == pytest.approx(0.5, abs=0.005)
    assert eps.var().item() == pytest.approx(1 / 12, abs=0.002)
    counts = torch.histc(eps, bins=10, min=0, max=1)
    assert (counts / len(eps) - 0.1).abs().max() < 0.005


def test_interpolate_rejects_per_pixel_weights():
    with pytest.raises(ValueError, match="one weight per sample"):
        interpolate(REAL, FAKE, torch.rand(REAL.shape))


def test_penalty_trains_d_through_a_double_backward():
    # gp = (||w|| - 1)^2 for a linear D; d gp / dw = 2 (||w|| - 1) w / ||w||
    w = torch.tensor([[[[3.0, 0.0]], [[0.0, 4.0]]]]).squeeze(0)
    critic = Linear(w.clone())
    gp = d_gradient_penalty(critic, REAL, FAKE, EPS)
    assert gp.item() == pytest.approx(16.0)
    gp.backward()
    torch.testing.assert_close(critic.w.grad, 2 * (5 - 1) * w / 5)


def test_penalty_does_not_reach_g():
    fake = FAKE.clone().requires_grad_(True)
    d_gradient_penalty(HalfSquaredNorm(), REAL, fake, EPS).backward()
    assert fake.grad is None


def test_r1_by_hand():
    # grad of 1/2 ||x||^2 is x: r1 = (||real_0||^2 + ||real_1||^2) / 2 = (1 + 4 + 4 + 32) / 2
    assert d_r1_penalty(HalfSquaredNorm(), REAL).item() == pytest.approx(20.5)
    critic = Linear(torch.full((2, 1, 2), 0.5))
    assert d_r1_penalty(critic, REAL).item() == pytest.approx(4 * 0.25)  # ||w||^2 for every sample


def test_penalty_table():
    rng = uniform_from(torch.Generator().manual_seed(0))
    d = HalfSquaredNorm()
    assert PENALTIES["none"](d, REAL, FAKE, rng).item() == 0.0
    assert PENALTIES["r1"](d, REAL, FAKE, rng).item() == pytest.approx(20.5)
    gp = PENALTIES["wgan_gp"](d, REAL, FAKE, rng)
    assert gp.ndim == 0 and math.isfinite(gp.item())


def test_clip_weights():
    layer = nn.Linear(3, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.5, -0.005, 0.02], [-0.3, 0.0, 0.009]]))
        layer.bias.copy_(torch.tensor([-0.02, 0.001]))
    clip_weights_(layer, 0.01)
    torch.testing.assert_close(layer.weight, torch.tensor([[0.01, -0.005, 0.01], [-0.01, 0.0, 0.009]]))
    torch.testing.assert_close(layer.bias, torch.tensor([-0.01, 0.001]))
    with pytest.raises(ValueError):
        clip_weights_(layer, 0.0)
