"""The 2-D toy mixtures and the mode-coverage metrics, on points placed by hand."""

import math

import pytest
import torch

from gankit.toy import TOY_DATA, grid, high_quality_fraction, mode_counts, modes_covered, ring


def test_ring_and_grid_centres():
    centres = TOY_DATA["ring"].centres
    assert centres.shape == (8, 2) and TOY_DATA["ring"].std == 0.02
    torch.testing.assert_close(centres.norm(dim=1), torch.full((8,), 2.0))
    torch.testing.assert_close(centres[0], torch.tensor([2.0, 0.0]))
    torch.testing.assert_close(centres[2], torch.tensor([0.0, 2.0]), atol=1e-6, rtol=0)
    lattice = TOY_DATA["grid"].centres
    assert lattice.shape == (25, 2) and TOY_DATA["grid"].std == 0.05
    assert sorted(set(lattice[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(c) for c in lattice.tolist()}) == 25


def test_sampling_is_deterministic_from_the_seed():
    mixture = ring()
    a = mixture.sample(100, generator=torch.Generator().manual_seed(3))
    b = mixture.sample(100, generator=torch.Generator().manual_seed(3))
    c = mixture.sample(100, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_samples_follow_the_mixture():
    mixture = grid()
    points = mixture.sample(50_000, generator=torch.Generator().manual_seed(0))
    counts = mode_counts(points, mixture)
    assert counts.sum() / len(points) > 0.98  # 3 std in 2-D holds 98.9 % of a Gaussian
    assert (counts.float() / len(points) - 1 / 25).abs().max() < 0.006
    nearest = mixture.centres[torch.cdist(points, mixture.centres).argmin(dim=1)]
    assert (points - nearest).std().item() == pytest.approx(0.05, rel=0.02)


def test_high_quality_is_within_three_std():
    mixture = ring()  # std 0.02: the high-quality radius is 0.06
    centre = mixture.centres[1]
    direction = torch.tensor([math.cos(1.0), math.sin(1.0)])
    points = torch.stack([centre + 0.059 * direction, centre + 0.061 * direction, torch.zeros(2)])
    assert mode_counts(points, mixture).tolist() == [0, 1, 0, 0, 0, 0, 0, 0]
    assert high_quality_fraction(points, mixture) == pytest.approx(1 / 3)


def test_modes_covered_and_min_count():
    mixture = ring()
    collapsed = mixture.centres[[3] * 30 + [5] * 2]  # 30 points on mode 3, 2 on mode 5
    assert modes_covered(collapsed, mixture) == 2
    assert modes_covered(collapsed, mixture, min_count=20) == 1
    assert modes_covered(mixture.centres, mixture) == 8 and high_quality_fraction(mixture.centres, mixture) == 1.0
    assert modes_covered(torch.zeros(10, 2), mixture) == 0
