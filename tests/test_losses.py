import math

import pytest
import torch

from gankit.losses import LOSSES, d_logistic_loss, g_minimax_loss, g_nonsaturating_loss


def test_d_loss_by_hand():
    # D(x) = sigmoid(2) and sigmoid(0); D(G(z)) = sigmoid(-1) and sigmoid(3)
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 3.0])
    s = lambda v: 1 / (1 + math.exp(-v))
    expected = -(math.log(s(2)) + math.log(s(0)) + math.log(1 - s(-1)) + math.log(1 - s(3))) / 4
    assert d_logistic_loss(real, fake).item() == pytest.approx(expected, rel=1e-6)


def test_g_losses_by_hand():
    fake = torch.tensor([-2.0, 0.5])
    s = lambda v: 1 / (1 + math.exp(-v))
    assert g_nonsaturating_loss(fake).item() == pytest.approx(-(math.log(s(-2)) + math.log(s(0.5))) / 2, rel=1e-6)
    assert g_minimax_loss(fake).item() == pytest.approx((math.log(1 - s(-2)) + math.log(1 - s(0.5))) / 2, rel=1e-6)


def test_losses_stay_finite_for_confident_d():
    logits = torch.tensor([-200.0, 200.0])
    for d_loss, g_loss in LOSSES.values():
        assert torch.isfinite(d_loss(logits, logits)) and torch.isfinite(g_loss(logits))


def test_minimax_saturates_where_nonsaturating_does_not():
    """When D confidently rejects the fakes, log(1 - D(G(z))) has almost no gradient."""
    fake = torch.tensor([-8.0], requires_grad=True)
    (saturating,) = torch.autograd.grad(g_minimax_loss(fake), fake)
    fake = torch.tensor([-8.0], requires_grad=True)
    (non_saturating,) = torch.autograd.grad(g_nonsaturating_loss(fake), fake)
    assert abs(saturating.item()) < 1e-3 < abs(non_saturating.item())
