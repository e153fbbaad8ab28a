"""GAN losses as pure functions of D's logits, in `d_*` / `g_*` pairs.

The original GAN (Goodfellow et al. 2014), least squares (Mao et al. 2017), hinge (Lim & Ye
2017; Miyato et al. 2018) and Wasserstein (Arjovsky et al. 2017). Penalties and constraints
that need D itself, not only its outputs (WGAN-GP, R1, weight clipping), are in
`gankit.penalties`. For the LSGAN, hinge and Wasserstein pairs D's "logit" is an unbounded
score (a critic); only the logistic pairs read it as log-odds.

D outputs a logit l; D(x) = sigmoid(l). Using log sigmoid(l) = -softplus(-l) and
log(1 - sigmoid(l)) = -softplus(l) keeps every loss finite where a sigmoid followed by a log
would round to log(0).

Both pairs share D's loss. The minimax value is
    V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))],
which D maximises. As the seed's Keras code does, D's loss is the binary cross-entropy of the
concatenated batch [real; fake] with labels [1]*m + [0]*m, i.e. the mean over all 2m samples:
    d_loss = -(1 / 2m) * (sum_i log D(x_i) + sum_j log(1 - D(G(z_j)))) = -V / 2 for equal halves.
"""

from collections.abc import Callable
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


def d_least_squares_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """LSGAN's D loss with the 0-1 coding (Mao et al. 2017, eq. 2 with a = 0, b = 1):

        d_loss = 1/2 E_x[(D(x) - 1)^2] + 1/2 E_z[D(G(z))^2]
    """
    return 0.5 * ((real_logits - 1) ** 2).mean() + 0.5 * (fake_logits ** 2).mean()


def g_least_squares_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """LSGAN's G loss, c = 1: g_loss = 1/2 E_z[(D(G(z)) - 1)^2]."""
    return 0.5 * ((fake_logits - 1) ** 2).mean()


def d_hinge_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The hinge loss of SNGAN / SAGAN (Lim & Ye 2017; Miyato et al. 2018):

        d_loss = E_x[max(0, 1 - D(x))] + E_z[max(0, 1 + D(G(z)))]

    D stops being pushed on a sample once it scores it beyond the margin (>= 1 real, <= -1 fake).
    """
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def g_critic_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """G raises the critic's score of its samples: g_loss = -E_z[D(G(z))] (hinge and WGAN)."""
    return -fake_logits.mean()


def d_wasserstein_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The WGAN critic loss (Arjovsky et al. 2017): d_loss = E_z[D(G(z))] - E_x[D(x)].

    -d_loss estimates the Wasserstein-1 distance only while D is (near) 1-Lipschitz, which
    weight clipping (`penalties.clip_weights_`) or the gradient penalty
    (`penalties.d_gradient_penalty`) must enforce; alone, this loss lets D's scores grow
    without bound.
    """
    return fake_logits.mean() - real_logits.mean()


def class_loss(class_logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """ACGAN's auxiliary loss (Odena et al. 2017), added to both D's and G's losses:

        class_loss = -E[log softmax(class_logits)[label]]     class_logits (N, K), labels (N,)

    D learns to name the class of real images (and of fakes, by the label G was asked for); G
    learns to draw images whose class D names correctly.
    """
    return F.cross_entropy(class_logits, labels)


@dataclass(frozen=True)
class Loss:
    """A loss pair and what it makes of D's output (N,) per sample."""

    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (real_logits, fake_logits) -> 0-dim
    g_loss: Callable[[torch.Tensor], torch.Tensor]  # fake_logits -> 0-dim
    # "probability": D's output is a logit, sigmoid(logit) = D(x) in (0, 1), which tends to 1/2 at
    # equilibrium (the stats' d_real / d_fake / g_fake, the health alarms read them);
    # "critic": an unbounded score with no midpoint (d_real_score / d_fake_score / g_fake_score;
    # real minus fake estimates the Wasserstein distance under the WGAN loss).
    d_output: str


# name -> Loss(d_loss(real_logits, fake_logits), g_loss(fake_logits), what D's output means)
LOSSES = {
    "non_saturating": Loss(d_logistic_loss, g_nonsaturating_loss, "probability"),
    "minimax": Loss(d_logistic_loss, g_minimax_loss, "probability"),
    "least_squares": Loss(d_least_squares_loss, g_least_squares_loss, "critic"),
    "hinge": Loss(d_hinge_loss, g_critic_loss, "critic"),
    "wasserstein": Loss(d_wasserstein_loss, g_critic_loss, "critic"),
}


@dataclass
class LossConfig:
    name: str = "non_saturating"  # a key of LOSSES: "non_saturating" (the seed), "minimax", "least_squares", "hinge" or "wasserstein"
