"""Image helpers: model-range floats to uint8, grids, and PNG files (no torchvision)."""

import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .writes import replacing


def to_uint8(images: torch.Tensor, value_range: tuple[float, float]) -> torch.Tensor:
    """(N, C, H, W) floats in `value_range` -> (N, C, H, W) uint8 in 0..255, rounded, clamped."""
    low, high = value_range
    scaled = (images.detach().float().cpu() - low) * (255.0 / (high - low))
    return scaled.round().clamp(0, 255).to(torch.uint8)


def make_grid(images: torch.Tensor, *, columns: int | None = None, padding: int = 2) -> np.ndarray:
    """(N, C, H, W) uint8 -> one (rows*(H+p)+p, columns*(W+p)+p, C) uint8 array, row-major.

    `columns` defaults to ceil(sqrt(N)), so 16 images make the seed's 4x4 grid.
    """
    n, c, h, w = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.zeros((rows * (h + padding) + padding, columns * (w + padding) + padding, c), np.uint8)
    for i, image in enumerate(images.numpy()):
        top, left = padding + (i // columns) * (h + padding), padding + (i % columns) * (w + padding)
        grid[top:top + h, left:left + w] = image.transpose(1, 2, 0)
    return grid


def save_png(path: str | Path, array: np.ndarray) -> None:
    """Write an (H, W, 1) or (H, W, 3) uint8 array as a PNG, whole or not at all; `WriteError` if
    it cannot be written."""
    with replacing(path, "an image") as tmp:
        Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(tmp, format="PNG")


def upscale(array: np.ndarray, factor: int) -> np.ndarray:
    """(H, W, C) -> (H*factor, W*factor, C), each pixel a factor x factor block (no blur)."""
    return array.repeat(factor, axis=0).repeat(factor, axis=1)


def save_gif(path: str | Path, frames: list[np.ndarray], *, ms_per_frame: int | list[int]) -> None:
    """Write (H, W, 1) or (H, W, 3) uint8 arrays, all one size, as a looping animated GIF;
    `ms_per_frame` is one duration for all frames or one per frame."""
    pictures = [Image.fromarray(f[..., 0] if f.shape[-1] == 1 else f) for f in frames]
    with replacing(path, "an animation") as tmp:
        pictures[0].save(tmp, format="GIF", save_all=True, append_images=pictures[1:], duration=ms_per_frame, loop=0,
                         optimize=True, disposal=1)
