"""The report's latent pictures: a class sweep only for conditional runs, projections of test
images with their neighbours, and a note instead where the test split is missing."""

import numpy as np
import pytest
import torch
from PIL import Image

from gankit.config import load_config
from gankit.errors import DataError
from gankit.report.html import Page, render
from gankit.report.latents import NEIGHBOURS, PROJECTED, SWEEP_ROWS, class_sweep_picture, projection_picture
from gankit.sampling import load_generator, sample

from generator_checkpoints import save_generator_checkpoint


def test_class_sweep_keeps_z_and_changes_the_class(tmp_path):
    generator, cfg = load_generator(save_generator_checkpoint(tmp_path / "c.safetensors", "cgan"))
    picture = class_sweep_picture(generator, cfg, tmp_path / "sweep.png")
    grid = np.asarray(Image.open(tmp_path / "sweep.png"))[::2, ::2]  # drawn at scale 2
    assert grid.shape == (SWEEP_ROWS * 30 + 2, 10 * 30 + 2) and "every class" not in picture.caption
    for row, column in ((0, 0), (2, 7), (3, 9)):  # row S, column C is `sample --seed S --n 1 --class C`
        expected = sample(generator, cfg, 1, seed=row, class_index=column)[0, 0].numpy()
        np.testing.assert_array_equal(grid[2 + 30 * row:30 + 30 * row, 2 + 30 * column:30 + 30 * column], expected)
    plain, plain_cfg = load_generator(save_generator_checkpoint(tmp_path / "u.safetensors"))
    assert class_sweep_picture(plain, plain_cfg, tmp_path / "none.png") is None


def test_projection_picture_rows(tmp_path, tiny_mnist, one_thread):
    generator, cfg = load_generator(save_generator_checkpoint(tmp_path / "u.safetensors"))
    cfg.data.dir = str(tiny_mnist)
    picture = projection_picture(generator, cfg, tmp_path / "projection.png")
    grid = np.asarray(Image.open(tmp_path / "projection.png"))[::2, ::2]
    assert grid.shape == (PROJECTED * 30 + 2, (2 + NEIGHBOURS) * 30 + 2)
    assert picture.caption.count(",") >= PROJECTED - 1 and "RMS pixel error" in picture.caption
    cfg.data.dir = str(tmp_path / "empty")
    with pytest.raises(DataError):
        projection_picture(generator, cfg, tmp_path / "projection.png")


def test_the_section_appears_only_with_pictures():
    page = Page(name="r", summary=[], grids=[], grid_width=0, timelapse=None, figures=[], walk=None, evaluations=[],
                alarms=[], config_text="")
    assert "Inside the latent space" not in render(page)
