"""Small data on purpose: train on `data.limit` images of a dataset, the rest held out.

    train, held_out, indices = limit_images(data, limit=1000, seed=0)   # indices: int64 (1000,)
    limit_sha256(indices)                                                 # "3f2a...", kept in the config

The choice is random, seeded by `data.limit_seed` alone (not `train.seed`, so runs with
different training seeds compare on the same images) and class-balanced when the images have
more than one class: each class gets `limit // K` images and the first `limit % K` classes one
more (a class with too few gives all it has; the shortfall comes from the other classes at
random). The indices, sorted, name rows of the full training split; a run keeps the list in
`RUN/data_indices.json` and its SHA-256 in the config (`data.limit_sha256`), so a resume, or
another run given that hash, trains on exactly those images or stops with an error.

The images left out are the held-out set the overfitting monitor compares with.
"""

import hashlib

import torch

from gankit.data.dataset import ImageSet
from gankit.errors import ConfigError


def choose_indices(labels: torch.Tensor, *, limit: int, seed: int) -> torch.Tensor:
    """Sorted int64 (limit,) row indices into `labels` (N,) int64, 1 <= limit <= N: the same
    for the same labels, limit and seed; class-balanced when `labels` hold several classes."""
    n = len(labels)
    if not 1 <= limit <= n:
        raise ConfigError(f"data.limit = {limit}: the training split has {n:,} images; choose 1..{n} (0 = all)")
    generator = torch.Generator().manual_seed(seed)
    classes = torch.unique(labels)
    quota = [limit // len(classes) + (k < limit % len(classes)) for k in range(len(classes))]
    chosen, spare = [], []
    for k, count in zip(classes.tolist(), quota):
        members = (labels == k).nonzero().flatten()
        members = members[torch.randperm(len(members), generator=generator)]
        chosen.append(members[:count])
        spare.append(members[count:])
    taken = torch.cat(chosen)
    shortfall = limit - len(taken)
    if shortfall:  # some class had fewer images than its share
        pool = torch.cat(spare)
        taken = torch.cat([taken, pool[torch.randperm(len(pool), generator=generator)[:shortfall]]])
    return taken.sort().values


def limit_sha256(indices: torch.Tensor) -> str:
    """SHA-256 (hex) of the sorted int64 indices: names a subset in a run's config."""
    return hashlib.sha256(indices.to(torch.int64).contiguous().numpy().tobytes()).hexdigest()


def split_images(data: ImageSet, indices: torch.Tensor) -> tuple[ImageSet, ImageSet]:
    """(the images at `indices`, the others), labels and names kept."""
    keep = torch.zeros(len(data), dtype=torch.bool)
    keep[indices] = True

    def part(mask):
        return ImageSet(images=data.images[mask], labels=data.labels[mask], name=data.name,
                        classes=data.classes, source=data.source)

    return part(keep), part(~keep)


def limit_images(data: ImageSet, *, limit: int, seed: int,
                 expected_sha256: str = "") -> tuple[ImageSet, ImageSet, torch.Tensor]:
    """(training images, held-out images, the chosen indices) for `data.limit = limit` > 0.
    `expected_sha256` (a config's `data.limit_sha256`, "" = any) must name the chosen subset."""
    indices = choose_indices(data.labels, limit=limit, seed=seed)
    found = limit_sha256(indices)
    if expected_sha256 and expected_sha256 != found:
        raise ConfigError(f"data.limit_sha256 = {expected_sha256[:16]}...: data.limit = {limit} with "
                          f"data.limit_seed = {seed} now picks other images ({found[:16]}...); the data changed. "
                          "Set --data.limit_sha256= to accept the new subset")
    train, held_out = split_images(data, indices)
    return train, held_out, indices
