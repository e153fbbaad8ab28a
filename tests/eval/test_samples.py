"""Checking and loading images to evaluate: accepted forms and one-line errors for bad input."""

import numpy as np
import pytest
import torch
from PIL import Image

from gankit.eval.samples import SampleError, check_images, load_samples

SHAPE = (1, 28, 28)


def images(n=12, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


def one_line_error(fn, *args, match, **kwargs):
    with pytest.raises(SampleError, match=match) as err:
        fn(*args, **kwargs)
    assert "\n" not in str(err.value)


def test_accepts_uint8_with_and_without_channel_axis():
    x = images()
    a = check_images(x, SHAPE, min_samples=2)
    b = check_images(torch.from_numpy(x).unsqueeze(1), SHAPE, min_samples=2)
    assert a.dtype == torch.uint8 and a.shape == (12, 1, 28, 28)
    assert torch.equal(a, b)


def test_accepts_integers_in_pixel_range():
    x = images().astype(np.int64)
    assert torch.equal(check_images(x, SHAPE, min_samples=2), check_images(images(), SHAPE, min_samples=2))


@pytest.mark.parametrize("bad, match", [
    (images().astype(np.float32), "expected uint8 pixels"),
    (images().astype(np.int64) + 200, r"must lie in 0\.\.255"),
    (images().astype(np.int16) - 1, r"must lie in 0\.\.255"),
    (images() > 0, "expected uint8"),
    (np.zeros((12, 32, 32), np.uint8), "expected shape"),
    (np.zeros((12, 3, 28, 28), np.uint8), "expected shape"),
    (np.zeros((28, 28), np.uint8), "expected shape"),
    (np.zeros((0, 28, 28), np.uint8), "at least 2 images, got 0"),
    (np.zeros((1, 28, 28), np.uint8), "at least 2 images, got 1"),
    (np.array(["a"] * 12, dtype=object), "expected uint8 pixels"),
    ([[0] * 28] * 28, "expected a torch tensor or numpy array"),
])
def test_rejects_bad_images(bad, match):
    one_line_error(check_images, bad, SHAPE, min_samples=2, match=match)


def test_loads_npz_npy_and_png_folder(tmp_path):
    x = images()
    np.savez(tmp_path / "a.npz", images=x)
    np.save(tmp_path / "b.npy", x)
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(x):
        Image.fromarray(image).save(folder / f"{i:03d}.png")
    (folder / "notes.txt").write_text("not an image; ignored")
    for path in (tmp_path / "a.npz", tmp_path / "b.npy", folder):
        np.testing.assert_array_equal(load_samples(path), x)


def test_bad_files(tmp_path):
    np.savez(tmp_path / "nokey.npz", fakes=images())
    one_line_error(load_samples, tmp_path / "nokey.npz", match="no array 'images'.*found: fakes")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    one_line_error(load_samples, tmp_path / "objects.npy", match="not a readable numpy file")
    (tmp_path / "garbage.npz").write_bytes(b"not a zip file")
    one_line_error(load_samples, tmp_path / "garbage.npz", match="not a readable numpy file")
    (tmp_path / "x.txt").write_text("")
    one_line_error(load_samples, tmp_path / "x.txt", match="expected a .npz or .npy")
    one_line_error(load_samples, tmp_path / "missing.npz", match="no such file")


def png_folder(tmp_path, arrays, mode="L"):
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, array in enumerate(arrays):
        Image.fromarray(array).convert(mode).save(folder / f"{i}.png")
    return folder


def test_bad_png_folders(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    one_line_error(load_samples, empty, match="no .png files")
    mixed = png_folder(tmp_path, [np.zeros((28, 28), np.uint8), np.zeros((32, 32), np.uint8)])
    one_line_error(load_samples, mixed, match="size 32x32 differs from 0.png's 28x28")
    (mixed / "1.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    one_line_error(load_samples, mixed, match="1.png: not a readable PNG")


def test_colour_png_is_refused(tmp_path):
    folder = png_folder(tmp_path, images(2), mode="RGB")
    one_line_error(load_samples, folder, match="expected 8-bit grayscale.*got mode RGB")
