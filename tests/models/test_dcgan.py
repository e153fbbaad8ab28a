import torch

from gankit.models import ModelConfig, build_models, count_parameters
from gankit.models.dcgan import keras_batch_norm


def test_parameter_counts_match_keras():
    generator, discriminator = build_models(ModelConfig(), (1, 28, 28))
    assert count_parameters(generator) == 1_300_801
    assert count_parameters(discriminator) == 1_080_577


def test_shapes_and_output_ranges():
    torch.manual_seed(0)
    z = torch.rand(5, 100) * 2 - 1
    for output, (low, high) in (("sigmoid", (0, 1)), ("tanh", (-1, 1))):
        generator, discriminator = build_models(ModelConfig(g_output=output), (1, 28, 28))
        assert generator.output_range == (low, high)
        fake = generator(z)
        assert fake.shape == (5, 1, 28, 28)
        assert low <= fake.min() and fake.max() <= high
        logits, class_logits = discriminator(fake, None)
        assert logits.shape == (5,) and class_logits is None


def test_symmetric_padding_keeps_shapes_and_counts():
    generator, discriminator = build_models(ModelConfig(padding="symmetric"), (1, 28, 28))
    assert generator(torch.zeros(2, 100)).shape == (2, 1, 28, 28)
    assert count_parameters(generator) == 1_300_801 and count_parameters(discriminator) == 1_080_577


def test_keras_initialisers():
    generator, discriminator = build_models(ModelConfig(init="keras"), (1, 28, 28))
    dense = generator.dense  # Glorot-uniform bound sqrt(6 / (100 + 6272))
    bound = (6 / (100 + 6272)) ** 0.5
    assert dense.weight.abs().max() <= bound and dense.weight.abs().max() > 0.95 * bound
    assert torch.count_nonzero(dense.bias) == 0
    assert torch.count_nonzero(discriminator.dense.bias) == 0
    bn = keras_batch_norm(8)
    assert bn.momentum == 0.01 and bn.eps == 1e-3


def test_batchnorm_before_every_transposed_conv_and_none_in_d():
    generator, discriminator = build_models(ModelConfig(), (1, 28, 28))
    kinds = [type(m).__name__ for m in generator.stages]
    assert kinds == ["BatchNorm2d", "ReLU", "SameConvTranspose2d"] * 4
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in discriminator.modules())
    assert [type(m).__name__ for m in discriminator.stages] == ["LeakyReLU", "SameConv2d"] * 4
