"""Pillow line charts: round-number ticks, and lines drawn where the data says."""

import math

from hypothesis import given
from hypothesis import strategies as st

from gankit.report.charts import MARGIN, Guide, Series, line_chart, nice_ticks, tick_label


def test_nice_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0, 2000) == [0, 500, 1000, 1500, 2000]
    assert nice_ticks(0.0006, 1.6) == [0, 0.5, 1, 1.5, 2]
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1]
    single = nice_ticks(3, 3)  # one value: a span around it
    assert single[0] < 3 < single[-1] and 3 in single


@given(st.floats(-1e6, 1e6), st.floats(1e-3, 1e6))
def test_nice_ticks_always_cover_and_stay_few(low, span):
    ticks = nice_ticks(low, low + span)
    slack = 1e-8 * (ticks[1] - ticks[0])  # rounding may leave a point a hair outside: invisible
    assert ticks[0] <= low + slack and ticks[-1] >= low + span - slack
    assert 3 <= len(ticks) <= 12
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
    assert len({round(s / max(steps), 6) for s in steps}) == 1  # evenly spaced


def test_tick_labels():
    assert [tick_label(v) for v in (2000, 0.25, 1e-5, -1)] == ["2,000", "0.25", "1e-05", "-1"]


def pixel(image, x, y, *, x_span=(0, 10), y_span=(0, 1), size=(640, 300)):
    """The colour at data point (x, y) of a chart with these spans."""
    left, top = MARGIN["left"], MARGIN["top"]
    right, bottom = size[0] - MARGIN["right"], size[1] - MARGIN["bottom"]
    u = left + (x - x_span[0]) / (x_span[1] - x_span[0]) * (right - left)
    v = bottom - (y - y_span[0]) / (y_span[1] - y_span[0]) * (bottom - top)
    return image.getpixel((round(u), round(v)))


def is_red(rgb) -> bool:
    return rgb[0] > 180 and rgb[1] < 90 and rgb[2] < 90


def test_a_line_is_drawn_where_its_points_are_with_a_gap_at_nan():
    ys = [0.7] * 11
    ys[5] = math.nan
    image = line_chart([Series("x", list(range(11)), ys, "#e00000")], title="t", y_label="y",
                       guides=[Guide(0.5, "")], y_range=(0, 1))
    assert image.size == (640, 300) and image.mode == "RGB"
    assert is_red(pixel(image, 2, 0.7)) and is_red(pixel(image, 8.5, 0.7))
    assert not is_red(pixel(image, 5, 0.7))  # no line through the missing point
    assert not is_red(pixel(image, 2, 0.3))
    grey = pixel(image, 0.2, 0.5)  # the dashed guide starts at the left edge
    assert abs(grey[0] - grey[1]) < 20 and grey[0] < 200
