"""CGAN and ACGAN as in the seed's book: shapes, parameter counts, and that labels matter."""

import math

import pytest
import torch

from gankit.losses import class_loss
from gankit.models import ModelConfig, build_conditional_models, count_parameters

SEED_G, SEED_D = 1_300_801, 1_080_577  # the seed's DCGAN on 28x28 grayscale


def test_cgan_parameter_counts_are_the_seed_plus_the_label_inputs():
    generator, discriminator = build_conditional_models("cgan", ModelConfig(), (1, 28, 28), num_classes=10)
    assert count_parameters(generator) == SEED_G + 10 * 7 * 7 * 128  # the dense layer takes 110 inputs
    # the label's Dense(28 * 28), and a second input channel in D's first 5x5 convolution
    assert count_parameters(discriminator) == SEED_D + (10 * 784 + 784) + 5 * 5 * 32
    assert generator.net.dense.in_features == 110 and discriminator.label_plane.out_features == 784


def test_acgan_parameter_counts():
    generator, discriminator = build_conditional_models("acgan", ModelConfig(), (1, 28, 28), num_classes=10)
    assert count_parameters(generator) == SEED_G + 10 * 7 * 7 * 128
    features = 256 * 4 * 4
    assert count_parameters(discriminator) == SEED_D + (features * 128 + 128) + (128 * 10 + 10)


@pytest.mark.parametrize("backbone, shape", [("dcgan", (1, 28, 28)), ("dcgan_radford", (3, 32, 32))])
def test_shapes_and_labels_matter(backbone, shape):
    torch.manual_seed(0)
    cfg = ModelConfig(width=0.125, z_dim=8, g_output="tanh")
    generator, discriminator = build_conditional_models("cgan", cfg, shape, num_classes=10, backbone=backbone)
    generator.eval()
    z = torch.randn(4, 8)
    sevens, threes = torch.full((4,), 7), torch.full((4,), 3)
    fake = generator(z, sevens)
    assert fake.shape == (4, *shape) and fake.min() >= -1 and fake.max() <= 1
    assert not torch.allclose(fake, generator(z, threes))  # same z, other class, other image
    logits, class_logits = discriminator(fake, sevens)
    assert logits.shape == (4,) and class_logits is None
    assert not torch.allclose(logits, discriminator(fake, threes)[0])


def test_acgan_heads_and_class_loss():
    torch.manual_seed(0)
    cfg = ModelConfig(width=0.125, z_dim=8)
    generator, discriminator = build_conditional_models("acgan", cfg, (1, 28, 28), num_classes=10)
    labels = torch.tensor([0, 9, 4])
    logits, class_logits = discriminator(generator(torch.randn(3, 8), labels), labels)
    assert logits.shape == (3,) and class_logits.shape == (3, 10)
    loss = class_loss(class_logits, labels)
    expected = -torch.log_softmax(class_logits, dim=1)[torch.arange(3), labels].mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()  # the class loss trains D's trunk and G alike
    assert discriminator.net.stages[1].weight.grad.abs().sum() > 0
    assert generator.net.dense.weight.grad.abs().sum() > 0


def test_class_loss_by_hand():
    class_logits = torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    expected = -(math.log(math.exp(2) / (math.exp(2) + 1)) + math.log(0.5)) / 2
    assert class_loss(class_logits, torch.tensor([0, 1])).item() == pytest.approx(expected, rel=1e-6)


def test_spectral_norm_reaches_the_conditional_discriminators():
    from torch.nn.utils import parametrize

    for name in ("cgan", "acgan"):
        _, discriminator = build_conditional_models(name, ModelConfig(width=0.125, d_norm="spectral"),
                                                    (1, 28, 28), num_classes=10)
        layers = [m for m in discriminator.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
        assert layers and all(parametrize.is_parametrized(m, "weight") for m in layers)
