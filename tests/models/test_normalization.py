"""Spectral normalisation of D as a model option."""

import pytest
import torch

from gankit.checkpoint import load_checkpoint, save_checkpoint
from gankit.config import load_config
from gankit.errors import ConfigError
from gankit.models import ModelConfig, build_models, count_parameters

TINY = dict(width=0.25)


def _weights(discriminator):
    """The effective weight of every conv and dense layer, as D uses it in its forward pass."""
    return [m.weight for m in discriminator.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]


def test_spectral_norm_makes_every_layer_1_lipschitz():
    torch.manual_seed(0)
    _, discriminator = build_models(ModelConfig(d_norm="spectral", **TINY), (1, 28, 28))
    discriminator.train()
    with torch.no_grad():
        for _ in range(40):  # one power iteration per training-mode forward pass
            discriminator(torch.rand(2, 1, 28, 28))
    discriminator.eval()
    weights = _weights(discriminator)
    assert len(weights) == 5  # four convolutions and the dense layer
    for weight in weights:
        sigma = torch.linalg.matrix_norm(weight.detach().flatten(1), ord=2)
        assert sigma.item() == pytest.approx(1.0, abs=0.02)


def test_without_it_the_layers_are_not_normalised():
    torch.manual_seed(0)
    _, discriminator = build_models(ModelConfig(**TINY), (1, 28, 28))
    sigmas = [torch.linalg.matrix_norm(w.detach().flatten(1), ord=2).item() for w in _weights(discriminator)]
    assert max(abs(s - 1) for s in sigmas) > 0.1


def test_parameter_counts_and_g_unchanged():
    plain_g, plain_d = build_models(ModelConfig(), (1, 28, 28))
    sn_g, sn_d = build_models(ModelConfig(d_norm="spectral"), (1, 28, 28))
    assert count_parameters(sn_d) == count_parameters(plain_d) == 1_080_577
    assert count_parameters(sn_g) == count_parameters(plain_g) == 1_300_801
    assert not any("parametrizations" in name for name in sn_g.state_dict())


def test_power_iteration_state_survives_a_checkpoint(tmp_path):
    torch.manual_seed(0)
    cfg = ModelConfig(d_norm="spectral", **TINY)
    _, discriminator = build_models(cfg, (1, 28, 28))
    discriminator.train()
    with torch.no_grad():
        discriminator(torch.rand(4, 1, 28, 28))
    save_checkpoint(tmp_path / "d.safetensors", {"discriminator": discriminator.state_dict()})
    _, restored = build_models(cfg, (1, 28, 28))
    restored.load_state_dict(load_checkpoint(tmp_path / "d.safetensors")["discriminator"])
    x = torch.rand(3, 1, 28, 28)
    torch.testing.assert_close(restored.eval()(x), discriminator.eval()(x))


def test_config_option():
    assert load_config(None, ["model.d_norm=spectral"]).model.d_norm == "spectral"
    with pytest.raises(ConfigError, match="model.d_norm = 'batch' is not one of: none, spectral"):
        load_config(None, ["model.d_norm=batch"])
