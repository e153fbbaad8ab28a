"""The GAN family wired into the training step: penalties, WGAN clipping, conditional models."""

import copy

import pytest
import torch

from gankit.config import Config, apply_overrides
from gankit.gan import build_gan
from gankit.losses import LOSSES, class_loss
from gankit.penalties import PenaltyConfig, d_gradient_penalty, interpolation_weights, make_penalty
from gankit.step import StepOptions, discriminator_step, train_step

TINY = ["model.width=0.25"]


def tiny_gan(*overrides, seed=0):
    torch.manual_seed(seed)
    cfg = apply_overrides(Config(), [*TINY, *overrides])
    return build_gan(cfg, (1, 28, 28), torch.device("cpu")), cfg


def batch(n=8, seed=1, classes=10):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 1, 28, 28, generator=g), torch.rand(n, 100, generator=g) * 2 - 1,
            torch.randint(classes, (n,), generator=g))


def d_weights(gan):
    return torch.cat([p.detach().flatten() for p in gan.discriminator.parameters()])


@pytest.mark.parametrize("clip", [0.0, 0.01])
def test_wgan_clipping_bounds_every_d_weight(clip):
    gan, _ = tiny_gan("loss.name=wasserstein")
    real, z, _ = batch()
    discriminator_step(gan, real, z, options=StepOptions(loss=LOSSES["wasserstein"], fakes_g_mode="eval", clip=clip))
    largest = d_weights(gan).abs().max().item()
    if clip:
        assert largest == pytest.approx(0.01)  # clipped, and Glorot weights are larger than 0.01
    else:
        assert largest > 0.05


def test_wgan_gp_penalty_is_weighted_and_drawn_from_the_noise_generator():
    gan, _ = tiny_gan("loss.name=wasserstein")
    real, z, _ = batch()
    noise = torch.Generator().manual_seed(5)
    start, eps = copy.deepcopy(gan), interpolation_weights(len(real), generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        fake = start.generator.eval()(z)
    expected = 10 * d_gradient_penalty(lambda x: start.discriminator(x, None)[0], real, fake, eps)
    penalty = make_penalty(PenaltyConfig(name="wgan_gp", weight=10.0), noise)
    scalars = discriminator_step(gan, real, z, options=StepOptions(loss=LOSSES["wasserstein"], fakes_g_mode="eval",
                                                                   penalty=penalty))
    torch.testing.assert_close(scalars["d_penalty"], expected.detach())
    assert not torch.equal(noise.get_state(), torch.Generator().manual_seed(5).get_state())  # eps came from it
    assert scalars["d_penalty"] > 0


def test_the_penalty_trains_d():
    """Same data, same start: D's update with a large R1 weight differs from the one without."""
    real, z, _ = batch()
    updates = []
    for weight in (0.0, 100.0):
        gan, _ = tiny_gan()
        before = d_weights(gan)
        penalty = make_penalty(PenaltyConfig(name="r1", weight=weight), torch.Generator())
        discriminator_step(gan, real, z, options=StepOptions(loss=LOSSES["non_saturating"], fakes_g_mode="eval",
                                                             penalty=penalty))
        updates.append(d_weights(gan) - before)
    assert not torch.allclose(updates[0], updates[1])


def test_cgan_d_sees_real_labels_then_the_labels_g_was_given():
    gan, _ = tiny_gan("model.name=cgan", "model.num_classes=10")
    real, z, real_labels = batch()
    fake_labels = (real_labels + 3) % 10
    seen = []
    forward = gan.discriminator.forward
    gan.discriminator.forward = lambda images, labels: seen.append(labels.clone()) or forward(images, labels)
    discriminator_step(gan, real, z, options=StepOptions(loss=LOSSES["non_saturating"], fakes_g_mode="eval"),
                       real_labels=real_labels, fake_labels=fake_labels)
    assert torch.equal(seen[0], torch.cat([real_labels, fake_labels]))


def test_acgan_adds_the_class_loss_to_both_losses():
    gan, _ = tiny_gan("model.name=acgan", "model.num_classes=10")
    real, z_d, real_labels = batch(seed=1)
    _, z_g, g_labels = batch(seed=2)
    start = copy.deepcopy(gan)
    inputs = iter([(z_d, (real_labels + 1) % 10), (z_g, g_labels)])
    scalars = train_step(gan, next_real=lambda: (real, real_labels), sample_z=lambda n: next(inputs),
                         options=StepOptions(loss=LOSSES["non_saturating"], d_steps=1, fakes_g_mode="eval"))
    d_loss_fn, g_loss_fn = LOSSES["non_saturating"].d_loss, LOSSES["non_saturating"].g_loss
    with torch.no_grad():
        fake = start.generator.eval()(z_d, (real_labels + 1) % 10)
        logits, class_logits = start.discriminator(torch.cat([real, fake]))
        expected_d = d_loss_fn(logits[:8], logits[8:]) + class_loss(
            class_logits, torch.cat([real_labels, (real_labels + 1) % 10]))
        g_logits, g_class_logits = gan.discriminator.eval()(start.generator.train()(z_g, g_labels))
        expected_g = g_loss_fn(g_logits) + class_loss(g_class_logits, g_labels)
    torch.testing.assert_close(scalars["d_loss"], expected_d, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(scalars["g_loss"], expected_g, rtol=1e-5, atol=1e-6)
    assert class_loss(g_class_logits, g_labels) > 0.1  # the class term is not negligible


def test_a_conditional_model_needs_its_classes():
    from gankit.errors import ConfigError

    with pytest.raises(ConfigError, match="model.num_classes = 0"):
        tiny_gan("model.name=cgan")


def test_ttur_and_adam_betas_reach_each_optimizer():
    """Separate learning rates for G and D (TTUR, Heusel et al. 2017) and Adam's betas, from the config."""
    gan, _ = tiny_gan("d_opt.name=adam", "d_opt.lr=4e-4", "d_opt.beta1=0", "d_opt.beta2=0.9",
                      "g_opt.name=adam", "g_opt.lr=1e-4", "g_opt.beta1=0.5", "g_opt.beta2=0.999")
    d_group, g_group = gan.d_opt.param_groups[0], gan.g_opt.param_groups[0]
    assert (d_group["lr"], d_group["betas"]) == (pytest.approx(4e-4), (0.0, 0.9))
    assert (g_group["lr"], g_group["betas"]) == (pytest.approx(1e-4), (0.5, 0.999))
