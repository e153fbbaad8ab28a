"""The dataset table is well-formed: hashes look like SHA-256, mirrors like base URLs.

CIFAR-10's one-archive entry is checked in test_cifar.py."""

from __future__ import annotations

import re

import pytest

from gankit.data import DATASETS, SPLITS, DatasetSpec

SHA256 = re.compile(r"[0-9a-f]{64}")
IDX_DATASETS = [name for name, spec in DATASETS.items() if isinstance(spec, DatasetSpec)]


def test_every_dataset_name_is_a_plain_identifier() -> None:
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in DATASETS)
    assert {"mnist", "fashion_mnist"} <= set(IDX_DATASETS)


@pytest.mark.parametrize("name", IDX_DATASETS)
def test_spec_is_well_formed(name: str) -> None:
    spec = DATASETS[name]
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name)
    hashes = [h for f in spec.files for h in (f.gz_sha256, f.content_sha256)]
    assert all(SHA256.fullmatch(h) for h in hashes) and len(set(hashes)) == 8
    assert len({f.name for f in spec.files}) == 4
    assert all(not f.name.endswith(".gz") and f.gz_name == f.name + ".gz" for f in spec.files)
    assert len(spec.mirrors) >= 2
    assert all(re.fullmatch(r"https?://\S+/", m) for m in spec.mirrors)
    assert len(spec.classes) == 10 == len(set(spec.classes))
    for split in SPLITS:
        images, labels = spec.split_files(split)
        assert "images" in images.name and "labels" in labels.name
