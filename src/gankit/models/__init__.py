"""Models: one `name -> Model(Generator, Discriminator, conditional)` table, `MODELS`.

Every network is called the same way (the contract `gankit.step` relies on):

    G(z (N, z_dim), labels (N,) or None) -> images (N, C, H, W) in `G.output_range`
    D(images (N, C, H, W), labels (N,) or None) -> (logits (N,), class_logits (N, K) or None)

An unconditional network ignores the labels. The class-conditional models (CGAN, ACGAN,
`conditional.py`) wrap an unconditional entry, `model.backbone`, and have `model.num_classes`
classes. What a model must provide is said once, here: G's `output_range` (the range of its
images, which the data, sample grids and evaluation follow) and, to serve as a backbone, G's
`dense` on the latent and D's `stages` then `dense` (see `conditional.py`). The `[model]`
section every model is built from is `config.ModelConfig`.
"""

import dataclasses
from typing import NamedTuple

from torch import nn

from ..errors import ConfigError
from .conditional import AuxiliaryClassifierDiscriminator, ConditionalDiscriminator, ConditionalGenerator
from .config import ModelConfig
from .dcgan import Discriminator as DCGANDiscriminator
from .dcgan import Generator as DCGANGenerator
from .dcgan_radford import Discriminator as RadfordDiscriminator
from .dcgan_radford import Generator as RadfordGenerator
from .normalization import D_NORMS


class Model(NamedTuple):
    """An entry of `MODELS`: unconditional classes are built as cls(cfg, image_shape);
    conditional ones also take num_classes=K and backbone=the wrapped entry's class."""

    generator: type[nn.Module]
    discriminator: type[nn.Module]
    conditional: bool = False  # G and D take class labels; the data's labels are drawn with the images


MODELS = {
    "dcgan": Model(DCGANGenerator, DCGANDiscriminator),  # the seed: Atienza's book, 28x28 (H, W divisible by 4)
    "dcgan_radford": Model(RadfordGenerator, RadfordDiscriminator),  # Radford et al. 2016, any size s * 2^k (28, 32, 64)
    "cgan": Model(ConditionalGenerator, ConditionalDiscriminator, conditional=True),  # Mirza & Osindero 2014
    "acgan": Model(ConditionalGenerator, AuxiliaryClassifierDiscriminator, conditional=True),  # Odena et al. 2017
}
BACKBONES = tuple(name for name, model in MODELS.items() if not model.conditional)  # model.backbone's choices


def is_conditional(cfg: ModelConfig) -> bool:
    """Whether `cfg.name` is a class-conditional model (G and D take labels)."""
    return MODELS[cfg.name].conditional


def discriminator_config(cfg: ModelConfig) -> ModelConfig:
    """The `[model]` section D is built from: `cfg` with D's own width (`d_width`) where set."""
    return dataclasses.replace(cfg, width=cfg.d_width) if cfg.d_width else cfg


def build_models(cfg: ModelConfig, image_shape: tuple[int, int, int]):
    """(generator, discriminator) for `cfg.name`, sized for images of `image_shape` (C, H, W),
    with D as wide as `cfg.d_width` says and normalised as `cfg.d_norm` says. A conditional model
    has `cfg.num_classes` classes (resolved from the data before this is called) around the
    backbone `cfg.backbone`."""
    if is_conditional(cfg):
        if cfg.num_classes < 2:
            raise ConfigError(f"model.num_classes = {cfg.num_classes}: model '{cfg.name}' needs the number of "
                              "classes (>= 2); leave it 0 to take the data's")
        return build_conditional_models(cfg.name, cfg, image_shape, num_classes=cfg.num_classes,
                                        backbone=cfg.backbone)
    g_cls, d_cls, _ = MODELS[cfg.name]
    return g_cls(cfg, image_shape), D_NORMS[cfg.d_norm](d_cls(discriminator_config(cfg), image_shape))


def build_conditional_models(name: str, cfg: ModelConfig, image_shape: tuple[int, int, int], *,
                             num_classes: int, backbone: str = "dcgan"):
    """(generator, discriminator) of conditional model `name` around the unconditional model
    `backbone`, with D as wide as `cfg.d_width` says and normalised as `cfg.d_norm` says."""
    g_cls, d_cls, _ = MODELS[name]
    g_backbone, d_backbone, _ = MODELS[backbone]
    return (g_cls(cfg, image_shape, num_classes=num_classes, backbone=g_backbone),
            D_NORMS[cfg.d_norm](d_cls(discriminator_config(cfg), image_shape, num_classes=num_classes,
                                      backbone=d_backbone)))


def count_parameters(module) -> int:
    """Trainable parameters, as Keras's `model.summary()` counts them."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


__all__ = ["BACKBONES", "D_NORMS", "MODELS", "Model", "ModelConfig", "build_conditional_models", "build_models",
           "count_parameters", "is_conditional"]
