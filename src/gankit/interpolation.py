"""Walks through latent space: from one seed's z to the next, and G's images along the way.

Two ways to go from z0 to z1, one `name -> function` table (`gankit interpolate --mode`):
- "linear":    (1 - t) z0 + t z1, the straight line. Between two random high-dimensional
               vectors it passes close to the origin, where latents are rarely drawn (the
               middle of the line has a smaller norm than either end).
- "spherical": slerp (Shoemake 1985; for GANs White 2016, "Sampling Generative Networks"):
               the great-circle arc, at constant angular speed,
                   sin((1 - t) w) / sin w * z0 + sin(t w) / sin w * z1,  cos w = z0.z1 / (|z0| |z1|),
               which keeps the norm where |z0| = |z1| and so stays where latents usually lie.

A seed's latent is `LATENTS[z_dist](1, z_dim, Generator().manual_seed(seed))`, so a walk from
seed 3 starts at the image of `gankit sample --seed 3 --n 1` (for uniform latents, the first
image of `gankit sample --seed 3` with any --n).
"""

import torch

from . import images
from .latent import LATENTS


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Linear interpolation. z0, z1: (z_dim,) ; t: (T,) in [0, 1] -> (T, z_dim)."""
    t = t[:, None].to(z0.dtype)
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation along the great circle through z0 and z1 (both nonzero).
    z0, z1: (z_dim,) ; t: (T,) in [0, 1] -> (T, z_dim). Falls back to `lerp` where z0 and z1
    are (anti)parallel within float precision, where the arc is undefined."""
    cos_angle = torch.dot(z0, z1) / (z0.norm() * z1.norm())
    angle = torch.arccos(cos_angle.clamp(-1.0, 1.0))
    sin_angle = torch.sin(angle)
    if sin_angle < 1e-6:
        return lerp(z0, z1, t)
    t = t[:, None].to(z0.dtype)
    return (torch.sin((1 - t) * angle) * z0 + torch.sin(t * angle) * z1) / sin_angle


INTERPOLATIONS = {
    "linear": lerp,
    "spherical": slerp,
}


def latent_walk(anchors: torch.Tensor, steps: int, mode: str) -> torch.Tensor:
    """A path through the rows of `anchors` (A, z_dim), A >= 2: `steps` points (ends included)
    from each anchor to the next, the shared ends once -> ((A - 1) * (steps - 1) + 1, z_dim)."""
    between = INTERPOLATIONS[mode]
    t = torch.linspace(0, 1, steps)
    legs = [between(a, b, t)[:-1] for a, b in zip(anchors[:-1], anchors[1:], strict=True)]
    return torch.cat([*legs, anchors[-1:]])


def seed_latents(seeds: list[int], *, z_dim: int, z_dist: str) -> torch.Tensor:
    """(len(seeds), z_dim): each seed's latent, that of `gankit sample --seed SEED --n 1`."""
    return torch.cat([LATENTS[z_dist](1, z_dim, torch.Generator().manual_seed(seed)) for seed in seeds])


@torch.no_grad()
def walk_images(generator: torch.nn.Module, cfg, seeds: list[int], *, steps: int, mode: str) -> torch.Tensor:
    """G's images along `latent_walk` between the seeds' latents, uint8 (frames, C, H, W).
    A conditional G walks within class 0, the class of `gankit sample --seed SEED --n 1`."""
    anchors = seed_latents(seeds, z_dim=cfg.model.z_dim, z_dist=cfg.model.z_dist)
    z = latent_walk(anchors, steps, mode).to(next(generator.parameters()).device)
    labels = torch.zeros(len(z), dtype=torch.int64, device=z.device)  # class 0; an unconditional G ignores it
    return images.to_uint8(generator.eval()(z, labels), generator.output_range)
