"""The lab's 2-D data: gankit's toy mixtures, two of GAN Lab's shapes, and the user's own points.

    ring, grid  gankit.toy.data's mixtures (modes, so the page can count mode coverage)
    line        points spread evenly along a segment (GAN Lab's "line")
    disjoint    two separate uniform squares (GAN Lab's "disjoint regions")
    custom      points the user drew with the mouse or uploaded as a CSV (`parse_points`)

The user's points are kept on a grid (`on_grid`): int16 multiples of a power of two, a step below
max|coordinate| / 16383, far below the 2 % jitter `PointCloud` adds. So the page's link
carries them exactly (`point_links`) and a link trains on the very same numbers.

Each is a `Points` source: `sample(n, generator=)` -> float32 (n, 2), `extent` (half the side of
the square the page draws), and `mixture` (the Gaussian modes, or None where there are none).
"""

import math
from dataclasses import dataclass

import torch

from gankit.errors import GankitError
from gankit.toy.data import TOY_DATA, Mixture

MAX_POINTS = 5000  # points a drawing or CSV may hold
MAX_COORDINATE = 1000.0  # |x|, |y| of a user's point
MAX_CSV_BYTES = 256 * 1024  # an upload larger than this is refused before it is parsed
GRID_INTS = 32767  # user points are int16 multiples of 2**E (`grid_exponent`)
MIN_GRID_EXPONENT = -40  # the finest grid step, 2**-40 (points all near 0 get this one)


class PointsError(GankitError):
    """User points the lab cannot use; the message says which line and why."""


@dataclass(frozen=True)
class MixturePoints:
    """A Gaussian mixture of gankit.toy.data, with its modes."""

    mixture: Mixture

    def sample(self, n: int, *, generator: torch.Generator) -> torch.Tensor:
        return self.mixture.sample(n, generator=generator)

    @property
    def extent(self) -> float:
        return self.mixture.extent


@dataclass(frozen=True)
class UniformBoxes:
    """Uniform points in one or more axis-aligned boxes, each (x0, y0, x1, y1), picked with equal chance."""

    boxes: torch.Tensor  # float32 (B, 4)
    extent: float
    mixture: None = None

    def sample(self, n: int, *, generator: torch.Generator) -> torch.Tensor:
        box = self.boxes[torch.randint(0, len(self.boxes), (n,), generator=generator)]
        u = torch.rand(n, 2, generator=generator)
        return box[:, :2] + u * (box[:, 2:] - box[:, :2])


@dataclass(frozen=True)
class PointCloud:
    """The user's points (N, 2): each sample is one of them, picked uniformly, plus a little noise
    (`jitter` x the cloud's spread) so that G is not asked to hit exact points."""

    points: torch.Tensor  # float32 (N, 2)
    jitter: float = 0.02
    mixture: None = None

    def sample(self, n: int, *, generator: torch.Generator) -> torch.Tensor:
        picked = self.points[torch.randint(0, len(self.points), (n,), generator=generator)]
        return picked + self.jitter * self.extent * torch.randn(n, 2, generator=generator)

    @property
    def extent(self) -> float:
        return max(float(self.points.abs().max()) * 1.25, 1e-3)


# name -> 2-D data source
LAB_DATA = {
    "ring": MixturePoints(TOY_DATA["ring"]),
    "grid": MixturePoints(TOY_DATA["grid"]),
    "line": UniformBoxes(torch.tensor([[-2.0, -0.02, 2.0, 0.02]]), extent=3.0),
    "disjoint": UniformBoxes(torch.tensor([[-2.0, -2.0, -0.5, -0.5], [0.5, 0.5, 2.0, 2.0]]), extent=3.0),
}


def grid_exponent(points: torch.Tensor) -> int:
    """E of the grid 2**E that `points` (N, 2) are kept on: the finest power of two whose int16
    multiples reach max|coordinate|, in [MIN_GRID_EXPONENT, 0] for coordinates within ±1000."""
    largest = float(points.abs().max())
    exponent = MIN_GRID_EXPONENT
    if largest > 0:
        exponent = max(MIN_GRID_EXPONENT, math.ceil(math.log2(largest / GRID_INTS)))
    while largest / 2.0**exponent > GRID_INTS:  # log2's last-bit rounding
        exponent += 1
    return exponent


def on_grid(points: torch.Tensor) -> torch.Tensor:
    """float32 (N, 2): `points` rounded to the grid 2**grid_exponent(points). Exact and
    idempotent: a point on its grid stays where it is (int16 x 2**E is a float32)."""
    step = 2.0 ** grid_exponent(points)
    return (torch.round(points.double() / step) * step).float()


def check_points(points: torch.Tensor) -> torch.Tensor:
    """`points` (N, 2) as float32 on their grid (`on_grid`) if the lab can train on them, else
    PointsError."""
    if points.ndim != 2 or points.shape[1] != 2:
        raise PointsError(f"points must be pairs (x, y); got shape {tuple(points.shape)}")
    if len(points) < 2:
        raise PointsError(f"need at least 2 points, got {len(points)}")
    if len(points) > MAX_POINTS:
        raise PointsError(f"at most {MAX_POINTS} points, got {len(points)}")
    if not torch.isfinite(points).all() or points.abs().max() > MAX_COORDINATE:
        raise PointsError(f"coordinates must be finite numbers within ±{MAX_COORDINATE:g}")
    return on_grid(points)


def parse_points(text: str) -> torch.Tensor:
    """float32 (N, 2) from CSV text: one `x,y` per line; blank lines, `#` comments and a first line
    that is a header (e.g. `x,y`) are skipped. Any other line that is not two numbers raises
    PointsError naming it."""
    if len(text.encode("utf-8", "replace")) > MAX_CSV_BYTES:
        raise PointsError(f"the CSV is larger than {MAX_CSV_BYTES // 1024} KB")
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        cells = [cell.strip() for cell in line.replace(";", ",").replace("\t", ",").split(",")]
        try:
            if len(cells) != 2:
                raise ValueError
            rows.append((float(cells[0]), float(cells[1])))
        except ValueError:
            if not rows and number == 1:  # a header line
                continue
            raise PointsError(f"line {number}: expected two numbers 'x,y', got {line[:40]!r}") from None
        if len(rows) > MAX_POINTS:
            raise PointsError(f"at most {MAX_POINTS} points")
    if not rows:
        raise PointsError("the CSV holds no points: write one 'x,y' pair per line")
    return check_points(torch.tensor(rows, dtype=torch.float64))


def data_source(name: str, custom: torch.Tensor | None):
    """The source named `name`; "custom" needs the user's points."""
    if name == "custom":
        if custom is None:
            raise PointsError("data=custom needs points: draw some or upload a CSV")
        return PointCloud(custom)
    return LAB_DATA[name]
