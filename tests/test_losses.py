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
    for loss in LOSSES.values():
        d_loss, g_loss = loss.d_loss, loss.g_loss
        assert torch.isfinite(d_loss(logits, logits)) and torch.isfinite(g_loss(logits))


def test_minimax_saturates_where_nonsaturating_does_not():
    """When D confidently rejects the fakes, log(1 - D(G(z))) has almost no gradient."""
    fake = torch.tensor([-8.0], requires_grad=True)
    (saturating,) = torch.autograd.grad(g_minimax_loss(fake), fake)
    fake = torch.tensor([-8.0], requires_grad=True)
    (non_saturating,) = torch.autograd.grad(g_nonsaturating_loss(fake), fake)
    assert abs(saturating.item()) < 1e-3 < abs(non_saturating.item())


def test_least_squares_by_hand():
    # Mao et al. 2017, 0-1 coding: D pulls real scores to 1 and fake ones to 0; G pulls fakes to 1.
    real, fake = torch.tensor([1.5, 0.0]), torch.tensor([-1.0, 2.0])
    d_loss, g_loss = LOSSES["least_squares"].d_loss, LOSSES["least_squares"].g_loss
    expected_d = 0.5 * ((0.5**2 + 1.0**2) / 2) + 0.5 * ((1.0 + 4.0) / 2)
    assert d_loss(real, fake).item() == pytest.approx(expected_d, rel=1e-6)
    assert g_loss(fake).item() == pytest.approx(0.5 * ((2.0**2 + 1.0**2) / 2), rel=1e-6)
    assert d_loss(torch.ones(3), torch.zeros(3)).item() == 0.0  # D's optimum under the coding


def test_hinge_by_hand():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-3.0, 0.0, 1.0])
    d_loss, g_loss = LOSSES["hinge"].d_loss, LOSSES["hinge"].g_loss
    # relu(1 - real) = 0, 0.5, 2; relu(1 + fake) = 0, 1, 2
    assert d_loss(real, fake).item() == pytest.approx(2.5 / 3 + 3 / 3, rel=1e-6)
    assert g_loss(fake).item() == pytest.approx(2 / 3, rel=1e-6)


def test_hinge_ignores_samples_beyond_the_margin():
    real = torch.tensor([1.0, 3.0, 0.2], requires_grad=True)
    fake = torch.tensor([-5.0, -1.0, 0.5], requires_grad=True)
    LOSSES["hinge"].d_loss(real, fake).backward()
    torch.testing.assert_close(real.grad, torch.tensor([0.0, 0.0, -1 / 3]))
    torch.testing.assert_close(fake.grad, torch.tensor([0.0, 0.0, 1 / 3]))


def test_wasserstein_by_hand():
    real, fake = torch.tensor([3.0, 1.0]), torch.tensor([-1.0, 0.0])
    d_loss, g_loss = LOSSES["wasserstein"].d_loss, LOSSES["wasserstein"].g_loss
    assert d_loss(real, fake).item() == pytest.approx(-0.5 - 2.0)  # E[D(G(z))] - E[D(x)]
    assert g_loss(fake).item() == pytest.approx(0.5)


@pytest.mark.parametrize("name", LOSSES)
def test_d_loss_falls_as_d_separates_the_samples(name):
    """Every D loss prefers higher real and lower fake scores; every G loss prefers higher fake scores."""
    d_loss, g_loss = LOSSES[name].d_loss, LOSSES[name].g_loss
    near, far = torch.tensor([0.1, -0.2]), torch.tensor([0.9, 0.6])
    assert d_loss(far, -far) < d_loss(near, -near)
    assert g_loss(far) < g_loss(-far)
