"""Projection: the latent z (and, for a conditional G, the class) whose image is closest to a
given image, found by gradient descent on z with G fixed (as in Zhu et al. 2016, "Generative
Visual Manipulation on the Natural Image Manifold"; Karras et al. 2020, StyleGAN2's projector).

For a target t and a candidate image x = G(z[, y]), both scaled to [0, 1]:

    loss(z) = mean over pixels (x - t)^2  +  FEATURE_WEIGHT * mean over 256 features (f(x) - f(t))^2

where f is the dataset's judge network (`gankit.judges`, its penultimate layer), which rewards
the right strokes more than the right grey levels. For a conditional G the judge also checks
the class: + CLASS_WEIGHT * cross-entropy(judge logits of x, y), so that a candidate whose z
draws another class than its label y (z can overpower a label) does not win with a wrong class. Runs without a judge (folders of images,
CIFAR-10) use the pixel term alone. Every target is searched from `restarts` random starts,
and for a conditional G from every class at each start, all at once as one batch; Adam moves
each z, a uniform z is clamped back into its cube after every step, and the candidate with the
lowest final loss wins.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .judges import JUDGES, load_judge
from .latent import LATENTS
from .models import is_conditional
from .sampling import sample_latents
from .truncation import CENTRES

FEATURE_WEIGHT = 0.1  # judge features are post-ReLU, about 10x the size of pixel differences
CLASS_WEIGHT = 0.01  # a wrong class costs about 0.05, a pixel loss's size; a right one about 1e-4
LEARNING_RATE = 0.05  # Adam's, on z; uniform z spans [-1, 1]


@dataclass
class Projection:
    z: torch.Tensor  # float32 (N, z_dim): the best latents, one per target
    labels: torch.Tensor | None  # int64 (N,): their classes (conditional G), else None
    images: torch.Tensor  # uint8 (N, C, H, W): G's images of z, as `gankit sample --z` draws them
    errors: list[float]  # per target: root mean square pixel error of `images`, pixels in [0, 1]
    judged: bool  # whether the loss had the judge-feature term


def unit_range(images: torch.Tensor, value_range: tuple[float, float]) -> torch.Tensor:
    """G's float images in `value_range` -> [0, 1], differentiably."""
    low, high = value_range
    return (images - low) / (high - low)


def pixel_errors(images: torch.Tensor, targets: torch.Tensor) -> list[float]:
    """Root mean square difference per image of uint8 (N, C, H, W) images, in [0, 1] units."""
    diff = images.float() / 255 - targets.float() / 255
    return diff.flatten(1).pow(2).mean(1).sqrt().tolist()


def judge_for(cfg, image_shape: tuple[int, int, int]):
    """The run's judge network (eval mode), or None where its data has none or G's images do not fit it."""
    if cfg.data.folder or cfg.data.name not in JUDGES or tuple(image_shape) != (1, 28, 28):
        return None
    return load_judge(cfg.data.name)


def project(generator: torch.nn.Module, cfg, targets: torch.Tensor, *, steps: int = 200, restarts: int = 4,
            seed: int = 0) -> Projection:
    """The latents (and classes) of G = `generator` (eval mode, run config `cfg`) whose images are
    closest to `targets`, uint8 (N, C, H, W) in G's image shape, after `steps` Adam steps from
    `restarts` random starts per target (times every class, for a conditional G)."""
    judge = judge_for(cfg, targets.shape[1:])
    n, classes = len(targets), cfg.model.num_classes if is_conditional(cfg.model) else 1
    candidates = restarts * classes  # per target, laid out (restart, class)
    z = LATENTS[cfg.model.z_dist](n * candidates, cfg.model.z_dim, torch.Generator().manual_seed(seed))
    labels = torch.arange(classes).repeat(n * restarts) if classes > 1 else None
    goal = (targets.float() / 255).repeat_interleave(candidates, dim=0)
    goal_features = judge.features(goal * 2 - 1).detach() if judge else None
    z = z.requires_grad_(True)
    optimiser = torch.optim.Adam([z], lr=LEARNING_RATE)
    _, box = CENTRES[cfg.model.z_dist]
    for _ in range(steps):
        losses = candidate_losses(generator, z, labels, goal, judge, goal_features)
        optimiser.zero_grad()
        z.grad, = torch.autograd.grad(losses.sum(), z)  # G's and the judge's weights need no gradient
        optimiser.step()
        if box:
            with torch.no_grad():
                z.clamp_(*box)
    with torch.no_grad():
        losses = candidate_losses(generator, z, labels, goal, judge, goal_features)
    best = losses.view(n, candidates).argmin(dim=1) + torch.arange(n) * candidates
    best_z, best_labels = z.detach()[best].clone(), labels[best] if labels is not None else None
    images = sample_latents(generator, best_z, best_labels)
    return Projection(best_z, best_labels, images, pixel_errors(images, targets), judge is not None)


def candidate_losses(generator, z, labels, goal, judge, goal_features) -> torch.Tensor:
    """(M,) loss of every candidate z (M, z_dim) against its goal image (M, C, H, W) in [0, 1]."""
    images = unit_range(generator(z) if labels is None else generator(z, labels), generator.output_range)
    losses = (images - goal).flatten(1).pow(2).mean(1)
    if judge is not None:
        features = judge.features(images * 2 - 1)
        losses = losses + FEATURE_WEIGHT * (features - goal_features).pow(2).mean(1)
        if labels is not None:
            losses = losses + CLASS_WEIGHT * F.cross_entropy(judge.head(features), labels, reduction="none")
    return losses
