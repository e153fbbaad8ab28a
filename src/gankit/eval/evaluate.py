"""Score generated images against a dataset under a protocol: every metric, one flat dict.

    result = evaluate_images(fakes, "mnist")                # fakes: uint8 (N, 1, 28, 28)
    result = evaluate_generator(generator, cfg, n=10_000, seed=0)
    result["fid"], result["precision"], result["protocol"]  # "gankit-eval-v1"

The result holds plain floats, ints, strings and one list, so it goes straight into JSON lines.
"""

import torch

from gankit.data import get_spec
from gankit.judges import judge_outputs, load_judge
from gankit.metrics import (
    class_histogram,
    density_coverage,
    feature_stats,
    frechet_distance,
    inception_score,
    kid,
    precision_recall,
)
from gankit.metrics.neighbours import DEFAULT_CHUNK_SIZE, centred_on, nearest_distances
from gankit.sampling import sample

from gankit.eval.protocol import V1, Protocol
from gankit.eval.cache import RealStats, real_stats
from gankit.eval.samples import SampleError, check_images


def memorised_fraction(fake: torch.Tensor, train: torch.Tensor, threshold: float) -> float:
    """`gankit.metrics.memorisation(fake, train, test)["fraction"]` with its threshold (which
    depends on real data only) taken from the cache instead of recomputed: same centring, same
    exact distances, same `<=`. `(M, D)` fake and `(N, D)` train features."""
    train, fake = centred_on(train.double(), fake.double())
    nearest = nearest_distances(fake, train, chunk_size=DEFAULT_CHUNK_SIZE)
    return float((nearest <= threshold).double().mean())


def score_features(features: torch.Tensor, probs: torch.Tensor, real: RealStats,
                   protocol: Protocol) -> dict:
    """Every metric of fake `(M, D)` judge features and `(M, C)` class probabilities."""
    p = protocol
    kid_mean, kid_std = kid(real.reference_features, features, subsets=p.kid_subsets,
                            subset_size=p.kid_subset_size, seed=p.kid_seed)
    is_mean, is_std = inception_score(probs, splits=p.is_splits)
    precision, recall = precision_recall(real.reference_features, features, k=p.pr_k)
    density, coverage = density_coverage(real.reference_features, features, k=p.dc_k)
    histogram = class_histogram(probs, probs.shape[1], min_fraction=p.class_min_fraction)
    return {
        "fid": frechet_distance(real.reference_mu, real.reference_sigma, *feature_stats(features)),
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "is_mean": is_mean,
        "is_std": is_std,
        "precision": precision,
        "recall": recall,
        "density": density,
        "coverage": coverage,
        "classes_covered": histogram["classes_covered"],
        "kl_to_uniform": histogram["kl_to_uniform"],
        "class_histogram": histogram["histogram"],
        "memorised_fraction": memorised_fraction(features, real.train_features,
                                                 float(real.memorisation_threshold)),
    }


def evaluate_images(fakes, dataset: str, protocol: Protocol = V1, *,
                    cache_dir=None, data_dir=None) -> dict:
    """Every metric of generated images `fakes`, uint8 (N, 1, 28, 28) (or (N, 28, 28)), 0..255,
    N >= protocol.min_samples, against `dataset`'s real images under `protocol`.

    Returns {"protocol", "dataset", "judge_sha256", "n", "fid", "kid_mean", "kid_std", "is_mean",
    "is_std", "precision", "recall", "density", "coverage", "classes_covered", "kl_to_uniform",
    "class_histogram" (list of C fractions), "memorised_fraction"}. Real-image statistics come
    from the cache in `cache_dir` (default <cache root>/eval), computed on first use from the
    dataset found via `data_dir` as `gankit.data.load_split` finds it.
    """
    fakes = check_images(fakes, get_spec(dataset).image_shape, min_samples=protocol.min_samples,
                         name="generated images")
    judge_sha256 = protocol.judge_hash(dataset)
    judge = load_judge(dataset, sha256=judge_sha256)
    real = real_stats(judge, dataset, protocol, judge_sha256, cache_dir=cache_dir, data_dir=data_dir)
    features, probs = judge_outputs(judge, fakes, batch_size=protocol.judge_batch_size)
    return {"protocol": protocol.name, "dataset": dataset, "judge_sha256": judge_sha256,
            "n": fakes.shape[0], **score_features(features, probs, real, protocol)}


def evaluate_generator(generator: torch.nn.Module, cfg, n: int | None = None, seed: int = 0, *,
                       protocol: Protocol = V1, cache_dir=None) -> dict:
    """`evaluate_images` of n images (default protocol.n_fake) that `generator` draws from latents
    seeded with `seed` (`gankit.sampling.sample`), against the run's dataset (`cfg.data`).

    The generator runs in eval mode and is returned to its previous mode; adds "seed" to the result.
    """
    n = protocol.n_fake if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or n < protocol.min_samples:
        raise SampleError(f"n: need at least {protocol.min_samples} generated images, got {n!r}")
    was_training = generator.training
    generator.eval()
    try:
        fakes = sample(generator, cfg, n, seed=seed)
    finally:
        generator.train(was_training)
    result = evaluate_images(fakes, cfg.data.name, protocol, cache_dir=cache_dir,
                             data_dir=cfg.data.dir or None)
    return {**result, "seed": seed}
