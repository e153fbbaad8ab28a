"""Every transform: differentiable (G's gradient reaches through it), in range, exact where not
applied, and random only through the generator it is given."""

import pytest
import torch

from gankit.augment import TRANSFORMS

RANGES = [(0.0, 1.0), (-1.0, 1.0)]


def images(n=16, low=0.0, high=1.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(n, 3, 16, 16, generator=g)


@pytest.mark.parametrize("name", list(TRANSFORMS))
@pytest.mark.parametrize("low,high", RANGES)
def test_keeps_the_range_and_changes_the_images(name, low, high):
    x = images(low=low, high=high)
    y = TRANSFORMS[name](x, torch.ones(len(x), dtype=torch.bool), low=low, high=high,
                         generator=torch.Generator().manual_seed(1))
    assert y.shape == x.shape and y.dtype == x.dtype
    assert y.min() >= low and y.max() <= high
    assert not torch.equal(y, x)


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_gradients_reach_the_generator_through_it(name):
    generator_weight = torch.nn.Parameter(torch.randn(8, 3 * 16 * 16) * 0.1)
    z = torch.randn(16, 8, generator=torch.Generator().manual_seed(2))
    fake = torch.sigmoid(z @ generator_weight).view(16, 3, 16, 16)  # a tiny G, images in (0, 1)
    y = TRANSFORMS[name](fake, torch.ones(16, dtype=torch.bool), low=0.0, high=1.0,
                         generator=torch.Generator().manual_seed(3))
    (y * torch.linspace(-1, 1, y.numel()).view_as(y)).sum().backward()
    assert generator_weight.grad is not None
    assert generator_weight.grad.abs().sum() > 0


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_images_not_chosen_come_back_exactly(name):
    x = images()
    apply = torch.arange(len(x)) % 2 == 0
    y = TRANSFORMS[name](x, apply, low=0.0, high=1.0, generator=torch.Generator().manual_seed(4))
    assert torch.equal(y[~apply], x[~apply])
    assert not torch.equal(y[apply], x[apply])


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_random_only_through_its_generator(name):
    x, apply = images(), torch.ones(16, dtype=torch.bool)
    torch.manual_seed(0)
    first = TRANSFORMS[name](x, apply, low=0.0, high=1.0, generator=torch.Generator().manual_seed(5))
    torch.manual_seed(1)  # the global generator does not matter
    second = TRANSFORMS[name](x, apply, low=0.0, high=1.0, generator=torch.Generator().manual_seed(5))
    assert torch.equal(first, second)


def test_translation_shifts_whole_pixels_and_fills_with_low():
    x = torch.zeros(64, 1, 16, 16)
    x[:, :, 8, 8] = 1.0
    y = TRANSFORMS["translation"](x, torch.ones(64, dtype=torch.bool), low=0.0, high=1.0,
                                  generator=torch.Generator().manual_seed(6))
    assert torch.equal(y.sum(dim=(1, 2, 3)), torch.ones(64))  # the dot moved (2 px at most), intact
    where = y[:, 0].flatten(1).argmax(1)
    rows, cols = where // 16, where % 16
    assert (rows - 8).abs().max() <= 2 and (cols - 8).abs().max() <= 2
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 5


def test_cutout_blanks_a_half_size_square():
    x = torch.ones(32, 1, 16, 16)
    y = TRANSFORMS["cutout"](x, torch.ones(32, dtype=torch.bool), low=0.0, high=1.0,
                             generator=torch.Generator().manual_seed(7))
    blank = (y == 0).sum(dim=(1, 2, 3))
    assert blank.max() == 64 and blank.min() > 0  # 8x8 where it lies inside, less at the edges
