"""2-D toy data for watching mode coverage: the ring of 8 Gaussians and the 5x5 grid.

    ring: 8 equal-weight Gaussians centred on a circle of radius 2, std 0.02 (Metz et al. 2017,
          Unrolled GAN; VEEGAN; PacGAN uses the same shape at radius 1, std 0.01)
    grid: 25 equal-weight Gaussians centred on {-4, -2, 0, 2, 4}^2, std 0.05 (VEEGAN, PacGAN)

Samples are drawn only from the `torch.Generator` passed in: the same seed, the same points.
"""

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Mixture:
    """An equal-weight mixture of isotropic 2-D Gaussians, one per centre."""

    centres: torch.Tensor  # float32 (K, 2), the modes
    std: float  # standard deviation of every component, in each coordinate

    def sample(self, n: int, *, generator: torch.Generator) -> torch.Tensor:
        """float32 (n, 2): a uniformly chosen centre plus N(0, std^2 I) noise, for each point."""
        modes = torch.randint(0, len(self.centres), (n,), generator=generator)
        return self.centres[modes] + self.std * torch.randn(n, 2, generator=generator)

    @property
    def extent(self) -> float:
        """Half the side of a square around the origin that holds every mode with a margin."""
        return float(self.centres.abs().max()) * 1.5


def ring(*, modes: int = 8, radius: float = 2.0, std: float = 0.02) -> Mixture:
    """`modes` Gaussians evenly spaced on a circle of `radius`, the first on the positive x axis."""
    angles = torch.arange(modes, dtype=torch.float64) * (2 * math.pi / modes)
    centres = radius * torch.stack([angles.cos(), angles.sin()], dim=1)
    return Mixture(centres.float(), std)


def grid(*, side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """side x side Gaussians on a square lattice with `spacing`, centred on the origin."""
    axis = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    xs, ys = torch.meshgrid(axis, axis, indexing="xy")
    return Mixture(torch.stack([xs.flatten(), ys.flatten()], dim=1), std)


# name -> mixture with the protocol's parameters
TOY_DATA = {
    "ring": ring(),
    "grid": grid(),
}
