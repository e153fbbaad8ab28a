"""Differentiable image transforms for augmenting what D sees (Zhao et al. 2020, DiffAugment;
Karras et al. 2020, ADA), each with the same contract:

    transform(x, apply, *, low, high, generator) -> y

x: (N, C, H, W) float images in [low, high] (G's output range); apply: (N,) bool, which images
are transformed (the others come back unchanged, exactly); generator: every random draw comes
from it (the run's noise generator, saved in checkpoints), on x's device. y has x's shape and
stays in [low, high]; it is a differentiable function of x (indexing, blending, clamping), so
G's gradient flows through the transform in G's step. Areas a transform uncovers (translation,
cutout) are filled with `low`, the background of gankit's datasets (MNIST's black).
"""

import torch
import torch.nn.functional as F

TRANSLATION_RATIO = 1 / 8  # translation: up to this share of the size in each direction (DiffAugment)
CUTOUT_RATIO = 1 / 2  # cutout: a square of this share of the size (DiffAugment)


def _uniform(n: int, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(n, 1, 1, 1) floats in [0, 1) from `generator`, on x's device and dtype."""
    return torch.rand(n, 1, 1, 1, generator=generator, device=x.device).to(x.dtype)


def _where(apply: torch.Tensor, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return torch.where(apply.view(-1, 1, 1, 1), y, x)


def flip(x, apply, *, low, high, generator):
    """Mirror left-right (ADA's xflip). For data whose orientation matters, leave it out."""
    return _where(apply, x.flip(3), x)


def rot90(x, apply, *, low, high, generator):
    """Rotate by 90, 180 or 270 degrees, uniformly (ADA's rotate90); square images only."""
    k = torch.randint(1, 4, (len(x),), generator=generator, device=x.device) * apply
    turns = torch.stack([torch.rot90(x, i, dims=(2, 3)) for i in range(4)])  # (4, N, C, H, W)
    return turns[k, torch.arange(len(x), device=x.device)]


def translation(x, apply, *, low, high, generator):
    """Shift by a whole number of pixels, up to TRANSLATION_RATIO of the size in x and y."""
    n, _, h, w = x.shape
    shift = max(1, int(h * TRANSLATION_RATIO + 0.5))
    dy, dx = (torch.randint(-shift, shift + 1, (n, 1), generator=generator, device=x.device) * apply.view(-1, 1)
              for _ in range(2))
    padded = F.pad(x, [shift] * 4, value=low)
    rows = torch.arange(h, device=x.device) + shift - dy  # (N, H)
    cols = torch.arange(w, device=x.device) + shift - dx  # (N, W)
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded[batch, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)


def color(x, apply, *, low, high, generator):
    """Brightness (+-half the range), saturation (x0..2, colour images) and contrast (x0.5..1.5),
    as DiffAugment's rand_brightness, rand_saturation, rand_contrast; clamped to [low, high]."""
    n, span = len(x), high - low
    y = x + (_uniform(n, x, generator) - 0.5) * span
    mean = y.mean(dim=1, keepdim=True)
    y = (y - mean) * (_uniform(n, x, generator) * 2) + mean
    mean = y.mean(dim=(1, 2, 3), keepdim=True)
    y = (y - mean) * (_uniform(n, x, generator) + 0.5) + mean
    return _where(apply, y.clamp(low, high), x)


def cutout(x, apply, *, low, high, generator):
    """Fill a square of CUTOUT_RATIO of the size, at a random centre, with `low`."""
    n, _, h, w = x.shape
    size_y, size_x = int(h * CUTOUT_RATIO + 0.5), int(w * CUTOUT_RATIO + 0.5)
    cy = torch.randint(0, h + (1 - size_y % 2), (n, 1, 1), generator=generator, device=x.device)
    cx = torch.randint(0, w + (1 - size_x % 2), (n, 1, 1), generator=generator, device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    top, left = cy - size_y // 2, cx - size_x // 2  # the square may reach past the edges
    hole = (ys >= top) & (ys < top + size_y) & (xs >= left) & (xs < left + size_x)  # (N, H, W)
    hole = hole[:, None] & apply.view(-1, 1, 1, 1)  # (N, 1, H, W)
    return torch.where(hole, torch.full_like(x, low), x)


# name -> transform; policies pick from this table by name (`augment.transforms`)
TRANSFORMS = {"flip": flip, "translation": translation, "rot90": rot90, "color": color, "cutout": cutout}
