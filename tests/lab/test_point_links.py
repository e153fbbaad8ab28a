"""The user's points in a link: kept on their grid from the start, so a link carries them
exactly; a link has a size limit, and a garbled one gets a message."""

import base64

import numpy as np
import pytest
import torch

from gankit.lab.data import PointsError, check_points, grid_exponent, on_grid
from gankit.lab.point_links import MAX_LINK_CHARS, MAX_LINK_POINTS, points_from_link, points_link


@pytest.mark.parametrize("largest", [1000.0, 32767 * 2.0**-12, 3.0, 1e-3, 1e-9, 0.0])
def test_points_are_kept_on_a_grid_fine_enough_and_exactly_again(largest):
    raw = torch.rand(300, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2 - 1
    raw = raw / raw.abs().max() * largest
    points = check_points(raw)
    step = 2.0 ** grid_exponent(points)
    assert (points.double() - raw).abs().max() <= step / 2
    if largest >= 32767 * 2.0**-40:  # the finest power of two whose int16 multiples reach the largest
        assert largest / step <= 32767 < largest / (step / 2)
    assert torch.equal(on_grid(points), points)  # idempotent: a second pass moves nothing
    assert grid_exponent(points) == grid_exponent(raw)


def test_a_link_carries_the_points_exactly():
    points = check_points(torch.randn(MAX_LINK_POINTS, 2, generator=torch.Generator().manual_seed(1)) * 2)
    link = points_link(points)
    url_safe = set("-._0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    assert set(link) <= url_safe and len(link) <= MAX_LINK_CHARS < 5400  # 4 bytes a point in base64
    assert torch.equal(points_from_link(link), points)
    assert torch.equal(points_from_link(points_link(check_points(torch.tensor([[1.0, -2.0], [0.25, 0.0]])))),
                       torch.tensor([[1.0, -2.0], [0.25, 0.0]]))


def test_too_many_points_for_a_link():
    points = check_points(torch.randn(MAX_LINK_POINTS + 1, 2, generator=torch.Generator().manual_seed(2)))
    assert points_link(points) is None
    with pytest.raises(PointsError, match=f"at most {MAX_LINK_POINTS} points"):
        points_from_link("-12." + "A" * MAX_LINK_CHARS)


@pytest.mark.parametrize("text", ["", "12", "-12", "x.AAAA", "-12.AA!A", "-12.AAAAA", "-99.AAAAAAAA", "3.AAAAAAAA",
                                  None, 12])
def test_a_garbled_link_is_refused(text):
    with pytest.raises(PointsError, match="garbled"):
        points_from_link(text)


def test_a_link_is_checked_as_any_points():
    one_point = points_link(torch.tensor([[1.0, 1.0]]))
    with pytest.raises(PointsError, match="at least 2 points"):
        points_from_link(one_point)
    far = base64.urlsafe_b64encode(np.array([32767, 0, 0, 0], "<i2").tobytes()).decode().rstrip("=")
    with pytest.raises(PointsError, match="within"):  # 32767 * 2**0 > 1000
        points_from_link(f"0.{far}")
