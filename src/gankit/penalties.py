"""Regularisers and constraints of D that need D itself, not only its logits.

- The WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1):

      x_hat = eps * x + (1 - eps) * G(z),   eps ~ U[0, 1], ONE eps per sample
      gp    = E_x_hat[(||grad_x_hat D(x_hat)||_2 - 1)^2]

  where the norm is over ALL of a sample's dimensions (C, H and W together). Two mistakes are
  common in tutorials: drawing eps from another distribution or per pixel (then x_hat is not on
  the segment between a real and a fake sample), and taking the norm over one axis only
  (e.g. `grad.norm(2, dim=1)` on (N, C, H, W) gradients, a norm over the channels of each
  pixel). `test_penalties.py` pins both.
- R1 (Mescheder et al. 2018): r1 = E_x[||grad_x D(x)||_2^2] on real data only; the paper's
  regulariser is (gamma / 2) * r1.
- Weight clipping (Arjovsky et al. 2017): after each critic update, every weight of D is
  clipped to [-c, c] (c = 0.01 in the paper), a crude way to keep D Lipschitz.

Each penalty is returned unweighted; D's loss adds `weight * penalty` (WGAN-GP: weight = lambda
= 10; R1: weight = gamma / 2, e.g. 5 for gamma = 10). Gradients are taken with
`create_graph=True`, so backpropagating the penalty reaches D's weights (a double backward).

Both penalties differentiate D's score of each sample with respect to that sample alone, so D
must treat the samples of a batch independently: no BatchNorm in training mode (the seed's D
has none, for this and for the book's reason).
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .distributed.world import LOCAL, World


def interpolation_weights(n: int, *, generator: torch.Generator | None = None,
                          device: torch.device | str | None = None) -> torch.Tensor:
    """eps (n,), uniform on [0, 1), one per sample (drawn with `generator` on its device)."""
    eps = torch.rand(n, generator=generator, device=generator.device if generator else device)
    return eps.to(device) if device is not None else eps


def interpolate(real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """x_hat_i = eps_i * real_i + (1 - eps_i) * fake_i for (N, ...) batches and eps (N,).

    Every element of sample i uses the same eps_i, so x_hat_i lies on the straight segment
    from fake_i to real_i.
    """
    if eps.shape != real.shape[:1]:
        raise ValueError(f"eps must have shape ({len(real)},), one weight per sample; got {tuple(eps.shape)}")
    eps = eps.view(-1, *([1] * (real.ndim - 1))).to(real.dtype)
    return eps * real + (1 - eps) * fake


def score_gradient_norms(discriminator: nn.Module, points: torch.Tensor) -> torch.Tensor:
    """||grad_x D(x)||_2 for each sample x of `points` (N, ...), over all its dimensions: (N,).

    The graph is kept (`create_graph=True`) so that a loss built on the norms trains D.
    """
    points = points.detach().requires_grad_(True)
    scores = discriminator(points)
    # The sum's gradient with respect to sample i is D(x_i)'s alone: samples do not interact.
    (grad,) = torch.autograd.grad(scores.sum(), points, create_graph=True)
    return grad.flatten(1).norm(2, dim=1)


def d_gradient_penalty(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                       eps: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: mean over samples of (||grad D(x_hat)||_2 - 1)^2, x_hat = interpolate(real, fake, eps).

    real, fake: (N, C, H, W) (or any (N, ...)); eps: (N,) in [0, 1], see `interpolation_weights`.
    `fake` is detached: the penalty trains D only. Returns a 0-dim tensor.
    """
    points = interpolate(real.detach(), fake.detach(), eps)
    return ((score_gradient_norms(discriminator, points) - 1) ** 2).mean()


def d_r1_penalty(discriminator: nn.Module, real: torch.Tensor) -> torch.Tensor:
    """R1: mean over real samples of ||grad_x D(x)||_2^2; real (N, ...). Returns a 0-dim tensor."""
    return (score_gradient_norms(discriminator, real) ** 2).mean()


@torch.no_grad()
def clip_weights_(module: nn.Module, limit: float) -> None:
    """Clamp every parameter of `module` to [-limit, limit] in place (WGAN; call after D's step)."""
    if limit <= 0:
        raise ValueError(f"limit must be > 0, got {limit}")
    for p in module.parameters():
        p.clamp_(-limit, limit)


UniformDraw = Callable[[int], torch.Tensor]  # n -> (n,) fresh draws from U[0, 1)


def uniform_from(generator: torch.Generator) -> UniformDraw:
    """n -> `interpolation_weights(n)` drawn with `generator` (on its device)."""
    return lambda n: interpolation_weights(n, generator=generator)


def no_penalty(discriminator, real, fake, uniform: UniformDraw):
    """0, so that a step can always add `weight * penalty`."""
    return real.new_zeros(())


def wgan_gp_penalty(discriminator, real, fake, uniform: UniformDraw):
    """`d_gradient_penalty` with fresh eps = uniform(len(real))."""
    return d_gradient_penalty(discriminator, real, fake, uniform(len(real)).to(real.device))


def r1_penalty(discriminator, real, fake, uniform: UniformDraw):
    """`d_r1_penalty` on the real batch; `fake` and `uniform` are unused."""
    return d_r1_penalty(discriminator, real)


# name -> penalty(discriminator, real, fake, uniform) -> 0-dim tensor, unweighted; `uniform`
# (a `UniformDraw`, e.g. `uniform_from(generator)`) draws any randomness the penalty needs.
PENALTIES: dict[str, Callable[..., torch.Tensor]] = {
    "none": no_penalty,
    "wgan_gp": wgan_gp_penalty,
    "r1": r1_penalty,
}


@dataclass
class PenaltyConfig:
    name: str = "none"  # a key of PENALTIES: "none", "wgan_gp" (Gulrajani et al.) or "r1" (Mescheder et al.)
    weight: float = 10.0  # D's loss adds weight * penalty: lambda = 10 for WGAN-GP; gamma / 2 for R1
    clip: float = 0.0  # WGAN weight clipping: D's weights are clamped to [-clip, clip] after each D step; 0 = off


Penalty = Callable[[Callable[[torch.Tensor], torch.Tensor], torch.Tensor, torch.Tensor], torch.Tensor]
"""penalty(critic, real, fake) -> 0-dim tensor, weighted: what the training step adds to D's loss;
`critic(x)` is D's logits (N,) for samples x (N, ...)."""


def zero_penalty(critic, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The `Penalty` of a run without one: a 0-dim zero."""
    return real.new_zeros(())


def make_penalty(penalty_cfg: PenaltyConfig, noise_rng: torch.Generator, world: World = LOCAL) -> Penalty:
    """The `[penalty]` section as a `Penalty`: `weight` x the named penalty. Its random draws
    (WGAN-GP's eps) come from `noise_rng`, saved in checkpoints; as z, they are drawn for the
    global batch and sliced, so that several ranks draw what one process would."""
    penalty_fn, weight = PENALTIES[penalty_cfg.name], penalty_cfg.weight
    if penalty_cfg.name == "none":
        return zero_penalty

    def uniform(n):  # n: this rank's share
        return world.shard(interpolation_weights(n * world.size, generator=noise_rng))

    def penalty(critic, real, fake):
        return weight * penalty_fn(critic, real, fake, uniform)

    return penalty
