"""The report's latent-space pictures beyond the walk: a class sweep at fixed z (conditional runs)
and the projection of a few held-out test images with their neighbours in latent space.

Each returns a `Picture`, or None where it does not apply (an unconditional run has no class
sweep); a projection that cannot be made (no test split on this machine) raises `GankitError`,
which the report turns into a note.
"""

from pathlib import Path

import torch

from .. import images
from ..data import load_split
from ..errors import RunError
from ..latent import LATENTS
from ..models import is_conditional
from ..projection import project
from ..sampling import latents, sample_latents
from ..truncation import CENTRES
from .html import Picture, data_uri

SWEEP_ROWS = 4  # z's of the class sweep: those of seeds 0..3
PROJECTED = 4  # test images projected
NEIGHBOURS, NEIGHBOUR_STEP = 5, 0.15  # neighbours per projection, at z + 0.15 * N(0, 1)
PROJECTION_STEPS, PROJECTION_RESTARTS = 60, 1  # a quick search: the report shows the idea, `gankit project` searches longer


def class_sweep_picture(generator: torch.nn.Module, cfg, path: Path) -> Picture | None:
    """Rows of one z each, drawn as every class: the same style, each digit. None if unconditional."""
    if not is_conditional(cfg.model):
        return None
    k = cfg.model.num_classes
    z = torch.cat([latents(cfg, 1, seed=seed).expand(k, -1) for seed in range(SWEEP_ROWS)])
    drawn = sample_latents(generator, z, torch.arange(k).repeat(SWEEP_ROWS))
    images.save_png(path, images.upscale(images.make_grid(drawn, columns=k), 2))
    caption = (f"Each row keeps one z (that of seeds 0 to {SWEEP_ROWS - 1}) and changes only the class, 0 to {k - 1}: "
               "what z holds is the style (thickness, slant, size), what the label holds is the class. Row S, column "
               "C is `gankit sample --seed S --n 1 --class C`.")
    return Picture("class sweep at fixed z", caption, data_uri(path))


def projection_picture(generator: torch.nn.Module, cfg, path: Path) -> Picture:
    """Rows of: a held-out test image, G's closest image (its projection), then images of nearby z."""
    if cfg.data.folder:
        raise RunError("projection needs a named dataset's test split; this run trained on a folder")
    test = load_split(cfg.data.name, "test", cfg.data.dir or None, download=False)
    targets = test.images[:PROJECTED]
    found = project(generator, cfg, targets, steps=PROJECTION_STEPS, restarts=PROJECTION_RESTARTS)
    steps = LATENTS["normal"](PROJECTED * NEIGHBOURS, cfg.model.z_dim, torch.Generator().manual_seed(0))
    near = found.z.repeat_interleave(NEIGHBOURS, dim=0) + NEIGHBOUR_STEP * steps
    _, box = CENTRES[cfg.model.z_dist]
    near = near.clamp(*box) if box else near
    labels = found.labels.repeat_interleave(NEIGHBOURS) if found.labels is not None else None
    neighbours = sample_latents(generator, near, labels).view(PROJECTED, NEIGHBOURS, *targets.shape[1:])
    rows = torch.cat([targets[:, None], found.images[:, None], neighbours], dim=1).flatten(0, 1)
    images.save_png(path, images.upscale(images.make_grid(rows, columns=2 + NEIGHBOURS), 2))
    errors = ", ".join(f"{e:.3f}" for e in found.errors)
    caption = (f"Left: the first {PROJECTED} test images of {cfg.data.name}, which G never saw. Next: G's closest "
               f"image, found by searching z ({PROJECTION_STEPS} steps; RMS pixel error {errors}, pixels in [0, 1]). "
               f"Then {NEIGHBOURS} images of z nudged by {NEIGHBOUR_STEP} x N(0, 1): a smooth neighbourhood means G "
               "learned a continuous map. Project your own image with `gankit project --run RUN --image IMG.png`.")
    return Picture("projection of test images", caption, data_uri(path))
