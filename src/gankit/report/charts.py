"""Line charts drawn with Pillow: no plotting library, the same picture in the report and as PNG.

Everything is drawn at `SUPERSAMPLE` times the final size and scaled down, which smooths the
lines and the text (Pillow draws neither antialiased).
"""

import math
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

SUPERSAMPLE = 2
MARGIN = {"left": 62, "right": 18, "top": 54, "bottom": 42}  # final pixels around the plot area
INK, GRID, GUIDE = "#222222", "#e4e4e4", "#666666"


@dataclass
class Series:
    """One line: y against x (non-finite y values leave a gap)."""

    label: str
    xs: list[float]
    ys: list[float]
    color: str
    markers: bool = False  # a dot at every point, for sparse series such as evaluations


@dataclass
class Guide:
    """A dashed horizontal reference line, e.g. the 0.5 equilibrium of D's outputs."""

    y: float
    label: str


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round numbers (steps of 1, 2, 2.5 or 5 times a power of ten) covering
    [low, high]: the first <= low, the last >= high."""
    if not high > low:
        low, high = low - 0.5, high + 0.5
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def tick_label(value: float) -> str:
    """2000 -> '2,000', 0.25 -> '0.25', 1e-05 -> '1e-05'."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


def font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size * SUPERSAMPLE)


def line_chart(series: list[Series], *, title: str, y_label: str, x_label: str = "training step",
               guides: list[Guide] = (), y_range: tuple[float, float] | None = None,
               size: tuple[int, int] = (640, 300)) -> Image.Image:
    """An RGB chart of `series` with axes, round-number ticks, a legend and the `guides`.
    `y_range` fixes the y axis (e.g. (0, 1) for probabilities); otherwise it covers the data."""
    s = SUPERSAMPLE
    width, height = size
    image = Image.new("RGB", (width * s, height * s), "white")
    draw = ImageDraw.Draw(image)
    box = (MARGIN["left"] * s, MARGIN["top"] * s, (width - MARGIN["right"]) * s, (height - MARGIN["bottom"]) * s)
    xs = [x for one in series for x in one.xs]
    ys = [y for one in series for y in one.ys if math.isfinite(y)] + [g.y for g in guides]
    x_ticks = nice_ticks(min(xs, default=0), max(xs, default=1))
    y_ticks = nice_ticks(*y_range) if y_range else nice_ticks(min(ys, default=0), max(ys, default=1))
    to_pixel = mapping(box, (x_ticks[0], x_ticks[-1]), (y_ticks[0], y_ticks[-1]))
    draw_axes(draw, box, x_ticks, y_ticks, to_pixel)
    for guide in guides:
        draw_guide(draw, box, guide, to_pixel)
    for one in series:
        draw_series(draw, one, to_pixel)
    draw.text((box[0], 8 * s), title, fill=INK, font=font(15))
    draw_legend(draw, series, left=box[0], top=30 * s)
    draw.text(((box[0] + box[2]) / 2, height * s - 6 * s), x_label, fill=INK, font=font(12), anchor="md")
    label = text_image(y_label, 12).rotate(90, expand=True)
    image.paste(label, (6 * s, (box[1] + box[3] - label.height) // 2))
    return image.resize(size, Image.LANCZOS)


def mapping(box, x_span, y_span):
    """Data (x, y) -> pixel (u, v) inside `box` (left, top, right, bottom); y grows upwards."""
    (left, top, right, bottom), (x0, x1), (y0, y1) = box, x_span, y_span
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    return lambda x, y: (left + (x - x0) / (x1 - x0) * (right - left), bottom - (y - y0) / (y1 - y0) * (bottom - top))


def draw_axes(draw, box, x_ticks, y_ticks, to_pixel) -> None:
    s, (left, top, right, bottom) = SUPERSAMPLE, box
    small = font(11)
    for y in y_ticks:
        v = to_pixel(x_ticks[0], y)[1]
        draw.line([(left, v), (right, v)], fill=GRID, width=s)
        draw.text((left - 6 * s, v), tick_label(y), fill=INK, font=small, anchor="rm")
    for x in x_ticks:
        u = to_pixel(x, y_ticks[0])[0]
        draw.line([(u, top), (u, bottom)], fill=GRID, width=s)
        draw.text((u, bottom + 5 * s), tick_label(x), fill=INK, font=small, anchor="ma")
    draw.rectangle(box, outline=INK, width=s)


def draw_guide(draw, box, guide: Guide, to_pixel) -> None:
    s, (left, _, right, _) = SUPERSAMPLE, box
    v = to_pixel(0, guide.y)[1]
    for u in range(int(left), int(right), 10 * s):
        draw.line([(u, v), (min(u + 6 * s, right), v)], fill=GUIDE, width=s)
    draw.text((right - 4 * s, v - 3 * s), guide.label, fill=GUIDE, font=font(11), anchor="rd")


def draw_series(draw, one: Series, to_pixel) -> None:
    s = SUPERSAMPLE
    run = []  # consecutive finite points, drawn as one line
    for x, y in [*zip(one.xs, one.ys, strict=True), (math.nan, math.nan)]:
        if math.isfinite(y) and math.isfinite(x):
            run.append(to_pixel(x, y))
            continue
        if len(run) > 1:
            draw.line(run, fill=one.color, width=2 * s, joint="curve")
        if one.markers or len(run) == 1:
            for u, v in run:
                draw.ellipse([u - 3 * s, v - 3 * s, u + 3 * s, v + 3 * s], fill=one.color)
        run = []


def draw_legend(draw, series: list[Series], *, left: float, top: float) -> None:
    s, small = SUPERSAMPLE, font(12)
    for one in series:
        draw.line([(left, top + 7 * s), (left + 18 * s, top + 7 * s)], fill=one.color, width=3 * s)
        draw.text((left + 23 * s, top), one.label, fill=INK, font=small)
        left += 23 * s + draw.textlength(one.label, font=small) + 16 * s


def text_image(text: str, size: int) -> Image.Image:
    """`text` on a white background, cropped to it, at supersampled size."""
    typeface = font(size)
    left, top, right, bottom = typeface.getbbox(text)
    image = Image.new("RGB", (right + 2, bottom + 2), "white")
    ImageDraw.Draw(image).text((0, 0), text, fill=INK, font=typeface)
    return image
