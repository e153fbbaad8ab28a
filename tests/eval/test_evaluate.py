"""evaluate_images / evaluate_generator on real MNIST images, noise and copies; the cache."""

import json

import pytest
import torch

import gankit.eval.cache as cache
from gankit.config import Config
from gankit.data import load_split
from gankit.errors import ConfigError
from gankit.eval import SampleError, V1, evaluate_generator, evaluate_images, load_reals
from gankit.eval.evaluate import float32_switches, full_float32
from gankit.models import build_models

KEYS = {"protocol", "dataset", "judge_sha256", "n", "fid", "kid_mean", "kid_std", "is_mean", "is_std",
        "precision", "recall", "density", "coverage", "classes_covered", "kl_to_uniform",
        "class_histogram", "memorised_fraction", "copy_rate", "copy_quantile", "nn_feature_median",
        "nn_feature_heldout_median", "nn_pixel_median", "nn_pixel_min", "class_variety", "within_class_variety"}


def score(images, mnist_subset_root, eval_cache, protocol=V1):
    return evaluate_images(images, "mnist", protocol, cache_dir=eval_cache, data_dir=mnist_subset_root / "mnist")


def test_real_images_score_well_and_noise_badly(held_out_real, mnist_subset_root, eval_cache):
    real = score(held_out_real, mnist_subset_root, eval_cache)
    noise = score(torch.randint(0, 256, (300, 1, 28, 28), dtype=torch.uint8), mnist_subset_root, eval_cache)
    assert set(real) == KEYS and real["protocol"] == "gankit-eval-v1" and real["n"] == 300
    assert json.loads(json.dumps(real)) == real
    assert real["precision"] > 0.8 and real["recall"] > 0.8 and real["coverage"] > 0.8
    assert noise["precision"] < 0.05 and noise["coverage"] < 0.05
    assert real["fid"] < noise["fid"] / 20 and real["kid_mean"] < noise["kid_mean"] / 20
    assert real["classes_covered"] == 10 and real["is_mean"] > 8
    assert real["memorised_fraction"] < 0.15
    assert real["within_class_variety"] > 0.7  # real images are about as varied within each class as real images


def test_copies_of_training_images_are_memorised(mnist_subset_root, eval_cache):
    train = load_split("mnist", "train", mnist_subset_root / "mnist").images
    assert score(train[:200], mnist_subset_root, eval_cache)["memorised_fraction"] == 1.0


def test_a_cache_hit_returns_the_same_numbers(held_out_real, mnist_subset_root, eval_cache, monkeypatch):
    first = score(held_out_real[:100], mnist_subset_root, eval_cache)  # computes or reads the cache
    assert cache.cache_file(V1, "mnist", V1.judge_hash("mnist"), eval_cache).is_file()

    def no_miss(*args):
        raise AssertionError("the real statistics were computed again")

    monkeypatch.setattr(cache, "compute_real_stats", no_miss)
    assert score(held_out_real[:100], mnist_subset_root, eval_cache) == first


def test_too_few_images_are_refused(mnist_subset_root, eval_cache):
    with pytest.raises(SampleError, match="need at least 10 images, got 9"):
        score(torch.zeros(9, 1, 28, 28, dtype=torch.uint8), mnist_subset_root, eval_cache)


def test_evaluate_generator_samples_in_eval_mode_and_restores_it(mnist_subset_root, eval_cache):
    cfg = Config()
    cfg.data.dir = str(mnist_subset_root / "mnist")
    torch.manual_seed(0)
    generator, _ = build_models(cfg.model, (1, 28, 28))
    generator.train()
    result = evaluate_generator(generator, cfg, n=20, seed=3, cache_dir=eval_cache)
    assert generator.training
    assert result["n"] == 20 and result["seed"] == 3 and result["dataset"] == "mnist"
    again = evaluate_generator(generator, cfg, n=20, seed=3, cache_dir=eval_cache)
    assert again == result
    with pytest.raises(SampleError, match="need at least 10 generated images, got 0"):
        evaluate_generator(generator, cfg, n=0, cache_dir=eval_cache)


def test_the_numbers_do_not_depend_on_the_threads(held_out_real, mnist_subset_root, eval_cache):
    one, three = (evaluate_images(held_out_real, "mnist", cache_dir=eval_cache, data_dir=mnist_subset_root / "mnist",
                                  threads=threads) for threads in (1, 3))
    assert one == three


def test_a_loaded_real_side_is_reused_and_gives_the_same_numbers(mnist_subset_root, eval_cache, monkeypatch):
    cfg = Config()
    cfg.data.dir = str(mnist_subset_root / "mnist")
    torch.manual_seed(0)
    generator, _ = build_models(cfg.model, (1, 28, 28))
    fresh = evaluate_generator(generator, cfg, n=20, cache_dir=eval_cache)
    reals = load_reals("mnist", cache_dir=eval_cache, data_dir=cfg.data.dir)

    def no_load(*args, **kwargs):
        raise AssertionError("the real side was loaded again")

    monkeypatch.setattr("gankit.eval.evaluate.load_reals", no_load)
    assert evaluate_generator(generator, cfg, n=20, reals=reals) == fresh
    with pytest.raises(ConfigError, match="loaded for mnist under gankit-eval-v1, not for fashion_mnist"):
        cfg.data.name = "fashion_mnist"
        evaluate_generator(generator, cfg, n=20, reals=reals)


def test_scoring_on_a_gpu_turns_tf32_off_and_back_on():
    switches = float32_switches()
    before = [getattr(owner, name) for owner, name, _ in switches]
    with full_float32(torch.device("cuda")):  # sets flags only: runs without a GPU
        assert [getattr(owner, name) for owner, name, _ in switches] == [value for _, _, value in switches]
    assert [getattr(owner, name) for owner, name, _ in switches] == before
