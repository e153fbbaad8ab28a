"""The float32-screened searches give what plain float64 searches give: the same nearest points,
distances and k-th neighbour radii, copies at 0, whatever the tiles and the number of workers."""

import pytest
import torch

import gankit.eval.nearest as nearest_module
from gankit.eval.copies import copy_scores
from gankit.eval.nearest import distances_to, grouped_distances, kth_radii, nearest
from gankit.metrics.neighbours import centred_on, kth_neighbour_radii, nearest_distances, squared_distances


def points(n: int, dim: int, seed: int) -> torch.Tensor:
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed), dtype=torch.float64).relu()


@pytest.fixture
def small_tiles(monkeypatch):
    """Tiles of 16 reference rows, so every search crosses many tiles and re-checks some of them."""
    monkeypatch.setattr(nearest_module, "tile_rows", lambda device: 16)


@pytest.mark.parametrize("workers", [1, 3])
def test_nearest_is_the_float64_nearest(small_tiles, workers):
    reference = points(300, 32, seed=0)
    query = torch.cat([reference[:20], reference[20:60] + 1e-3 * points(40, 32, seed=1), points(140, 32, seed=2)])
    distance, index = nearest(query, reference, workers=workers)
    expected = nearest_distances(query, reference, chunk_size=64)
    torch.testing.assert_close(distance, expected, rtol=1e-12, atol=0)
    assert torch.equal(index, squared_distances(query, reference).argmin(dim=1))
    assert (distance[:20] == 0).all()  # copies: exactly 0


def test_nearest_of_pixels_is_exact():
    g = torch.Generator().manual_seed(3)
    train = torch.randint(0, 256, (500, 1, 8, 8), dtype=torch.uint8, generator=g)
    fakes = torch.cat([train[:5], torch.randint(0, 256, (45, 1, 8, 8), dtype=torch.uint8, generator=g)])
    scores, pairs = copy_scores(torch.ones(50), torch.ones(100), fakes, train)
    exact = torch.cdist(fakes.flatten(1).double(), train.flatten(1).double()).min(dim=1).values / 255
    assert scores["nn_pixel_min"] == 0.0 and pairs[0][2] == 0.0
    assert scores["nn_pixel_median"] == pytest.approx(float(exact.median()), rel=1e-12)


@pytest.mark.parametrize("ks", [(1,), (3, 5), (7,)])
def test_kth_radii_are_kth_neighbour_radii(ks):
    (data,) = centred_on(points(400, 16, seed=4))
    data[:10] = data[10:20]  # duplicates: neighbours at distance 0
    found = kth_radii(data, ks, workers=2)
    for k in ks:
        assert torch.equal(found[k], kth_neighbour_radii(data, k, chunk_size=64))


def test_distances_to_centres_on_the_reference():
    train, fake = points(200, 8, seed=5), points(50, 8, seed=6)
    (found,) = distances_to(train, fake)
    train_c, fake_c = centred_on(train, fake)
    torch.testing.assert_close(found, nearest_distances(fake_c, train_c, chunk_size=32), rtol=1e-12, atol=0)


def test_grouped_distances_are_the_distances(small_tiles):
    """Searching each query's own group first and skipping groups too far away changes nothing,
    with groups that are apart (as the judge's classes), mixed up, or missing from the reference."""
    train, fake = points(600, 16, seed=7), points(200, 16, seed=8)
    groups = torch.arange(600) % 5
    train += 3.0 * torch.nn.functional.one_hot(groups, 16).double()  # five groups lying apart
    fake_groups = torch.randint(0, 7, (200,), generator=torch.Generator().manual_seed(9))  # 5, 6: no such train group
    fake[:100] += 3.0 * torch.nn.functional.one_hot(fake_groups[:100] % 5, 16).double()
    fake[:10] = train[:10]  # copies
    (expected,) = distances_to(train, fake)
    assert torch.equal(grouped_distances(train, groups, fake, fake_groups, workers=2), expected)


def collapsed(n: int, dim: int, seed: int) -> torch.Tensor:
    """A collapsed generator's features: n points closer together than a float32 screen tells
    apart (float64 still does)."""
    return points(1, dim, seed) + 1e-4 * points(n, dim, seed + 1)


@pytest.fixture
def pairs_checked(monkeypatch):
    """A list that grows by the number of pairs each exact check takes."""
    counts = []
    real = nearest_module.pair_distances

    def counting(a, b, rows, cols):
        counts.append(len(rows))
        return real(a, b, rows, cols)

    monkeypatch.setattr(nearest_module, "pair_distances", counting)
    return counts


def test_kth_radii_of_a_collapse_are_searched_in_float64(pairs_checked):
    """Points packed tighter than the screen's margin would keep every pair of a block for an exact
    check (n^2 differences: 10,000 judge features ran out of 24 GB); such blocks take the float64
    search instead, with the same radii."""
    (data,) = centred_on(torch.cat([collapsed(600, 16, seed=10), points(200, 16, seed=12)]))
    found = kth_radii(data, (3, 5), workers=2)
    for k in (3, 5):
        assert torch.equal(found[k], kth_neighbour_radii(data, k, chunk_size=64))
    assert sum(pairs_checked) <= nearest_module.CANDIDATES_PER_ROW * len(data)
