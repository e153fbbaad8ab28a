"""The fixed-noise grids of a run over training: the timelapse GIF and the latent-walk picture.

Every grid in RUN/samples/ comes from the same latents (`Session.fixed_z`), so from one frame
to the next only G has changed: the timelapse shows G learning, from noise to digits.
"""

import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .. import images
from .charts import font

_GRID_NAME = re.compile(r"^step-(\d+)\.png$")


def sample_grids(run_dir: Path) -> list[tuple[int, Path]]:
    """(step, path) of every RUN/samples/step-*.png, in step order."""
    found = [(int(m.group(1)), p) for p in (Path(run_dir) / "samples").glob("step-*.png")
             if (m := _GRID_NAME.match(p.name))]
    return sorted(found)


def pick_evenly(items: list, count: int) -> list:
    """`count` items spread evenly over `items`, the first and the last included; all of
    them where `count` is 0 or not smaller than len(items)."""
    if count <= 0 or count >= len(items):
        return list(items)
    if count == 1:
        return [items[-1]]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def captioned(picture: np.ndarray, caption: str) -> np.ndarray:
    """(H, W, C) uint8 with a black strip below it saying `caption` -> (H + 18, W, C)."""
    height, width, channels = picture.shape
    strip = Image.new("L", (width * 2, 36), 0)  # drawn at twice the size, then scaled down: smooth text
    ImageDraw.Draw(strip).text((width, 18), caption, fill=255, font=font(11), anchor="mm")
    strip = np.asarray(strip.resize((width, 18), Image.LANCZOS))[..., None].repeat(channels, axis=2)
    return np.concatenate([picture, strip])


def load_grid(path: Path) -> np.ndarray:
    """A grid PNG as (H, W, C) uint8, C = 1 for grey."""
    array = np.asarray(Image.open(path))
    return array[..., None] if array.ndim == 2 else array[..., :3]


def timelapse_frames(grids: list[tuple[int, Path]], *, count: int = 0, scale: int = 2) -> list[np.ndarray]:
    """At most `count` (0: all) of the grids, spread evenly, each upscaled and captioned 'step N'."""
    return [captioned(images.upscale(load_grid(path), scale), f"step {step:,}")
            for step, path in pick_evenly(grids, count)]


def posterize(picture: np.ndarray, levels: int) -> np.ndarray:
    """uint8 values rounded down to `levels` (a power of two <= 256) evenly spaced ones, 0 and 255 kept."""
    step = 256 // levels
    return (picture // step * (255 // (levels - 1))).astype(np.uint8)


def save_timelapse(path: Path, frames: list[np.ndarray], *, ms_per_frame: int = 200, hold_ms: int = 2000,
                   levels: int = 16) -> None:
    """The frames as a looping GIF that lingers on the last, most trained grid. Values are
    posterized to `levels` grey levels, which makes the file about three times smaller."""
    images.save_gif(path, [posterize(f, levels) for f in frames],
                    ms_per_frame=[ms_per_frame] * (len(frames) - 1) + [hold_ms])


def labelled_rows(rows: list[tuple[str, np.ndarray]], *, label_width: int = 80) -> np.ndarray:
    """(H, W, C) uint8 pictures stacked, each with its label in white on black to its left."""
    width, channels = max(picture.shape[1] for _, picture in rows), rows[0][1].shape[-1]
    out = []
    for label, picture in rows:
        height = picture.shape[0]
        text = Image.new("L", (label_width * 2, height * 2), 0)  # twice the size, then scaled down
        ImageDraw.Draw(text).text((10, height), label, fill=255, font=font(12), anchor="lm")
        row = np.zeros((height, label_width + width, channels), np.uint8)
        row[:, :label_width] = np.asarray(text.resize((label_width, height), Image.LANCZOS))[..., None]
        row[:, label_width:label_width + picture.shape[1]] = picture
        out.append(row)
    return np.concatenate(out)
