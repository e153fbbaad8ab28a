import copy
import math

import pytest
import torch

from gankit.losses import LOSSES
from gankit.step import StepOptions, d_output_stats, discriminator_step, generator_step, train_step
from gankit.gan import build_gan
from gankit.config import Config, apply_overrides


@pytest.fixture
def gan():
    torch.manual_seed(0)
    return build_gan(Config(), (1, 28, 28), torch.device("cpu"))


def params(module):
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def buffers(module):
    return {name: b.detach().clone() for name, b in module.named_buffers()}


def changed(before, module):
    now = params(module)
    return {name for name in before if not torch.equal(before[name], now[name])}


def batch(n=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=g), torch.rand(n, 100, generator=g) * 2 - 1


def test_d_step_changes_only_d(gan):
    real, z = batch()
    g_before, g_buffers, d_before = params(gan.generator), buffers(gan.generator), params(gan.discriminator)
    discriminator_step(gan, real, z, options=StepOptions(loss=LOSSES["non_saturating"], fakes_g_mode="eval"))
    assert changed(g_before, gan.generator) == set()
    assert all(torch.equal(b, buffers(gan.generator)[n]) for n, b in g_buffers.items())  # eval mode: BN stats kept
    assert changed(d_before, gan.discriminator) == set(d_before)  # every D parameter moved
    assert all(p.grad is None for p in gan.generator.parameters())


def test_d_step_in_train_mode_updates_g_batchnorm_stats_only(gan):
    real, z = batch()
    g_before, g_buffers = params(gan.generator), buffers(gan.generator)
    discriminator_step(gan, real, z, options=StepOptions(loss=LOSSES["non_saturating"], fakes_g_mode="train"))
    assert changed(g_before, gan.generator) == set()
    assert not torch.equal(g_buffers["stages.0.running_mean"], gan.generator.stages[0].running_mean)


def test_g_step_changes_only_g_and_gradients_flow_through_d(gan):
    _, z = batch()
    g_before, d_before, d_buffers = params(gan.generator), params(gan.discriminator), buffers(gan.discriminator)
    generator_step(gan, z, options=StepOptions(loss=LOSSES["non_saturating"]))
    assert changed(d_before, gan.discriminator) == set()
    assert all(torch.equal(v, gan.discriminator.get_buffer(k)) for k, v in d_buffers.items())  # D's state too
    assert all(p.grad is None for p in gan.discriminator.parameters())  # nothing accumulated in D
    assert changed(g_before, gan.generator) == set(g_before)  # the gradient reached every G parameter
    assert all(p.requires_grad for p in gan.discriminator.parameters())  # D unfrozen afterwards
    assert gan.d_schedule.last_epoch == 0  # D's optimiser never stepped


def test_algorithm_1_runs_k_d_updates_then_one_g_update(gan):
    calls = {"real": 0}

    def next_real():
        calls["real"] += 1
        return batch(4, seed=calls["real"])[0], None

    noise = torch.Generator().manual_seed(0)
    scalars = train_step(gan, next_real=next_real, sample_z=lambda n: (torch.rand(n, 100, generator=noise), None),
                         options=StepOptions(loss=LOSSES["non_saturating"], d_steps=3, fakes_g_mode="eval"))
    assert calls["real"] == 3
    assert gan.d_schedule.last_epoch == 3 and gan.g_schedule.last_epoch == 1
    assert set(scalars) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(v.dim() == 0 for v in scalars.values())


def bce(probabilities, label):
    """Binary cross-entropy by hand, as Keras computes it from D's sigmoid outputs."""
    p = probabilities.double()
    return -(label * torch.log(p) + (1 - label) * torch.log(1 - p)).mean().item()


