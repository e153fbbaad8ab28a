"""A user's own image, made fit for G: read, converted where that is safe, refused where not.

Safe, done with a note: colour to grey for a grey G (and grey to three equal channels for a
colour G); a resize to G's size when the aspect ratio is the same. Refused with one line saying
what to do: unreadable files, another aspect ratio (cropping would be a guess about what
matters), pixel formats that are not 8-bit (16-bit, float: their range is a guess).
"""

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from .errors import GankitError

MODES = {1: "L", 3: "RGB"}  # G's channels -> the PIL mode its images are
CONVERTIBLE = {"L", "LA", "RGB", "RGBA", "P", "1"}  # 8-bit (or 1-bit) modes that convert without a guess


class ImageInputError(GankitError):
    """An image that cannot be given to G."""


def load_user_image(path: str | Path, image_shape: tuple[int, int, int], *,
                    invert: bool = False) -> tuple[torch.Tensor, list[str]]:
    """(uint8 (1, C, H, W) image for a G drawing `image_shape` (C, H, W), notes on what was changed)."""
    path = Path(path)
    channels, height, width = image_shape
    try:
        with Image.open(path) as opened:
            image = opened.copy()
    except FileNotFoundError:
        raise ImageInputError(f"--image {path}: no such file") from None
    except (OSError, UnidentifiedImageError, ValueError) as err:
        raise ImageInputError(f"--image {path}: not a readable image ({type(err).__name__}); give a PNG or JPEG") from None
    notes = []
    if image.mode not in CONVERTIBLE:
        raise ImageInputError(f"--image {path}: pixel format {image.mode} is not 8-bit; save it as an 8-bit "
                              f"{'grayscale' if channels == 1 else 'RGB'} PNG")
    if image.mode != MODES[channels]:
        notes.append(f"converted {image.mode} to {MODES[channels]} ({'grey' if channels == 1 else 'colour'}, as G draws)")
        image = image.convert(MODES[channels])
    if image.size != (width, height):
        if image.size[0] * height != image.size[1] * width:
            raise ImageInputError(f"--image {path}: it is {image.size[0]}x{image.size[1]} and G draws {width}x{height}; "
                                  "crop it to the same aspect ratio first (it is then resized)")
        notes.append(f"resized {image.size[0]}x{image.size[1]} to {width}x{height}")
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    array = np.asarray(image, dtype=np.uint8).reshape(height, width, channels)
    if invert:
        array = 255 - array
        notes.append("inverted (--invert)")
    return torch.from_numpy(array.transpose(2, 0, 1).copy())[None], notes
