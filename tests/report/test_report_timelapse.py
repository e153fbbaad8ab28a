"""The timelapse: grids in step order, evenly picked frames, a GIF that shows them all."""

import numpy as np
import pytest
from PIL import Image

from gankit.images import save_png
from gankit.report.timelapse import (captioned, labelled_rows, pick_evenly, posterize, sample_grids,
                                     save_timelapse, timelapse_frames)


def test_pick_evenly_keeps_the_first_and_the_last():
    assert pick_evenly(list(range(41)), 11) == list(range(0, 41, 4))
    assert pick_evenly(list(range(10)), 3) == [0, 4, 9]  # round(4.5) = 4
    assert pick_evenly(list(range(5)), 0) == list(range(5))
    assert pick_evenly(list(range(5)), 9) == list(range(5))
    assert pick_evenly(list(range(5)), 1) == [4]


def test_posterize_keeps_black_and_white_and_uses_the_levels():
    values = np.arange(256, dtype=np.uint8)
    out = posterize(values, 16)
    assert out[0] == 0 and out[255] == 255 and len(np.unique(out)) == 16
    assert np.all(np.diff(out.astype(int)) >= 0)


@pytest.fixture
def run_with_grids(tmp_path):
    """Grids whose brightness is their step / 10, as PNGs named like a run's samples."""
    (tmp_path / "samples").mkdir()
    for step in (1000, 0, 50, 500):
        save_png(tmp_path / "samples" / f"step-{step:09d}.png", np.full((10, 12, 1), step // 10, np.uint8))
    (tmp_path / "samples" / "notes.txt").write_text("not a grid")
    return tmp_path


def test_grids_come_in_step_order(run_with_grids):
    assert [step for step, _ in sample_grids(run_with_grids)] == [0, 50, 500, 1000]


def test_the_gif_shows_every_grid_in_order_and_holds_the_last(run_with_grids, tmp_path):
    frames = timelapse_frames(sample_grids(run_with_grids), scale=2)
    assert [f.shape for f in frames] == [(20 + 18, 24, 1)] * 4  # upscaled 2x, an 18-pixel caption below
    save_timelapse(tmp_path / "t.gif", frames, levels=256)
    gif = Image.open(tmp_path / "t.gif")
    assert gif.n_frames == 4
    brightness, durations = [], []
    for i in range(4):
        gif.seek(i)
        brightness.append(np.asarray(gif.convert("L"))[5, 5])
        durations.append(gif.info["duration"])
    assert brightness == [0, 5, 50, 100]
    assert durations[-1] > durations[0]


def test_caption_and_labels_add_text_beside_the_picture():
    picture = np.zeros((30, 40, 1), np.uint8)
    framed = captioned(picture, "step 1,000")
    assert framed.shape == (48, 40, 1) and framed[30:].max() > 128 and framed[:30].max() == 0
    rows = labelled_rows([("linear", picture), ("spherical", picture)], label_width=80)
    assert rows.shape == (60, 120, 1) and rows[:, :80].max() > 128 and rows[:, 80:].max() == 0
