"""The fused neighbour metrics equal gankit.metrics' own functions exactly."""

import pytest
import torch

from gankit.eval.knn import knn_scores, memorised_fraction, real_radii
from gankit.eval.nearest import pair_distances
from gankit.metrics import density_coverage, memorisation, precision_recall


@pytest.mark.parametrize("n_real, n_fake, dim, seed", [(200, 150, 8, 0), (600, 900, 32, 1), (300, 20, 256, 2)])
def test_knn_scores_equal_precision_recall_and_density_coverage(n_real, n_fake, dim, seed):
    g = torch.Generator().manual_seed(seed)
    real = torch.randn(n_real, dim, generator=g).relu()
    fake = (1.3 * torch.randn(n_fake, dim, generator=g)).relu()
    fake[:10] = real[:10]  # exact copies sit on ball surfaces: the boundary re-check decides them
    scores = knn_scores(real, fake, pr_radii=real_radii(real, 3), pr_k=3, dc_radii=real_radii(real, 5), dc_k=5)
    precision, recall = precision_recall(real, fake, k=3)
    density, coverage = density_coverage(real, fake, k=5)
    assert scores == {"precision": precision, "recall": recall, "density": density, "coverage": coverage}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_memorised_fraction_is_the_metric_with_a_cached_threshold(seed):
    g = torch.Generator().manual_seed(seed)
    train, test = torch.randn(2000, 64, generator=g).relu(), torch.randn(300, 64, generator=g).relu()
    near = train[100:300] + 0.05 * torch.randn(200, 64, generator=g)  # some within the threshold
    fake = torch.cat([train[:100], near, torch.randn(500, 64, generator=g).relu()])
    expected = memorisation(fake, train, test)
    threshold = memorisation(test, train, test)["threshold"]
    assert threshold == expected["threshold"]
    assert memorised_fraction(fake, train, threshold) == expected["fraction"]
    assert 100 / 800 < expected["fraction"] < 1  # the copies count, not everything does


def test_a_collapsed_generator_is_scored_exactly_without_checking_every_pair(monkeypatch):
    """Fakes that are one image: every fake is inside the same real balls, and each such pair is
    decided by the screen, not by an exact check (which took 10,000 x 10,000 differences)."""
    import gankit.eval.knn as knn_module

    checked = []
    monkeypatch.setattr(knn_module, "pair_distances",
                        lambda a, b, rows, cols: checked.append(len(rows)) or pair_distances(a, b, rows, cols))
    g = torch.Generator().manual_seed(5)
    real = torch.randn(800, 16, generator=g).relu()
    fake = real.mean(dim=0) + 1e-4 * torch.randn(1000, 16, generator=g)  # inside ten real balls
    scores = knn_scores(real, fake, pr_radii=real_radii(real, 3), pr_k=3, dc_radii=real_radii(real, 5), dc_k=5)
    precision, recall = precision_recall(real, fake, k=3)
    density, coverage = density_coverage(real, fake, k=5)
    assert scores == {"precision": precision, "recall": recall, "density": density, "coverage": coverage}
    assert precision == 1.0 and density >= 1.0  # 1,000 fakes inside 10 balls each: 10,000 pairs inside
    assert sum(checked) <= len(fake)
