"""The DCGAN of Radford et al. 2016, one class for every square image size: 28x28 grayscale,
32x32 and 64x64 RGB alike.

The image side is s * 2^k with a start side s in 4..7; the number of resolution stages k is
derived from it (halve while the side stays even and at least 4):

    28 = 7 * 2^2  ->  k = 2        32 = 4 * 2^3  ->  k = 3        64 = 4 * 2^4  ->  k = 4

Generator (F = base filters = round(64 * width)):
    z (N, z_dim) -> Dense(F * 2^(k-1) * s * s) -> BatchNorm, ReLU -> (N, F * 2^(k-1), s, s)
    -> k transposed convolutions (kernel 4, stride 2, padding 1: the side doubles exactly),
       filters halving F * 2^(k-2), ..., F, then C; BatchNorm and ReLU after each but the last
    -> output activation -> (N, C, s * 2^k, s * 2^k)
Discriminator, the mirror image:
    x (N, C, S, S) -> k convolutions (kernel 4, stride 2, padding 1: the side halves), filters
    F, 2F, ..., F * 2^(k-1), each followed by LeakyReLU(0.2) -> flatten -> Dense(1) -> logit
D has no BatchNorm (unlike the paper): its samples must not interact for the WGAN-GP and R1
penalties, and spectral normalisation (`model.d_norm = "spectral"`) is the stabiliser offered.

With kernel 4, stride 2 and padding 1 the geometry is exact, so `model.padding` does not apply.
The seed's own architecture is `gankit.models.dcgan`, unchanged.
"""

import torch
from torch import nn

from gankit.errors import ConfigError

from .config import OUTPUT_RANGES, ModelConfig
from .init import INITS

BASE_FILTERS = 64
KERNEL, STRIDE, PADDING = 4, 2, 1


def resolution_stages(image_shape: tuple[int, int, int]) -> tuple[int, int]:
    """(start side s, stages k) with side = s * 2^k, 4 <= s <= 7, k >= 1; `ConfigError` otherwise."""
    _, height, width = image_shape
    side, stages = height, 0
    while side % 2 == 0 and side // 2 >= 4:
        side, stages = side // 2, stages + 1
    if height != width or stages == 0:
        raise ConfigError(f"model 'dcgan_radford' needs square images whose side is 4 to 7 "
                          f"pixels times a power of 2 (e.g. 28, 32, 64); got {height}x{width}")
    return side, stages


def stage_filters(cfg: ModelConfig, stages: int) -> list[int]:
    """Filters from the lowest resolution up: [F * 2^(k-1), ..., 2F, F]."""
    base = max(1, round(BASE_FILTERS * cfg.width))
    return [base * 2 ** i for i in reversed(range(stages))]


class Generator(nn.Module):
    """z (N, z_dim) float -> images (N, C, S, S) in `self.output_range`."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int]):
        super().__init__()
        channels = image_shape[0]
        side, stages = resolution_stages(image_shape)
        filters = stage_filters(cfg, stages)
        self.start = (filters[0], side, side)
        self.output_range = OUTPUT_RANGES[cfg.g_output]
        self.dense = nn.Linear(cfg.z_dim, filters[0] * side * side)
        self.dense_norm = nn.Sequential(nn.BatchNorm1d(filters[0] * side * side), nn.ReLU())
        layers = []
        for c_in, c_out in zip(filters, filters[1:], strict=False):  # (F*2^(k-1), s) -> ... -> (F, S/2)
            layers += [nn.ConvTranspose2d(c_in, c_out, KERNEL, STRIDE, PADDING), nn.BatchNorm2d(c_out), nn.ReLU()]
        layers.append(nn.ConvTranspose2d(filters[-1], channels, KERNEL, STRIDE, PADDING))  # (F, S/2) -> (C, S)
        self.stages = nn.Sequential(*layers)
        self.activation = nn.Sigmoid() if cfg.g_output == "sigmoid" else nn.Tanh()
        INITS[cfg.init](self)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """`labels` is ignored: an unconditional G is called as every G is (`gankit.step`)."""
        x = self.dense_norm(self.dense(z)).view(-1, *self.start)
        return self.activation(self.stages(x))


class Discriminator(nn.Module):
    """(images (N, C, S, S) in G's output range, labels ignored) -> (logits (N,), None)."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int]):
        super().__init__()
        side, stages = resolution_stages(image_shape)
        filters = [image_shape[0], *reversed(stage_filters(cfg, stages))]  # C, F, 2F, ..., F * 2^(k-1)
        layers = []
        for c_in, c_out in zip(filters[:-1], filters[1:], strict=True):  # each halves the side
            layers += [nn.Conv2d(c_in, c_out, KERNEL, STRIDE, PADDING), nn.LeakyReLU(0.2)]
        self.stages = nn.Sequential(*layers)
        self.dense = nn.Linear(filters[-1] * side * side, 1)
        INITS[cfg.init](self)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, None]:
        return self.dense(self.stages(x).flatten(1)).squeeze(1), None
