"""The real-statistics cache: hits, and recomputation of stale, corrupt or foreign files."""

import dataclasses

import numpy as np
import pytest
import torch

import gankit.eval.cache as rs
from gankit.data import DATASETS, load_split, write_idx
from gankit.eval import V1
from gankit.eval.kid_terms import real_within
from gankit.eval.knn import real_radii
from gankit.judges import Judge
from gankit.metrics import memorisation
from gankit.metrics.neighbours import centred_on, nearest_distances

SHA = "ab" * 32


@pytest.fixture
def judge():
    torch.manual_seed(0)
    return Judge().eval()  # untrained: the cache does not care what the features mean


@pytest.fixture
def computes(monkeypatch):
    """Counts calls of compute_real_stats (each is a cache miss)."""
    calls = []
    original = rs.compute_real_stats

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(rs, "compute_real_stats", counted)
    return calls


FAST = dataclasses.replace(V1, judge_batch_size=32)  # the tiny sets need no 500-image batches


def stats(judge, data, cache, protocol=FAST):
    return rs.real_stats(judge, "mnist", protocol, SHA, cache_dir=cache, data_dir=data)


def assert_same(a, b):
    for field in dataclasses.fields(rs.RealStats):
        torch.testing.assert_close(getattr(a, field.name), getattr(b, field.name), rtol=0, atol=0)


def test_second_call_hits_the_cache(judge, tiny_mnist, tmp_path, computes):
    cache = tmp_path / "cache"
    first = stats(judge, tiny_mnist, cache)
    second = stats(judge, tiny_mnist, cache)
    assert len(computes) == 1
    assert_same(first, second)
    assert first.reference_features.shape == (32, 256) and first.train_features.shape == (128, 256)
    assert first.reference_sigma.dtype == torch.float64 and first.memorisation_threshold.ndim == 0
    assert [p.name for p in cache.iterdir()] == [rs.cache_file(FAST, "mnist", SHA).name]  # no temp files


def test_stale_files_are_recomputed(judge, tiny_mnist, tmp_path, computes):
    stats(judge, tiny_mnist, tmp_path)
    stats(judge, tiny_mnist, tmp_path, dataclasses.replace(FAST, kid_subsets=7))  # same name, other field
    other = stats(judge, tiny_mnist, tmp_path)
    assert len(computes) == 3
    stats(judge, tiny_mnist, tmp_path)
    assert len(computes) == 3 and other.reference_features.shape[0] == 32


def test_other_data_is_not_mixed_up(judge, tiny_mnist, tmp_path, computes):
    stats(judge, tiny_mnist, tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    for split in ("train", "test"):
        images_file, labels_file = DATASETS["mnist"].split_files(split)
        real = load_split("mnist", split, tiny_mnist)
        write_idx(other / images_file.name, 255 - real.images[:, 0].numpy())
        write_idx(other / labels_file.name, real.labels.numpy().astype(np.uint8))
    stats(judge, other, tmp_path)  # same protocol, judge and cache file name; other images
    assert len(computes) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip_data_byte", "flip_header_byte"])
def test_corrupt_files_are_recomputed(judge, tiny_mnist, tmp_path, computes, damage):
    good = stats(judge, tiny_mnist, tmp_path)
    path = rs.cache_file(FAST, "mnist", SHA, tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "garbage":
        data = bytearray(b"\x00" * 100)
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip_data_byte":
        data[-5] ^= 0xFF
    else:
        data[20] ^= 0xFF
    path.write_bytes(bytes(data))
    assert_same(stats(judge, tiny_mnist, tmp_path), good)
    assert len(computes) == 2
    assert_same(stats(judge, tiny_mnist, tmp_path), good)  # the rewritten file is good again
    assert len(computes) == 2


def test_default_folder_honours_gankit_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("GANKIT_CACHE", str(tmp_path))
    path = rs.cache_file(V1, "mnist", SHA)
    assert path == tmp_path / "eval" / f"gankit-eval-v1-mnist-{SHA[:16]}.safetensors"


def test_files_of_another_format_are_recomputed(judge, tiny_mnist, tmp_path, computes, monkeypatch):
    monkeypatch.setattr(rs, "FORMAT_VERSION", "1")  # a file written before the searches were cached
    stats(judge, tiny_mnist, tmp_path)
    monkeypatch.setattr(rs, "FORMAT_VERSION", "2")
    stats(judge, tiny_mnist, tmp_path)
    stats(judge, tiny_mnist, tmp_path)
    assert len(computes) == 2


def test_cached_searches_are_those_of_the_metrics(judge, tiny_mnist, tmp_path):
    """What the cache keeps of the real data is what gankit.metrics computes from it."""
    cached = stats(judge, tiny_mnist, tmp_path)
    reference, train = cached.reference_features, cached.train_features
    assert float(cached.memorisation_threshold) == memorisation(reference, train, reference)["threshold"]
    assert torch.equal(cached.reference_pr_radii, real_radii(reference, FAST.pr_k))
    (train_c, reference_c) = centred_on(train.double(), reference.double())
    torch.testing.assert_close(cached.reference_train_nn, nearest_distances(reference_c, train_c, chunk_size=64),
                               rtol=1e-12, atol=0)
    assert torch.equal(cached.kid_real_within, real_within(reference, FAST))
