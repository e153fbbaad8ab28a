"""MLP generator and discriminator for 2-D points, after Goodfellow et al. 2014.

The paper's networks are multilayer perceptrons: G a stack of rectified-linear layers, D a
stack of maxout layers (Goodfellow et al. 2013). Here, for 2-D data:

    G: z (N, z_dim) -> [Linear(hidden), ReLU] x layers -> Linear(2)          -> points (N, 2)
    D: x (N, 2)     -> [Maxout(hidden, pieces)] x layers -> Linear(1)        -> logits (N,)

Both are called as every G and D of gankit is (`gankit.step`): G(z, labels) and D(x, labels)
-> (logits, None), the labels ignored, so that the toys train through `train_step`.

A maxout unit outputs the largest of `pieces` linear functions of its input, a learned convex
piecewise-linear activation. The paper's D also used dropout; it is left out here, so that D's
output is a deterministic function of its input, which the decision-surface picture draws.
"""

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class ToyModelConfig:
    z_dim: int = 2  # latent size; latents are standard normal
    hidden: int = 64  # units per hidden layer, in G and D
    layers: int = 3  # hidden layers, in G and D
    pieces: int = 3  # linear pieces per maxout unit of D


class Maxout(nn.Module):
    """(N, in_features) -> (N, out_features): the max over `pieces` linear maps, per unit."""

    def __init__(self, in_features: int, out_features: int, pieces: int):
        super().__init__()
        self.pieces = pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(len(x), -1, self.pieces).amax(dim=2)


class MLPGenerator(nn.Module):
    """(z (N, z_dim), labels ignored) -> points (N, 2), unbounded."""

    def __init__(self, cfg: ToyModelConfig):
        super().__init__()
        sizes = [cfg.z_dim] + [cfg.hidden] * cfg.layers
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], 2))
        self.z_dim = cfg.z_dim

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """(points (N, 2), labels ignored) -> (logits (N,), None)."""

    def __init__(self, cfg: ToyModelConfig):
        super().__init__()
        sizes = [2] + [cfg.hidden] * cfg.layers
        layers = [Maxout(n_in, n_out, cfg.pieces) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
        self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, None]:
        return self.net(x).squeeze(1), None
