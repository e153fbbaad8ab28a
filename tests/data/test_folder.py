"""load_folder on small image folders the tests write: layout, colour, crop, and bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gankit.data import load_folder
from gankit.errors import ConfigError, DataError


def _save(path: Path, array: np.ndarray, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)
    return path


def _solid(h: int, w: int, rgb=None, gray=None) -> np.ndarray:
    if gray is not None:
        return np.full((h, w), gray, np.uint8)
    return np.broadcast_to(np.array(rgb, np.uint8), (h, w, 3)).copy()


def test_rgb_folder_is_centre_cropped_and_resized(tmp_path):
    wide = _solid(40, 60, rgb=(0, 200, 0))
    wide[:, :10] = wide[:, 50:] = (255, 0, 0)  # red bands outside the central 40 x 40 square
    _save(tmp_path / "a.png", wide)
    tall = _solid(90, 64, rgb=(10, 20, 30))
    tall[:13] = tall[77:] = (255, 255, 255)  # white bands outside the central 64 x 64 square
    _save(tmp_path / "b.PNG", tall)
    data = load_folder(tmp_path, size=32, color="auto")
    assert data.images.dtype == torch.uint8 and data.images.shape == (2, 3, 32, 32)
    torch.testing.assert_close(data.images[0], torch.tensor([0, 200, 0], dtype=torch.uint8).view(3, 1, 1).expand(3, 32, 32))
    torch.testing.assert_close(data.images[1], torch.tensor([10, 20, 30], dtype=torch.uint8).view(3, 1, 1).expand(3, 32, 32))
    assert data.labels.tolist() == [0, 0] and data.classes == (tmp_path.name,) and data.name == "folder"


def test_grayscale_folder_auto_and_jpeg(tmp_path):
    gradient = np.tile(np.linspace(0, 255, 28).astype(np.uint8), (28, 1))
    _save(tmp_path / "g.png", gradient)
    _save(tmp_path / "h.jpg", _solid(56, 56, gray=100), quality=95)
    data = load_folder(tmp_path, size=28)
    assert data.images.shape == (2, 1, 28, 28)
    np.testing.assert_array_equal(data.images[0, 0].numpy(), gradient)  # right size: no resampling
    assert abs(data.images[1].float().mean().item() - 100) < 2


def test_explicit_colour_converts(tmp_path):
    _save(tmp_path / "red.png", _solid(32, 32, rgb=(255, 0, 0)))
    _save(tmp_path / "gray.png", _solid(32, 32, gray=7))
    gray = load_folder(tmp_path, size=32, color="grayscale")
    assert gray.images.shape == (2, 1, 32, 32)
    assert gray.images[0].unique().tolist() == [7] and gray.images[1].unique().tolist() == [76]  # ITU-R 601 luma of red
    rgb = load_folder(tmp_path, size=32, color="rgb")
    assert rgb.images.shape == (2, 3, 32, 32) and rgb.images[0].flatten(1).unique(dim=1).flatten().tolist() == [7, 7, 7]


def test_mixed_modes_need_a_choice(tmp_path):
    _save(tmp_path / "colour.png", _solid(32, 32, rgb=(1, 2, 3)))
    _save(tmp_path / "gray.png", _solid(32, 32, gray=9))
    with pytest.raises(DataError) as err:
        load_folder(tmp_path, size=32)
    message = str(err.value)
    assert "mixes grayscale (gray.png) and colour (colour.png)" in message and "--data.color=" in message


def test_class_subfolders_give_labels(tmp_path):
    for name, count in (("cats", 2), ("dogs", 3)):
        for i in range(count):
            _save(tmp_path / name / f"{i}.png", _solid(64, 64, gray=i))
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "cats" / ".DS_Store").write_bytes(b"\0junk")
    data = load_folder(tmp_path, size=64)
    assert data.classes == ("cats", "dogs") and data.labels.tolist() == [0, 0, 1, 1, 1]
    assert data.images.shape == (5, 1, 64, 64)


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path):
    array = np.array([[0, 32896], [65535, 257]], np.uint16).repeat(16, 0).repeat(16, 1)
    _save(tmp_path / "deep.png", array)
    data = load_folder(tmp_path, size=32)
    assert sorted(data.images.unique().tolist()) == [0, 1, 128, 255]


def test_exif_orientation_is_applied(tmp_path):
    stored = np.zeros((32, 32), np.uint8)
    stored[:, :16] = 255  # left half white as stored; orientation 6 shows it rotated 90 degrees clockwise
    exif = Image.Exif()
    exif[0x0112] = 6
    _save(tmp_path / "turned.png", stored, exif=exif)
    image = load_folder(tmp_path, size=32).images[0, 0]
    assert image[:16].float().mean() > 250 and image[16:].float().mean() < 5  # white on top


@pytest.mark.parametrize("name, content, fragment", [
    ("notes.txt", b"hello", "not a PNG or JPEG file"),
    ("noise.png", bytes(range(256)) * 4, "cannot read it as a PNG or JPEG image"),
    ("empty.jpg", b"", "cannot read it as a PNG or JPEG image"),
])
def test_bad_files_are_named(tmp_path, name, content, fragment):
    _save(tmp_path / "good.png", _solid(32, 32, gray=1))
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError) as err:
        load_folder(tmp_path, size=32)
    message = str(err.value)
    assert fragment in message and name in message and "\n" not in message


def test_truncated_and_disguised_files(tmp_path):
    png = _save(tmp_path / "whole.png", np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8))
    (tmp_path / "cut.png").write_bytes(png.read_bytes()[: png.stat().st_size // 2])
    with pytest.raises(DataError, match=r"cut\.png: cannot read it"):
        load_folder(tmp_path, size=32)
    (tmp_path / "cut.png").unlink()
    Image.fromarray(_solid(32, 32, rgb=(1, 2, 3))).save(tmp_path / "anim.png", format="GIF")
    with pytest.raises(DataError, match=r"anim\.png: cannot read it"):
        load_folder(tmp_path, size=32)


def test_bad_folders(tmp_path):
    with pytest.raises(DataError, match="no such folder"):
        load_folder(tmp_path / "absent", size=32)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no PNG or JPEG images"):
        load_folder(tmp_path / "empty", size=32)
    _save(tmp_path / "mixed" / "loose.png", _solid(32, 32, gray=1))
    _save(tmp_path / "mixed" / "cls" / "a.png", _solid(32, 32, gray=1))
    with pytest.raises(DataError, match="holds both files"):
        load_folder(tmp_path / "mixed", size=32)
    (tmp_path / "classes" / "cls").mkdir(parents=True)
    with pytest.raises(DataError, match="class folder without images"):
        load_folder(tmp_path / "classes", size=32)


def test_bad_options(tmp_path):
    _save(tmp_path / "a.png", _solid(32, 32, gray=1))
    with pytest.raises(ConfigError, match="image size 48 is not one of 28, 32, 64"):
        load_folder(tmp_path, size=48)
    with pytest.raises(ConfigError, match="colour mode 'cmyk'"):
        load_folder(tmp_path, size=32, color="cmyk")
