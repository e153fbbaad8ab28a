"""A whole split in memory, the order real minibatches are drawn in, and pixels -> model range.

The seed (Atienza, *Advanced Deep Learning with TensorFlow 2 and Keras*, ch. 4) keeps all of
MNIST in memory, draws each real minibatch by `np.random.randint(0, N, size=B)` (with
replacement, no epochs) and divides pixels by 255. `BatchSampler(order="random_index")` and
`to_model_range(x, 0.0, 1.0)` are those two choices; `order="permutation"` is the usual
epoch-based alternative.

The images stay uint8 (47 MB for MNIST's train split, not 188 MB as float32); each batch is
converted to floats on its way into the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gankit.data.cifar import read_cifar_split
from gankit.data.idx import read_idx
from gankit.data.locate import find_file, get_spec, locate_dataset
from gankit.data.registry import SPLITS, CifarSpec, DatasetSpec
from gankit.errors import CheckpointError, ConfigError, DataError


@dataclass
class ImageSet:
    """One split of a dataset, all in memory."""

    images: torch.Tensor  # uint8 (N, C, H, W), 0..255, C = 1 or 3 (MNIST: 0 is background, 255 ink)
    labels: torch.Tensor  # int64 (N,), values in [0, len(classes))
    name: str  # registry name, e.g. "mnist"
    classes: tuple[str, ...]  # label k is classes[k]
    source: str = ""  # where the files were found, for the console: "the copy inside gankit (FOLDER)"

    def __len__(self) -> int:
        return self.images.shape[0]


def load_split(
    name: str,
    split: str = "train",
    data_dir: str | Path | None = None,
    *,
    download: bool = True,
    mirrors: list[str] | None = None,
) -> ImageSet:
    """Read split "train" or "test" of dataset `name`; the folder is found by `locate_dataset`.

    Raises `DataError` for an unknown split, files not found, unreadable or corrupt files, an
    image/label count mismatch, or labels outside [0, number of classes). CIFAR-10's batches
    are read by `gankit.data.cifar`, which never runs pickle code.
    """
    spec = get_spec(name)
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r} of {name}; known splits: {', '.join(SPLITS)}")
    located = locate_dataset(name, data_dir, download=download, mirrors=mirrors)
    folder = located.folder
    if isinstance(spec, CifarSpec):
        images, labels = read_cifar_split(_require(folder, spec.archive.name), spec, split)
    else:
        images, labels = _read_idx_split(spec, folder, split)
    return ImageSet(
        images=torch.from_numpy(images),
        labels=torch.from_numpy(labels.astype(np.int64)),
        name=name,
        classes=spec.classes,
        source=f"{located.source} ({folder})",
    )


def _read_idx_split(spec: DatasetSpec, folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 1, H, W), labels (N,)) from the split's pair of IDX files, checked."""
    image_file, label_file = spec.split_files(split)
    images_path = _require(folder, image_file.name)
    labels_path = _require(folder, label_file.name)
    images, labels = read_idx(images_path), read_idx(labels_path)
    _check_pair(images, labels, images_path, labels_path, num_classes=len(spec.classes),
                size=spec.image_shape[1:], title=spec.title)
    return images[:, None], labels  # (N, H, W) -> (N, 1, H, W)


def _require(folder: Path, file_name: str) -> Path:
    path = find_file(folder, file_name)
    if path is None:  # it was there when dataset_dir looked
        raise DataError(f"{folder / file_name}: file not found (nor .gz); put it back or "
                        "delete the folder to download it again")
    return path


def _check_pair(images: np.ndarray, labels: np.ndarray, images_path: Path, labels_path: Path,
                *, num_classes: int, size: tuple[int, int], title: str) -> None:
    """Shapes, dtypes, counts and label range of an images/labels pair, as IDX gives them; every
    image must be (H, W) = `size`, the dataset's declared shape, as the models are built for it."""
    fix = "delete the file and download it again"
    if images.dtype != np.uint8 or images.ndim != 3:
        raise DataError(f"{images_path}: expected uint8 images of shape (N, H, W), found "
                        f"{images.dtype} {images.shape}; is it an images file? {fix}")
    if images.shape[1:] != tuple(size):
        raise DataError(f"{images_path}: images are {images.shape[1]}x{images.shape[2]} (H x W), but {title} "
                        f"images are {size[0]}x{size[1]}; is it {title}'s file? {fix}")
    if labels.ndim != 1 or labels.dtype.kind not in "ui":
        raise DataError(f"{labels_path}: expected integer labels of shape (N,), found "
                        f"{labels.dtype} {labels.shape}; is it a labels file? {fix}")
    if len(images) != len(labels):
        raise DataError(f"{images_path} has {len(images)} images but {labels_path} has "
                        f"{len(labels)} labels; they come from different splits or datasets, "
                        "delete both and download again")
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if bad.size:
        raise DataError(f"{labels_path}: label {labels[bad[0]]} at index {bad[0]} is outside "
                        f"[0, {num_classes}) ({bad.size} bad labels); {fix}")