@pytest.mark.parametrize("loss", ["non_saturating", "minimax"])
def test_step_losses_equal_hand_computed_bce(gan, loss):
    """The seed's Keras code: D.train_on_batch([real; fake], [1]*m + [0]*m), then
    adversarial.train_on_batch(z, [1]*m) with G in training mode."""
    real, z_d = batch(8, seed=1)
    _, z_g = batch(8, seed=2)
    start = copy.deepcopy(gan)
    zs = iter([z_d, z_g])
    scalars = train_step(gan, next_real=lambda: (real, None), sample_z=lambda n: (next(zs), None),
                         options=StepOptions(loss=LOSSES[loss], d_steps=1, fakes_g_mode="eval"))
    with torch.no_grad():
        fake = start.generator.eval()(z_d)  # generator.predict: BatchNorm in inference mode
        p = torch.sigmoid(start.discriminator(torch.cat([real, fake]), None)[0])
        labels = torch.cat([torch.ones(8), torch.zeros(8)]).double()
        assert scalars["d_loss"].item() == pytest.approx(bce(p, labels), rel=1e-5)
        # G's step sees D after D's update (D is unchanged by the G step) and G before its own update
        p_fake = torch.sigmoid(gan.discriminator(start.generator.train()(z_g), None)[0])
        if loss == "non_saturating":  # fakes labelled 1.0
            expected = bce(p_fake, torch.ones(8).double())
        else:  # G minimises mean log(1 - D(G(z))) = -BCE with label 0
            expected = -bce(p_fake, torch.zeros(8).double())
        assert scalars["g_loss"].item() == pytest.approx(expected, rel=1e-5)
        assert scalars["d_real"].item() == pytest.approx(p[:8].mean().item(), rel=1e-6)
        assert scalars["d_fake"].item() == pytest.approx(p[8:].mean().item(), rel=1e-6)


def test_d_output_stats_read_d_as_the_loss_does():
    logits = torch.tensor([0.0, math.log(3.0)])  # D(x) = 1/2 and 3/4
    assert d_output_stats("d_real", logits, "probability") == {"d_real": pytest.approx(0.625, rel=1e-6)}
    assert d_output_stats("d_real", torch.tensor([-1.0, 3.0]), "critic") == {"d_real_score": pytest.approx(1.0)}


@pytest.mark.parametrize("loss", list(LOSSES))
def test_the_step_reports_only_what_its_loss_makes_meaningful(gan, loss):
    """Logistic losses: D's outputs as probabilities; the others: as raw critic scores. Never both."""
    real, z = batch(4)
    scalars = train_step(gan, next_real=lambda: (real, None), sample_z=lambda n: (z[:n], None),
                         options=StepOptions(loss=LOSSES[loss]))
    probabilities, scores = {"d_real", "d_fake", "g_fake"}, {"d_real_score", "d_fake_score", "g_fake_score"}
    expected = {"non_saturating": probabilities, "minimax": probabilities, "least_squares": scores,
                "hinge": scores, "wasserstein": scores}[loss]
    assert set(scalars) == expected | {"d_loss", "d_penalty", "d_acc_real", "d_acc_fake", "d_grad_norm",
                                       "g_loss", "g_grad_norm"}


def test_g_step_leaves_the_state_of_a_d_with_buffers_alone():
    """The seed's D has no buffers, so the check above has none to compare; spectral
    normalisation's power-iteration vectors are buffers that a training-mode forward would move."""
    torch.manual_seed(0)
    gan = build_gan(apply_overrides(Config(), ["model.d_norm=spectral", "model.width=0.25"]), (1, 28, 28),
                    torch.device("cpu"))
    d_buffers = buffers(gan.discriminator)
    assert len(d_buffers) == 2 * 5  # u and v of its 4 convolutions and its dense layer
    generator_step(gan, batch()[1], options=StepOptions(loss=LOSSES["hinge"]))
    assert all(torch.equal(v, gan.discriminator.get_buffer(k)) for k, v in d_buffers.items())
    discriminator_step(gan, *batch(), options=StepOptions(loss=LOSSES["hinge"]))  # the control: D's own step moves them
    assert not all(torch.equal(v, gan.discriminator.get_buffer(k)) for k, v in d_buffers.items())
