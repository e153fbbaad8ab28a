import math

import pytest
import torch

from gankit.optim import OptimConfig, build_optimizer, scale_learning_rates


def test_rmsprop_matches_keras_legacy_update_with_decay():
    """Keras 2 RMSprop (momentum 0): rms = rho*rms + (1-rho)*g^2;
    w -= lr / (1 + decay*t) * g / (sqrt(rms) + eps), t = updates applied before this one."""
    cfg = OptimConfig(lr=0.1, decay=0.5, rho=0.9, eps=1e-7)  # a large decay makes it visible
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    optimizer, schedule = build_optimizer([w], cfg)
    expected, rms = [1.0, -2.0], [0.0, 0.0]
    for t in range(5):
        loss = (w ** 2).sum() * 0.5  # gradient = w
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        lr = cfg.lr / (1 + cfg.decay * t)
        for i, value in enumerate(expected):
            rms[i] = cfg.rho * rms[i] + (1 - cfg.rho) * value ** 2
            expected[i] = value - lr * value / (math.sqrt(rms[i]) + cfg.eps)
        torch.testing.assert_close(w.detach(), torch.tensor(expected), rtol=1e-5, atol=1e-6)


def test_adam_is_offered():
    w = torch.zeros(2, requires_grad=True)
    optimizer, _ = build_optimizer([w], OptimConfig(name="adam", lr=1e-3, beta1=0.5, beta2=0.99, eps=1e-8))
    assert isinstance(optimizer, torch.optim.Adam)
    assert optimizer.param_groups[0]["betas"] == (0.5, 0.99)


def test_scale_learning_rates_keeps_the_decay_reached():
    params = [torch.nn.Parameter(torch.zeros(2))]
    optimizer, schedule = build_optimizer(params, OptimConfig(lr=1e-3, decay=0.5))
    for _ in range(4):
        optimizer.step()
        schedule.step()
    scale_learning_rates(optimizer, schedule, base_lr=1e-3, scale=0.25)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.25 / (1 + 0.5 * 4), rel=1e-12)
    schedule.step()  # the decay goes on from the scaled base
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.25 / (1 + 0.5 * 5), rel=1e-12)
