"""Augmentation of every image D sees, real and fake, in both steps: DiffAugment and ADA.

See `gankit.augment.policies` (the policies and ADA's p) and `gankit.augment.transforms` (the
differentiable transforms)."""

from gankit.augment.policies import (
    AUGMENTS,
    DEFAULT_TRANSFORMS,
    AdaptiveAugment,
    Augment,
    AugmentConfig,
    DiffAugment,
    make_augment,
    transform_names,
)
from gankit.augment.transforms import TRANSFORMS

__all__ = ["AUGMENTS", "DEFAULT_TRANSFORMS", "TRANSFORMS", "AdaptiveAugment", "Augment", "AugmentConfig",
           "DiffAugment", "make_augment", "transform_names"]
