"""Models: one `name -> (Generator, Discriminator)` table.

Every generator maps z (N, z_dim) to images (N, C, H, W) in its `output_range`; every
discriminator maps such images to logits (N,). The class-conditional models (CGAN, ACGAN) take
labels too, so they have their own table, `CONDITIONAL_MODELS` (see `conditional.py`).
"""

from .conditional import CONDITIONAL_MODELS, build_conditional_models
from .dcgan import Discriminator as DCGANDiscriminator
from .dcgan import Generator as DCGANGenerator
from .dcgan import ModelConfig
from .dcgan_radford import Discriminator as RadfordDiscriminator
from .dcgan_radford import Generator as RadfordGenerator
from .normalization import D_NORMS
from ..errors import ConfigError

MODELS = {
    "dcgan": (DCGANGenerator, DCGANDiscriminator),  # the seed: Atienza's book, 28x28 (H, W divisible by 4)
    "dcgan_radford": (RadfordGenerator, RadfordDiscriminator),  # Radford et al. 2016, any size s * 2^k (28, 32, 64)
}


def is_conditional(cfg: ModelConfig) -> bool:
    """Whether `cfg.name` is a class-conditional model (G and D take labels)."""
    return cfg.name in CONDITIONAL_MODELS


def build_models(cfg: ModelConfig, image_shape: tuple[int, int, int]):
    """(generator, discriminator) for `cfg.name`, sized for images of `image_shape` (C, H, W),
    with D normalised as `cfg.d_norm` says. A conditional model has `cfg.num_classes` classes
    (resolved from the data before this is called) around the backbone `cfg.backbone`."""
    if is_conditional(cfg):
        if cfg.num_classes < 2:
            raise ConfigError(f"model.num_classes = {cfg.num_classes}: model '{cfg.name}' needs the number of "
                              "classes (>= 2); leave it 0 to take the data's")
        return build_conditional_models(cfg.name, cfg, image_shape, num_classes=cfg.num_classes,
                                        backbone=cfg.backbone)
    g_cls, d_cls = MODELS[cfg.name]
    return g_cls(cfg, image_shape), D_NORMS[cfg.d_norm](d_cls(cfg, image_shape))


def count_parameters(module) -> int:
    """Trainable parameters, as Keras's `model.summary()` counts them."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


__all__ = ["CONDITIONAL_MODELS", "D_NORMS", "MODELS", "build_conditional_models", "ModelConfig", "build_models", "count_parameters", "is_conditional"]
