"""Images to evaluate: checked uint8 tensors from memory, .npz/.npy files or folders of PNGs.

Everything is converted to uint8 `(N, 1, H, W)`, 0..255 (0 = background). Input that cannot be
that without guessing (floats, whose range is ambiguous; colour PNGs; mixed sizes) is rejected
with a one-line `SampleError` saying what to do instead.
"""

import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from gankit.data.folder import MAX_PIXELS
from gankit.errors import GankitError


class SampleError(GankitError):
    """Images that cannot be evaluated: wrong shape, dtype or range, too few, unreadable."""


def check_images(images, image_shape: tuple[int, int, int], *, min_samples: int,
                 name: str = "images") -> torch.Tensor:
    """A uint8 `(N, *image_shape)` CPU tensor from a tensor or array of shape (N, C, H, W) or
    (N, H, W) (single channel), N >= min_samples. Integers must lie in 0..255; floats are refused."""
    if isinstance(images, np.ndarray):
        if images.dtype.kind not in "biuf":
            raise SampleError(f"{name}: expected uint8 pixels, got dtype {images.dtype}")
        images = torch.from_numpy(np.ascontiguousarray(images))
    if not isinstance(images, torch.Tensor):
        raise SampleError(f"{name}: expected a torch tensor or numpy array, got {type(images).__name__}")
    images = images.detach().cpu()
    if images.ndim == 3 and image_shape[0] == 1:
        images = images.unsqueeze(1)
    if images.ndim != 4 or tuple(images.shape[1:]) != tuple(image_shape):
        raise SampleError(f"{name}: expected shape (N, {', '.join(map(str, image_shape))}) or "
                          f"(N, {image_shape[1]}, {image_shape[2]}), got {tuple(images.shape)}")
    if images.dtype.is_floating_point or images.dtype.is_complex or images.dtype == torch.bool:
        raise SampleError(f"{name}: expected uint8 pixels 0..255, got {images.dtype}; convert first, "
                          "e.g. (x * 255).round().astype(np.uint8) for images in [0, 1]")
    if images.shape[0] < min_samples:
        raise SampleError(f"{name}: need at least {min_samples} images, got {images.shape[0]}")
    if images.dtype != torch.uint8:
        low, high = int(images.min()), int(images.max())
        if low < 0 or high > 255:
            raise SampleError(f"{name}: pixel values must lie in 0..255, got range [{low}, {high}]")
        images = images.to(torch.uint8)
    return images.contiguous()


def load_samples(path: str | Path) -> np.ndarray:
    """Images stored at `path`, unchecked: a .npz (key 'images'), a .npy, or a folder of .png files
    (sorted by name). PNGs must be 8-bit grayscale and all of one size; returns their array."""
    path = Path(path)
    if path.is_dir():
        return _load_png_folder(path)
    if not path.is_file():
        raise SampleError(f"{path}: no such file or folder")
    if path.suffix not in (".npz", ".npy"):
        raise SampleError(f"{path}: expected a .npz or .npy file or a folder of PNGs")
    try:
        data = np.load(path, allow_pickle=False)
        if path.suffix == ".npy":
            return data
        with data:
            if "images" not in data.files:
                raise SampleError(f"{path}: no array 'images' in it (found: {', '.join(data.files) or 'none'}); "
                                  "save with np.savez(path, images=x)")
            return data["images"]
    except SampleError:
        raise
    except Exception as err:  # numpy raises ValueError, OSError, zipfile errors... for bad files
        raise SampleError(f"{path}: not a readable numpy file ({type(err).__name__}: "
                          f"{str(err).splitlines()[0] if str(err) else 'no details'})") from None


def _load_png_folder(folder: Path) -> np.ndarray:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".png")
    if not files:
        raise SampleError(f"{folder}: no .png files in it")
    arrays = []
    for file in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below, in one line
                with Image.open(file, formats=["PNG"]) as image:
                    if image.width * image.height > MAX_PIXELS:  # from the header: nothing decoded yet
                        raise SampleError(f"{file}: {image.width}x{image.height} pixels, more than gankit decodes "
                                          f"({MAX_PIXELS:,}); samples are the size of the dataset's images")
                    mode, array = image.mode, np.asarray(image)
        except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as err:
            raise SampleError(f"{file}: not a readable PNG ({type(err).__name__}: "
                              f"{' '.join(str(err).split())[:200]})") from None
        if mode != "L":
            raise SampleError(f"{file}: expected 8-bit grayscale (mode L), got mode {mode}; "
                              "convert with PIL's image.convert('L')")
        if arrays and array.shape != arrays[0].shape:
            raise SampleError(f"{file}: size {array.shape[1]}x{array.shape[0]} differs from "
                              f"{files[0].name}'s {arrays[0].shape[1]}x{arrays[0].shape[0]}; all images must match")
        arrays.append(array)
    return np.stack(arrays)
