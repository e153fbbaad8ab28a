"""k-NN radii exclude the point itself; nearest distances of copies are exactly 0."""

import pytest
import torch

from gankit.metrics.neighbours import (
    inside_balls,
    kth_neighbour_radii,
    nearest_distances,
    squared_distances,
)

F64 = torch.float64


def _column(values: list[float]) -> torch.Tensor:
    return torch.tensor(values, dtype=F64)[:, None]


def _radii(values: list[float], k: int, chunk_size: int) -> list[float]:
    return kth_neighbour_radii(_column(values), k, chunk_size=chunk_size).tolist()


def test_kth_radius_excludes_the_point_itself():
    points = [0.0, 1.0, 3.0, 10.0]
    assert _radii(points, 1, chunk_size=2) == pytest.approx([1, 1, 2, 7], abs=1e-15)
    assert _radii(points, 2, chunk_size=3) == pytest.approx([3, 2, 3, 9], abs=1e-15)


def test_duplicates_are_neighbours_at_distance_zero():
    assert _radii([0.0, 0.0, 5.0], 1, chunk_size=1) == [0.0, 0.0, 5.0]


def test_nearest_distance_of_a_copy_is_exactly_zero():
    g = torch.Generator().manual_seed(0)
    reference = torch.randn(50, 16, generator=g, dtype=F64) * 100 + 1e4
    query = torch.cat([reference[[3, 17]], reference[:1] + 1.0])
    nearest = nearest_distances(query, reference, chunk_size=2)
    assert nearest[0] == 0.0 and nearest[1] == 0.0
    torch.testing.assert_close(nearest[2], torch.tensor(4.0, dtype=F64), rtol=1e-12, atol=0)


def test_points_on_a_ball_surface_count_as_inside():
    reference = _column([0.0, 0.3])
    radii = torch.tensor([0.3, 0.1], dtype=F64)
    query = _column([0.3, 0.2, 0.31])
    d2 = squared_distances(query, reference)
    inside = inside_balls(d2, query, reference, radii[None, :], slack=1e-10)
    expected = torch.tensor([[True, True], [True, True], [False, True]])
    assert torch.equal(inside, expected)
