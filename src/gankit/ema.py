"""`g_ema`: an exponential moving average of G's weights, for sampling and evaluation.

G's weights jitter from step to step as it chases D; their running average usually draws
better images than the latest G (Karras et al. 2018, progressive GANs; Yazici et al. 2019).
After each G update, with beta in [0, 1):

    theta_ema <- beta * theta_ema + (1 - beta) * theta      (every parameter)
    buffer_ema <- buffer                                     (BatchNorm statistics: copied)

beta follows StyleGAN2-ADA's form (Karras et al. 2020, `training_loop.py`): a half-life
counted in images, so that it does not depend on the batch size,

    half_life = min(half_life_images, ramp * images_seen)    (the ramp-up; ramp = 0: none)
    beta      = 0.5 ** (batch_size / half_life)

so the weights of G from `half_life` images ago count half. The ramp keeps the half-life short
while training is young, so `g_ema` forgets G's random initial weights quickly instead of
averaging them in for the first several half-lives.

`g_ema` is a deep copy of G that stays in eval mode (BatchNorm uses the copied moving
statistics) and never takes gradients; use it exactly as a generator in eval mode.
"""

import copy
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class EmaConfig:
    half_life_images: float = 0.0  # images after which G's older weights count half in g_ema; 0 = no g_ema (StyleGAN2-ADA: 10,000 per 32 of batch)
    ramp: float = 0.05  # the half-life is at most ramp x images seen so far (StyleGAN2-ADA's ema_rampup); 0 = no ramp-up


def ema_beta(*, batch_size: int, images_seen: int, half_life_images: float, ramp: float) -> float:
    """The averaging factor beta in [0, 1) for one G update of `batch_size` images, taken when
    `images_seen` images have been shown before it; 0 copies G (e.g. at the very start)."""
    if half_life_images <= 0 or batch_size < 1 or ramp < 0:
        raise ValueError(f"need half_life_images > 0, batch_size >= 1, ramp >= 0; got "
                         f"{half_life_images}, {batch_size}, {ramp}")
    half_life = min(half_life_images, ramp * images_seen) if ramp > 0 else half_life_images
    return 0.5 ** (batch_size / half_life) if half_life > 0 else 0.0


def make_g_ema(generator: nn.Module) -> nn.Module:
    """A copy of `generator` for averaging: same weights and buffers, eval mode, no gradients."""
    g_ema = copy.deepcopy(generator)
    g_ema.eval()
    g_ema.requires_grad_(False)
    return g_ema


@torch.no_grad()
def update_g_ema_(g_ema: nn.Module, generator: nn.Module, beta: float) -> None:
    """Move `g_ema`'s parameters towards `generator`'s by 1 - beta and copy its buffers, in place."""
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be in [0, 1], got {beta}")
    for (name, p_ema), (other, p) in zip(g_ema.named_parameters(), generator.named_parameters(), strict=True):
        if name != other:
            raise ValueError(f"g_ema does not match the generator: parameter {name} vs {other}")
        p_ema.lerp_(p.detach(), 1.0 - beta)  # p_ema + (1 - beta) * (p - p_ema)
    for (name, b_ema), (other, b) in zip(g_ema.named_buffers(), generator.named_buffers(), strict=True):
        if name != other:
            raise ValueError(f"g_ema does not match the generator: buffer {name} vs {other}")
        b_ema.copy_(b)