def to_model_range(batch: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Map uint8 pixels 0..255 linearly onto float32 [low, high]; 0 -> low, 255 -> high.

    (0.0, 1.0) is the seed's `x / 255` exactly (sigmoid generators); (-1.0, 1.0) suits tanh.
    Any shape; returns a new float32 tensor on the same device.
    """
    if batch.dtype != torch.uint8:
        raise TypeError(f"to_model_range expects uint8 pixels, got {batch.dtype}")
    # Divide first, so that (0, 1) is bit-identical to the seed's division by 255.
    return batch.to(torch.float32) / 255.0 * (high - low) + low


class RandomIndexOrder:
    """Independent uniform draws with replacement each step, as the seed's
    `np.random.randint(0, N, size=B)`. No epochs, so nothing to save but the generator."""

    def __init__(self, num_images: int, generator: torch.Generator) -> None:
        self.num_images = num_images
        self.generator = generator

    def next_indices(self, batch_size: int) -> torch.Tensor:
        return torch.randint(0, self.num_images, (batch_size,), generator=self.generator,
                             device=self.generator.device)

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass


class PermutationOrder:
    """Without replacement: a fresh permutation of all N images for each epoch.

    Batches run across epoch boundaries (the tail of one permutation, then the head of the
    next), so every batch has B images and every image is used exactly once per epoch; nothing
    is dropped. A permutation is drawn only when a batch first needs it.
    """

    def __init__(self, num_images: int, generator: torch.Generator) -> None:
        self.num_images = num_images
        self.generator = generator
        self.permutation: torch.Tensor | None = None  # int64 (N,), the current epoch's order
        self.position = 0  # how many of `permutation` are used
        self.permutations_drawn = 0  # epochs started so far

    def next_indices(self, batch_size: int) -> torch.Tensor:
        parts = []
        while batch_size > 0:
            if self.permutation is None or self.position == self.num_images:
                self.permutation = torch.randperm(self.num_images, generator=self.generator,
                                                  device=self.generator.device)
                self.position = 0
                self.permutations_drawn += 1
            take = min(batch_size, self.num_images - self.position)
            parts.append(self.permutation[self.position:self.position + take])
            self.position += take
            batch_size -= take
        return torch.cat(parts)

    def state_dict(self) -> dict[str, Any]:
        return {"position": self.position, "permutations_drawn": self.permutations_drawn,
                "permutation": None if self.permutation is None else self.permutation.clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        permutation, position = state["permutation"], int(state["position"])
        if permutation is not None:
            permutation = torch.as_tensor(permutation, dtype=torch.int64)
            expected = torch.arange(self.num_images, device=permutation.device)
            if permutation.shape != (self.num_images,) or not torch.equal(
                    permutation.sort().values, expected):
                raise CheckpointError(f"sampler state holds no permutation of "
                                      f"{self.num_images} indices; the checkpoint is corrupt")
            permutation = permutation.to(self.generator.device)
        if not 0 <= position <= self.num_images:
            raise CheckpointError(f"sampler position {position} is outside [0, "
                                  f"{self.num_images}]; the checkpoint is corrupt")
        self.permutation, self.position = permutation, position
        self.permutations_drawn = int(state["permutations_drawn"])


# order name -> class; the config's `order` string picks one.
ORDERS: dict[str, type[RandomIndexOrder] | type[PermutationOrder]] = {
    "random_index": RandomIndexOrder,
    "permutation": PermutationOrder,
}


class BatchSampler:
    """Draws real minibatches from an in-memory image tensor in a chosen, resumable order.

    The sampler draws random numbers only from the `generator` passed in, and only inside
    `next_indices`/`next_batch`. To resume exactly, save `state_dict()` and
    `generator.get_state()` at the same step, and restore both.
    """

    def __init__(self, images: torch.Tensor, batch_size: int, *, order: str = "random_index",
                 generator: torch.Generator, labels: torch.Tensor | None = None) -> None:
        """images: uint8 (N, C, H, W), N >= 1; batch_size: B >= 1 (may exceed N); labels: the
        images' int64 (N,) labels, for `next_labeled_batch` (conditional models)."""
        if images.ndim != 4 or images.shape[0] == 0:
            raise ValueError(f"images must be (N, C, H, W) with N >= 1, got {tuple(images.shape)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if order not in ORDERS:
            raise ConfigError(f"unknown sampler order {order!r}; known: {', '.join(ORDERS)}")
        self.images = images
        self.labels = labels
        self.batch_size = batch_size
        self.order = order
        self._order = ORDERS[order](images.shape[0], generator)

    def next_indices(self) -> torch.Tensor:
        """int64 (B,) indices of the next batch, on the generator's device."""
        return self._order.next_indices(self.batch_size)

    def next_batch(self) -> torch.Tensor:
        """The next batch, uint8 (B, C, H, W): a copy gathered with index_select, not a view."""
        indices = self.next_indices().to(self.images.device)
        return self.images.index_select(0, indices)

    def next_labeled_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next batch and its labels: uint8 (B, C, H, W) and int64 (B,). It draws the same
        indices `next_batch` would, so a run's data order does not depend on the model kind."""
        if self.labels is None:
            raise ValueError("this sampler was made without labels")
        indices = self.next_indices().to(self.images.device)
        return self.images.index_select(0, indices), self.labels.index_select(0, indices.to(self.labels.device))

    def state_dict(self) -> dict[str, Any]:
        """Plain data (str/int/None) plus, for "permutation", the current permutation tensor."""
        return {"order": self.order, "num_images": self.images.shape[0],
                **self._order.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from `state_dict()`; `CheckpointError` if it is for another order or N."""
        num_images = self.images.shape[0]
        if state.get("order") != self.order or state.get("num_images") != num_images:
            raise CheckpointError(
                f"sampler state is for order {state.get('order')!r} over "
                f"{state.get('num_images')} images, but this run uses {self.order!r} over "
                f"{num_images}; resume with the same data and sampler order")
        try:
            self._order.load_state_dict(state)
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"sampler state is incomplete or malformed ({err!r}); "
                                  "the checkpoint is corrupt") from None
