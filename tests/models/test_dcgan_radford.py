"""One DCGAN class for 28x28 grayscale and 32x32 / 64x64 RGB; the seed's model is untouched."""

import pytest
import torch

from gankit.errors import ConfigError
from gankit.models import MODELS, ModelConfig, build_models, count_parameters
from gankit.models.dcgan_radford import resolution_stages


@pytest.mark.parametrize("image_shape, stages", [((1, 28, 28), 2), ((3, 32, 32), 3), ((3, 64, 64), 4)])
def test_one_class_for_every_size(image_shape, stages):
    torch.manual_seed(0)
    cfg = ModelConfig(name="dcgan_radford", g_output="tanh", z_dim=16, width=0.125)
    generator, discriminator = build_models(cfg, image_shape)
    assert type(generator) is MODELS["dcgan_radford"][0] and type(discriminator) is MODELS["dcgan_radford"][1]
    fake = generator(torch.randn(3, 16))
    assert fake.shape == (3, *image_shape) and fake.min() >= -1 and fake.max() <= 1
    assert discriminator(fake, None)[0].shape == (3,)
    count = lambda module, kind: sum(isinstance(m, kind) for m in module.modules())
    assert count(generator, torch.nn.ConvTranspose2d) == stages
    assert count(discriminator, torch.nn.Conv2d) == stages
    assert count(discriminator, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)) == 0


def test_parameter_counts_follow_the_formula():
    """32x32 RGB, F = 64: s = 4, k = 3, filters 256 -> 128 -> 64 -> 3 in G; 3 -> 64 -> 128 -> 256 in D."""
    generator, discriminator = build_models(ModelConfig(name="dcgan_radford"), (3, 32, 32))
    conv = lambda c_in, c_out, bias_of=None: c_in * c_out * 16 + (bias_of or c_out)
    dense_out = 256 * 4 * 4
    g_expected = (100 * dense_out + dense_out) + 2 * dense_out  # dense, BatchNorm1d
    g_expected += conv(256, 128) + 2 * 128 + conv(128, 64) + 2 * 64 + conv(64, 3)
    d_expected = conv(3, 64) + conv(64, 128) + conv(128, 256) + (256 * 4 * 4 + 1)
    assert count_parameters(generator) == g_expected
    assert count_parameters(discriminator) == d_expected


def test_seed_model_is_unchanged():
    generator, discriminator = build_models(ModelConfig(), (1, 28, 28))
    assert count_parameters(generator) == 1_300_801 and count_parameters(discriminator) == 1_080_577


@pytest.mark.parametrize("side, expected", [(28, (7, 2)), (32, (4, 3)), (64, (4, 4)), (48, (6, 3)), (8, (4, 1))])
def test_resolution_stages(side, expected):
    assert resolution_stages((3, side, side)) == expected


@pytest.mark.parametrize("shape", [(3, 7, 7), (3, 27, 27), (3, 32, 64)])
def test_unsupported_sizes_are_config_errors(shape):
    with pytest.raises(ConfigError, match="needs square images"):
        build_models(ModelConfig(name="dcgan_radford"), shape)


def test_spectral_norm_applies():
    _, discriminator = build_models(ModelConfig(name="dcgan_radford", d_norm="spectral", width=0.125), (3, 32, 32))
    from torch.nn.utils import parametrize
    layers = [m for m in discriminator.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert len(layers) == 4 and all(parametrize.is_parametrized(m, "weight") for m in layers)
