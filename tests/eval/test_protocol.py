"""Protocol gankit-eval-v1 is frozen: its values are part of every number it names."""

import dataclasses

import pytest

from gankit.errors import ConfigError
from gankit.eval import PROTOCOLS, V1
from gankit.judges import JUDGES


def test_v1_values():
    assert PROTOCOLS == {"gankit-eval-v1": V1}
    assert (V1.n_fake, V1.reference_split, V1.memorisation_split) == (10_000, "test", "train")
    assert (V1.kid_subsets, V1.kid_subset_size, V1.kid_seed, V1.is_splits) == (100, 1000, 0, 10)
    assert (V1.pr_k, V1.dc_k, V1.class_min_fraction, V1.memorisation_quantile) == (3, 5, 0.01, 0.05)
    assert V1.judge_batch_size == 500 and V1.min_samples == 10
    assert dict(V1.judge_sha256) == {name: spec.sha256 for name, spec in JUDGES.items()} == {
        "mnist": "14bdd3b6d202ec2e55d080961be3d3b9d6b9fa8e1696752daf4175a544aa2cb4",
        "fashion_mnist": "84b165f1a572e626b157885194f9be95a8f556102f3e7a1322903c8caf667d42",
    }  # new weights need a new protocol name, not an edit here


def test_v1_is_frozen_and_names_its_judges():
    with pytest.raises(dataclasses.FrozenInstanceError):
        V1.n_fake = 5
    assert V1.judge_hash("mnist") == JUDGES["mnist"].sha256
    with pytest.raises(ConfigError, match="no judge for dataset 'cifar10'"):
        V1.judge_hash("cifar10")
