"""g_ema: the update maths, the half-life with ramp-up, buffers, and use in eval mode."""

import pytest
import torch
from torch import nn

from gankit.ema import ema_beta, make_g_ema, update_g_ema_
from gankit.models import ModelConfig, build_models


def _tiny_generator():
    torch.manual_seed(0)
    generator, _ = build_models(ModelConfig(width=0.125, z_dim=8), (1, 28, 28))
    return generator


def test_update_by_hand():
    generator = nn.Linear(1, 1)
    g_ema = make_g_ema(generator)
    with torch.no_grad():
        g_ema.weight.fill_(1.0)
        g_ema.bias.fill_(-2.0)
        generator.weight.fill_(3.0)
        generator.bias.fill_(2.0)
    update_g_ema_(g_ema, generator, beta=0.25)  # 0.25 * ema + 0.75 * g
    assert g_ema.weight.item() == pytest.approx(0.25 * 1 + 0.75 * 3)
    assert g_ema.bias.item() == pytest.approx(0.25 * -2 + 0.75 * 2)
    assert generator.weight.item() == 3.0  # G itself is untouched


def test_beta_from_half_life_and_ramp():
    assert ema_beta(batch_size=100, images_seen=10**6, half_life_images=1000, ramp=0) == pytest.approx(0.5**0.1)
    # ramp 0.05 after 4,000 images: the half-life is min(1000, 200) = 200 images
    assert ema_beta(batch_size=100, images_seen=4000, half_life_images=1000, ramp=0.05) == pytest.approx(0.5**0.5)
    assert ema_beta(batch_size=100, images_seen=10**6, half_life_images=1000, ramp=0.05) == pytest.approx(0.5**0.1)
    assert ema_beta(batch_size=64, images_seen=0, half_life_images=1000, ramp=0.05) == 0.0  # copy G at first
    with pytest.raises(ValueError):
        ema_beta(batch_size=64, images_seen=0, half_life_images=0, ramp=0.05)


def test_weights_count_half_after_one_half_life():
    generator = nn.Linear(1, 1, bias=False)
    g_ema = make_g_ema(generator)
    with torch.no_grad():
        g_ema.weight.fill_(0.0)
        generator.weight.fill_(1.0)
    batch, half_life = 50, 1000
    for _ in range(half_life // batch):
        update_g_ema_(g_ema, generator, ema_beta(batch_size=batch, images_seen=10**9,
                                                 half_life_images=half_life, ramp=0))
    assert g_ema.weight.item() == pytest.approx(0.5, rel=1e-5)


def test_buffers_are_copied_and_g_ema_stays_in_eval_mode():
    generator = _tiny_generator()
    g_ema = make_g_ema(generator)
    assert not g_ema.training and not any(p.requires_grad for p in g_ema.parameters())
    generator.train()
    for _ in range(3):
        generator(torch.randn(16, 8))  # BatchNorm moving statistics move
    update_g_ema_(g_ema, generator, beta=0.9)
    ema_buffers, buffers = list(g_ema.named_buffers()), list(generator.named_buffers())
    assert len(buffers) == 12  # 4 BatchNorms x (running mean, running var, batches seen): something to compare
    for (name, b_ema), (name_g, b) in zip(ema_buffers, buffers, strict=True):
        assert name == name_g and torch.equal(b_ema, b), name
    assert not g_ema.training


def test_beta_zero_makes_g_ema_draw_what_g_draws_in_eval_mode():
    generator = _tiny_generator()
    g_ema = make_g_ema(generator)
    generator.train()
    optimizer = torch.optim.SGD(generator.parameters(), lr=0.1)
    generator(torch.randn(16, 8)).mean().backward()
    optimizer.step()
    update_g_ema_(g_ema, generator, beta=0.0)
    z = torch.randn(5, 8)
    with torch.no_grad():
        torch.testing.assert_close(g_ema(z), generator.eval()(z))
    assert g_ema(z).requires_grad is False


def test_mismatched_modules_are_refused():
    with pytest.raises(ValueError):
        update_g_ema_(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)), beta=0.5)
