"""Class-conditional GANs around an unconditional backbone: CGAN and ACGAN as in the seed's book.

Atienza, *Advanced Deep Learning with TensorFlow 2 and Keras*: ch. 4 (`cgan-mnist-4.3.1.py`,
after Mirza & Osindero 2014) and ch. 5 (`acgan-mnist-5.3.1.py`, after Odena et al. 2017).

CGAN
    G: [z ; one_hot(y)] (N, z_dim + K) -> the backbone's G (its dense layer takes z_dim + K inputs)
    D: one_hot(y) -> Dense(H * W) -> reshape (N, 1, H, W), concatenated to the image as one more
       channel -> the backbone's D on (N, C + 1, H, W) -> logit (N,)
ACGAN
    G: as CGAN's
    D: the backbone's D sees the image alone; after its last convolution stage and flatten, two
       heads: its own Dense(1) -> real/fake logit (N,), and Dense(128) -> Dense(K) -> class
       logits (N, K) (the book's `Dense(layer_filters[-2])` then `Dense(num_labels)`; the
       softmax is folded into the cross-entropy, `gankit.losses.class_loss`)

A backbone is an unconditional entry of `gankit.models.MODELS` whose G starts with `dense` on the
latent, and whose D is `stages` (convolutions) then `dense` on the flattened features, as
"dcgan" (the seed) and "dcgan_radford" are; its classes are passed in (`backbone=`), so this
module needs no table. Every network here is called as every G and D is (`gankit.step`).
"""

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig
from .init import INITS

AUX_HIDDEN = 128  # the book's Dense(layer_filters[-2]) before the class logits


def classes_in_turn(n: int, num_classes: int, *, device=None) -> torch.Tensor:
    """(n,) int64 labels 0, 1, ..., K-1, 0, 1, ...: a grid with K columns shows one class per column."""
    return torch.arange(n, device=device) % num_classes


class ConditionalGenerator(nn.Module):
    """(z (N, z_dim), labels (N,) int64 in [0, K)) -> images (N, C, H, W) in `self.output_range`."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int], *, num_classes: int,
                 backbone: type[nn.Module]):
        """`backbone`: the unconditional G class to wrap."""
        super().__init__()
        self.num_classes = num_classes
        self.net = backbone(dataclasses.replace(cfg, z_dim=cfg.z_dim + num_classes), image_shape)
        self.output_range = self.net.output_range

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """labels None: the classes 0, 1, ..., K-1 in turn (`classes_in_turn`), so that code made
        for unconditional generators (sample grids, evaluation, latent walks) draws every class."""
        if labels is None:
            labels = classes_in_turn(len(z), self.num_classes, device=z.device)
        one_hot = F.one_hot(labels, self.num_classes).to(z.dtype)
        return self.net(torch.cat([z, one_hot], dim=1))


class ConditionalDiscriminator(nn.Module):
    """(images (N, C, H, W), labels (N,)) -> (logits (N,), None): is this a real image *of this class*?"""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int], *, num_classes: int,
                 backbone: type[nn.Module]):
        """`backbone`: the unconditional D class to wrap."""
        super().__init__()
        channels, height, width = image_shape
        self.num_classes = num_classes
        self.label_plane = nn.Linear(num_classes, height * width)  # the label as one image plane
        self.net = backbone(cfg, (channels + 1, height, width))
        INITS[cfg.init](self.label_plane)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, None]:
        one_hot = F.one_hot(labels, self.num_classes).to(images.dtype)
        plane = self.label_plane(one_hot).view(len(images), 1, *images.shape[2:])
        return self.net(torch.cat([images, plane], dim=1))


class AuxiliaryClassifierDiscriminator(nn.Module):
    """(images (N, C, H, W), labels ignored) -> (logits (N,), class_logits (N, K)): D names the
    class itself, so the label is not an input (the step scores the class logits against it)."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int], *, num_classes: int,
                 backbone: type[nn.Module]):
        """`backbone`: the unconditional D class whose `stages` and `dense` it shares."""
        super().__init__()
        self.net = backbone(cfg, image_shape)
        features = self.net.dense.in_features
        self.classifier = nn.Sequential(nn.Linear(features, AUX_HIDDEN), nn.Linear(AUX_HIDDEN, num_classes))
        INITS[cfg.init](self.classifier)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.net.stages(images).flatten(1)
        return self.net.dense(features).squeeze(1), self.classifier(features)
