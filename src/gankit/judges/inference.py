"""Judge inference in fixed-size batches: features and class probabilities of uint8 images.

Every forward pass sees exactly `batch_size` images (the last batch is padded with blank images
whose outputs are dropped), in eval mode, so an image's outputs do not depend on how many images
are scored with it; different `batch_size` values agree to float32 rounding.
"""

import torch

from gankit.judges.model import IMAGE_SHAPE, Judge, preprocess
from gankit.workers import map_pieces

DEFAULT_BATCH_SIZE = 500


@torch.no_grad()
def judge_outputs(judge: Judge, images: torch.Tensor, *, batch_size: int = DEFAULT_BATCH_SIZE,
                  workers: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 (N, 1, 28, 28) -> (features float32 (N, 256), probabilities float32 (N, 10)), on the CPU.

    `judge` must be in eval mode (as `load_judge` returns it): BatchNorm then uses its stored
    statistics and dropout is off. On the CPU, `workers` threads run batches at once
    (`gankit.workers.map_pieces`: the same numbers for any count).
    """
    if judge.training:
        raise ValueError("judge_outputs needs the judge in eval mode (call judge.eval())")
    if images.dtype != torch.uint8 or tuple(images.shape[1:]) != IMAGE_SHAPE:
        raise ValueError(f"expected uint8 (N, 1, 28, 28) images, got {images.dtype} {tuple(images.shape)}")
    images = images.cpu()
    device = next(judge.parameters()).device

    def outputs(start: int) -> tuple[torch.Tensor, torch.Tensor]:
        batch = images[start:start + batch_size]
        n = batch.shape[0]
        if n < batch_size:
            batch = torch.cat([batch, batch.new_zeros((batch_size - n, *IMAGE_SHAPE))])
        f, l = judge.features_and_logits(preprocess(batch.to(device)))
        return f[:n].cpu(), l[:n].cpu()

    parts = map_pieces(outputs, range(0, images.shape[0], batch_size), workers=workers if device.type == "cpu" else 1)
    features = torch.cat([f for f, _ in parts]) if parts else torch.empty(0, judge.head.in_features)
    logits = torch.cat([l for _, l in parts]) if parts else torch.empty(0, judge.head.out_features)
    return features, torch.softmax(logits.double(), dim=1).float()


@torch.no_grad()
def feature_classes(judge: Judge, features: torch.Tensor) -> torch.Tensor:
    """(N,) int64 the judge's class for each of `(N, 256)` features it computed: its head on
    them, what `judge_outputs`' probabilities say of the images; on the judge's device."""
    return judge.head(features.to(next(judge.parameters()).device)).argmax(dim=1)
