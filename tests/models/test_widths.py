"""`model.d_width`: D's own width, G untouched, for every model that has a D built from a width."""

import pytest

from gankit.models import ModelConfig, build_models


def channels(module) -> list[int]:
    """Output channels of every convolution, in order."""
    return [m.out_channels for m in module.modules() if hasattr(m, "out_channels")]


@pytest.mark.parametrize("name", ["dcgan", "dcgan_radford", "cgan", "acgan"])
def test_d_width_widens_d_alone(name):
    shared = dict(name=name, width=0.25, num_classes=10, z_dim=8)
    g_same, d_same = build_models(ModelConfig(**shared), (1, 28, 28))
    g_wide, d_wide = build_models(ModelConfig(**shared, d_width=0.5), (1, 28, 28))
    assert channels(g_wide) == channels(g_same)
    assert all(p.shape == q.shape for p, q in zip(g_wide.parameters(), g_same.parameters(), strict=True))
    assert [2 * c for c in channels(d_same)] == channels(d_wide)


def test_d_width_zero_is_the_shared_width():
    _, d_default = build_models(ModelConfig(width=0.25), (1, 28, 28))
    _, d_zero = build_models(ModelConfig(width=0.25, d_width=0.0), (1, 28, 28))
    _, d_same = build_models(ModelConfig(width=0.25, d_width=0.25), (1, 28, 28))
    assert channels(d_default) == channels(d_zero) == channels(d_same) == [8, 16, 32, 64]
