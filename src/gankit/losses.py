"""GAN losses as pure functions of D's logits, in `d_*` / `g_*` pairs (Goodfellow et al. 2014).

D outputs a logit l; D(x) = sigmoid(l). Using log sigmoid(l) = -softplus(-l) and
log(1 - sigmoid(l)) = -softplus(l) keeps every loss finite where a sigmoid followed by a log
would round to log(0).

Both pairs share D's loss. The minimax value is
    V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],
which D maximises. As the seed's Keras code does, D's loss is the binary cross-entropy of the
concatenated batch [real; fake] with labels [1]*m + [0]*m, i.e. the mean over all 2m samples:
    d_loss = -(1 / 2m) * (sum_i log D(x_i) + sum_j log(1 - D(G(z_j)))) = -V / 2 for equal halves.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def d_logistic_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-mean over the 2m samples of [log D(x)] and [log(1 - D(G(z)))]: BCE with labels 1 and 0."""
    total = F.softplus(-real_logits).sum() + F.softplus(fake_logits).sum()
    return total / (real_logits.numel() + fake_logits.numel())


def g_minimax_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """mean log(1 - D(G(z))), which G minimises: the saturating loss of the minimax game.

    Its gradient vanishes where D confidently rejects the fakes (D(G(z)) -> 0), early in training.
    """
    return -F.softplus(fake_logits).mean()


def g_nonsaturating_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """-mean log D(G(z)): G maximises log D(G(z)), the seed's "label the fakes 1.0" practice.

    Same fixed point as the minimax loss, but strong gradients while D rejects the fakes.
    """
    return F.softplus(-fake_logits).mean()


# name -> (d_loss(real_logits, fake_logits), g_loss(fake_logits))
LOSSES = {
    "non_saturating": (d_logistic_loss, g_nonsaturating_loss),
    "minimax": (d_logistic_loss, g_minimax_loss),
}


@dataclass
class LossConfig:
    name: str = "non_saturating"  # a key of LOSSES: "non_saturating" (the seed) or "minimax"
