"""data.limit: the same images for the same seed, class-balanced, recorded in the run, and the
rest held out for the overfitting monitor."""

import json

import pytest
import torch

from gankit.config import load_config
from gankit.data.dataset import ImageSet
from gankit.data.limit import choose_indices, limit_images, limit_sha256
from gankit.errors import ConfigError
from gankit.session import open_session


def labels_of(counts):
    """int64 labels with counts[k] images of class k, shuffled."""
    labels = torch.cat([torch.full((n,), k) for k, n in enumerate(counts)])
    return labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(9))]


def test_same_seed_same_images_other_seed_other_images():
    labels = labels_of([50] * 10)
    first = choose_indices(labels, limit=100, seed=3)
    assert torch.equal(first, choose_indices(labels, limit=100, seed=3))
    assert not torch.equal(first, choose_indices(labels, limit=100, seed=4))
    assert len(first.unique()) == 100 and torch.equal(first, first.sort().values)


@pytest.mark.parametrize("limit", [10, 100, 103])
def test_the_choice_is_class_balanced(limit):
    labels = labels_of([30, 40, 50, 60, 70, 80, 90, 100, 110, 120])
    counts = torch.bincount(labels[choose_indices(labels, limit=limit, seed=0)], minlength=10)
    assert counts.sum() == limit
    assert counts.max() - counts.min() <= 1


def test_a_short_class_gives_what_it_has_and_the_others_fill_in():
    labels = labels_of([2, 100, 100])
    counts = torch.bincount(labels[choose_indices(labels, limit=30, seed=0)], minlength=3)
    assert counts[0] == 2 and counts.sum() == 30


def test_limit_beyond_the_data_is_one_line_error():
    with pytest.raises(ConfigError, match="data.limit = 11"):
        choose_indices(labels_of([5, 5]), limit=11, seed=0)


def test_held_out_images_are_the_others_and_a_changed_subset_is_refused():
    labels = labels_of([20, 20])
    data = ImageSet(images=torch.arange(40, dtype=torch.uint8).view(40, 1, 1, 1).expand(40, 1, 2, 2).clone(),
                    labels=labels, name="mnist", classes=("a", "b"))
    train, held_out, indices = limit_images(data, limit=10, seed=0)
    assert len(train) == 10 and len(held_out) == 30
    assert set(train.images[:, 0, 0, 0].tolist()).isdisjoint(held_out.images[:, 0, 0, 0].tolist())
    assert limit_images(data, limit=10, seed=0, expected_sha256=limit_sha256(indices))[2].equal(indices)
    with pytest.raises(ConfigError, match="data.limit_sha256"):
        limit_images(data, limit=10, seed=1, expected_sha256=limit_sha256(indices))


def test_a_run_records_the_indices_and_trains_on_them_only(tiny_mnist, tmp_path):
    cfg = load_config(None, [f"data.dir={tiny_mnist}", f"train.runs_dir={tmp_path}", "train.steps=0",
                             "data.limit=20", "data.limit_seed=5", "train.threads=1", "model.width=0.25"])
    session = open_session(cfg)
    try:
        recorded = json.loads((session.run_dir / "data_indices.json").read_text())
        assert len(recorded["indices"]) == 20 and recorded["sha256"] == session.cfg.data.limit_sha256
        assert f'limit_sha256 = "{recorded["sha256"]}"' in (session.run_dir / "config.toml").read_text()
        assert session.batches.images.shape[0] == 20
        assert session.overfit_probe is not None and len(session.overfit_probe.held_out) == 64  # 128 - 20 left out
        assert cfg.data.limit_sha256 == ""  # the caller's config is left as given
    finally:
        session.close()
