"""Your own images: a folder of PNG/JPEG files as an `ImageSet`, centre-cropped and resized.

    data = load_folder("photos/", size=64, color="rgb")   # uint8 (N, 3, 64, 64), labels all 0

Layout, as torchvision's ImageFolder: either every image directly in the folder (one class,
named after the folder), or every image in a subfolder, one subfolder per class (labels in the
sorted order of the subfolder names). Files and folders whose names start with "." are skipped.

Each image is decoded by Pillow (PNG or JPEG only, whatever the suffix claims), turned upright
by its EXIF orientation, converted to the chosen colour mode, centre-cropped to a square of
its shorter side, and resized to `size` x `size` with a Lanczos filter (antialiased when
shrinking). Alpha channels are dropped. 16-bit grayscale is scaled to 8 bits, not clipped.

Any file that is not a readable PNG/JPEG, a folder that mixes images and class subfolders, and,
with `color="auto"`, a folder that mixes grayscale and colour images, are `DataError`s naming
the file and the fix.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from gankit.data.dataset import ImageSet
from gankit.errors import ConfigError, DataError

SIZES = (28, 32, 64)  # square sizes the models are built for
COLORS = ("auto", "grayscale", "rgb")  # "auto": grayscale if every image is, RGB if every image is colour
SUFFIXES = (".png", ".jpg", ".jpeg")  # case-insensitive
FORMATS = ["PNG", "JPEG"]  # what Pillow may decode: a GIF renamed .png is refused
MAX_PIXELS = 8192 * 8192  # an image larger than this is refused from its header, before it is decoded
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "I;16L", "I;16B", "I;16N")  # Pillow modes without colour


def load_folder(folder: str | Path, *, size: int, color: str = "auto") -> ImageSet:
    """Every PNG/JPEG image under `folder` as uint8 (N, C, size, size), C = 1 or 3.

    size: one of `SIZES`; color: one of `COLORS`. Labels come from class subfolders, if any.
    Raises `DataError` for a missing or empty folder and any bad file, `ConfigError` for a bad
    size or colour.
    """
    if size not in SIZES:
        raise ConfigError(f"image size {size} is not one of {', '.join(map(str, SIZES))}")
    if color not in COLORS:
        raise ConfigError(f"colour mode {color!r} is not one of {', '.join(COLORS)}")
    root = Path(folder).expanduser().absolute()
    if not root.is_dir():
        raise DataError(f"{root}: no such folder (--data.folder); pass a folder of PNG/JPEG images")
    files, labels, classes = _list_images(root)
    mode = _pick_mode([_read(path, decode=False).mode for path in files], files, color, root)
    images = np.empty((len(files), 1 if mode == "L" else 3, size, size), np.uint8)
    for i, path in enumerate(files):  # one full-size image in memory at a time
        images[i] = _prepare(path, _read(path, decode=True), mode, size)
    return ImageSet(images=torch.from_numpy(images), labels=torch.tensor(labels, dtype=torch.int64),
                    name="folder", classes=classes, source=f"the folder {root}")


def _list_images(root: Path) -> tuple[list[Path], list[int], tuple[str, ...]]:
    """(image paths, labels, class names) in sorted order; checks the layout and the suffixes."""
    entries = _visible(root)
    subfolders = [p for p in entries if p.is_dir()]
    top_files = [p for p in entries if not p.is_dir()]
    if subfolders and top_files:
        raise DataError(f"{root}: holds both files ({top_files[0].name}) and subfolders "
                        f"({subfolders[0].name}); put all images in the folder itself, or each "
                        "in a subfolder named after its class")
    if not subfolders:
        _check_suffixes(top_files)
        if not top_files:
            raise DataError(f"{root}: no PNG or JPEG images in this folder; put your images "
                            f"({', '.join(SUFFIXES)}) in it")
        return top_files, [0] * len(top_files), (root.name,)
    files, labels = [], []
    for label, sub in enumerate(subfolders):
        inside = _visible(sub)
        if nested := [p for p in inside if p.is_dir()]:
            raise DataError(f"{nested[0]}: folders inside a class folder are not read; move its "
                            f"images up into {sub}")
        _check_suffixes(inside)
        if not inside:
            raise DataError(f"{sub}: class folder without images; remove it or add images")
        files += inside
        labels += [label] * len(inside)
    return files, labels, tuple(p.name for p in subfolders)


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _check_suffixes(files: list[Path]) -> None:
    for path in files:
        if path.suffix.lower() not in SUFFIXES:
            raise DataError(f"{path}: not a PNG or JPEG file (only {', '.join(SUFFIXES)} are "
                            "read); move it out of the image folder")


def _read(path: Path, *, decode: bool) -> Image.Image:
    """The upright decoded image, or with `decode=False` only its header (mode, size): cheap.

    `DataError` if Pillow cannot identify the file, or (decoding) cannot read all of it.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # `check_pixels` refuses those
            with Image.open(path, formats=FORMATS) as image:
                check_pixels(path, image.size)
                if not decode:
                    return image
                image.load()  # truncated files fail here
                return ImageOps.exif_transpose(image)  # a new image: valid after the file closes
    except DataError:
        raise
    except Exception as err:  # noqa: BLE001 - Pillow raises many kinds for bad files
        reason = " ".join(str(err).split()) or type(err).__name__
        raise DataError(f"{path}: cannot read it as a PNG or JPEG image ({reason}); "
                        "replace or remove the file") from None


def check_pixels(path: Path, size: tuple[int, int]) -> None:
    """`DataError` if an image of `size` (width, height, from its header) is over `MAX_PIXELS`:
    a decompression bomb, or a photo far larger than any model here takes."""
    width, height = size
    if width * height > MAX_PIXELS:
        raise DataError(f"{path}: {width}x{height} pixels, more than gankit decodes "
                        f"({MAX_PIXELS:,}); shrink it or remove it")


def _pick_mode(modes: list[str], files: list[Path], color: str, root: Path) -> str:
    """Pillow's target mode, "L" or "RGB", given the files' modes; with "auto", refuses a mix
    of grayscale and colour."""
    if color != "auto":
        return "L" if color == "grayscale" else "RGB"
    gray = [mode in GRAY_MODES for mode in modes]
    if all(gray):
        return "L"
    if not any(gray):
        return "RGB"
    example_gray, example_colour = files[gray.index(True)], files[gray.index(False)]
    raise DataError(f"{root}: mixes grayscale ({example_gray.name}) and colour "
                    f"({example_colour.name}) images; pass --data.color=grayscale or "
                    "--data.color=rgb to convert them all")


def _prepare(path: Path, image: Image.Image, mode: str, size: int) -> np.ndarray:
    """uint8 (C, size, size): converted, centre-cropped to a square, resized."""
    if image.mode == "F":
        raise DataError(f"{path}: floating-point image (mode F) has no defined pixel range; "
                        "save it as 8-bit PNG or JPEG")
    if image.mode.startswith("I"):  # 16-bit grayscale: 0..65535 -> 0..255 (Pillow would clip)
        scaled = np.clip(np.rint(np.asarray(image, dtype=np.float64) / 257.0), 0, 255)
        image = Image.fromarray(scaled.astype(np.uint8), mode="L")
    image = image.convert(mode)
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    if side != size:
        image = image.resize((size, size), Image.Resampling.LANCZOS)
    array = np.asarray(image, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
