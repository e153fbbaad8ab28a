"""Score generated images against a dataset under a protocol: every metric, one flat dict.

    result = evaluate_images(fakes, "mnist")                # fakes: uint8 (N, 1, 28, 28)
    result = evaluate_generator(generator, cfg, n=10_000, seed=0)
    result["fid"], result["precision"], result["protocol"]  # "gankit-eval-v1"

The result holds plain floats, ints, strings and one list, so it goes straight into JSON lines.
"""

from contextlib import contextmanager

import torch

from gankit import images
from gankit.data import get_spec, load_split
from gankit.data.limit import choose_indices
from gankit.errors import ConfigError
from gankit.models import is_conditional
from gankit.distributed import LOCAL, World
from gankit.judges import judge_outputs, load_judge
from gankit.metrics import class_histogram, class_variety, feature_stats, frechet_distance, inception_score, kid
from gankit.sampling import sample

from gankit.eval.protocol import V1, Protocol
from gankit.eval.cache import RealStats, real_stats
from gankit.eval.class_accuracy import class_accuracy
from gankit.eval.copies import copy_scores, pairs_grid
from gankit.eval.knn import knn_scores, memorised_fraction
from gankit.eval.samples import SampleError, check_images


def score_features(features: torch.Tensor, probs: torch.Tensor, real: RealStats,
                   protocol: Protocol, *, real_classes: torch.Tensor | None = None) -> dict:
    """Every metric of fake `(M, D)` judge features and `(M, C)` class probabilities; with the
    `(N_ref,)` classes of the reference features (`reference_classes`), the variety within each class too."""
    p = protocol
    kid_mean, kid_std = kid(real.reference_features, features, subsets=p.kid_subsets,
                            subset_size=p.kid_subset_size, seed=p.kid_seed)
    is_mean, is_std = inception_score(probs, splits=p.is_splits)
    knn = knn_scores(real.reference_features, features, pr_radii=real.reference_pr_radii, pr_k=p.pr_k,
                     dc_radii=real.reference_dc_radii, dc_k=p.dc_k)
    histogram = class_histogram(probs, probs.shape[1], min_fraction=p.class_min_fraction)
    return {
        "fid": frechet_distance(real.reference_mu, real.reference_sigma, *feature_stats(features)),
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "is_mean": is_mean,
        "is_std": is_std,
        **knn,  # precision, recall, density, coverage
        "classes_covered": histogram["classes_covered"],
        "kl_to_uniform": histogram["kl_to_uniform"],
        "class_histogram": histogram["histogram"],
        "memorised_fraction": memorised_fraction(features, real.train_features,
                                                 float(real.memorisation_threshold)),
        **({} if real_classes is None else
           class_variety(real.reference_features, real_classes, features, probs.argmax(dim=1), probs.shape[1])),
    }


def run_train_indices(cfg, protocol: Protocol) -> torch.Tensor | None:
    """The rows of the train split a run trained on: `data.limit`'s seeded choice, None for all."""
    if not cfg.data.limit:
        return None
    labels = load_split(cfg.data.name, protocol.memorisation_split, cfg.data.dir or None).labels
    return choose_indices(labels, limit=cfg.data.limit, seed=cfg.data.limit_seed)


@torch.no_grad()
def reference_classes(judge, real: RealStats) -> torch.Tensor:
    """(N_ref,) the judge's class for each reference image, from its cached features (the judge's
    head on its penultimate features: what `judge_outputs` would say of the images themselves)."""
    return judge.head(real.reference_features.to(next(judge.parameters()).device)).argmax(dim=1).cpu()


@contextmanager
def torch_threads(threads: int):
    """Run the block with `threads` CPU threads (0: leave the setting alone), then restore it."""
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def evaluate_images(fakes, dataset: str, protocol: Protocol = V1, *,
                    cache_dir=None, data_dir=None, threads: int = 1, train_indices: torch.Tensor | None = None,
                    copies_png=None) -> dict:
    """Every metric of generated images `fakes`, uint8 (N, 1, 28, 28) (or (N, 28, 28)), 0..255,
    N >= protocol.min_samples, against `dataset`'s real images under `protocol`.

    Returns {"protocol", "dataset", "judge_sha256", "n", "fid", "kid_mean", "kid_std", "is_mean",
    "is_std", "precision", "recall", "density", "coverage", "classes_covered", "kl_to_uniform",
    "class_histogram" (list of C fractions), "memorised_fraction", "class_variety" (list of C
    ratios, None where a class has too few images), "within_class_variety" (its lowest), and the
    copy detector's "copy_rate", "copy_quantile", "nn_feature_median", "nn_feature_heldout_median",
    "nn_pixel_median", "nn_pixel_min" (`gankit.eval.copies`) against the training images
    `train_indices` (rows of the train split, a run's `data.limit` choice; None = all of it),
    calibrated on the reference split; `copies_png`: where to save the samples most like a
    training image beside it (one pair per row), or None. Real-image statistics come
    from the cache in `cache_dir` (default <cache root>/eval), computed on first use from the
    dataset found via `data_dir` as `gankit.data.load_split` finds it.

    `threads` CPU threads do the work (0: PyTorch's current setting), restored on return. One
    is the default: it makes the numbers independent of the machine's core count, and on a shared
    CPU two threads are slower than one (each waits for the other to be scheduled).
    """
    judge_sha256 = protocol.judge_hash(dataset)  # first: a dataset without a judge (CIFAR-10) says so
    fakes = check_images(fakes, get_spec(dataset).image_shape, min_samples=protocol.min_samples,
                         name="generated images")
    judge = load_judge(dataset, sha256=judge_sha256)
    with torch_threads(threads):
        real = real_stats(judge, dataset, protocol, judge_sha256, cache_dir=cache_dir, data_dir=data_dir)
        features, probs = judge_outputs(judge, fakes, batch_size=protocol.judge_batch_size)
        scores = score_features(features, probs, real, protocol, real_classes=reference_classes(judge, real))
        copies = copy_detector(fakes, features, real, load_split(dataset, protocol.memorisation_split, data_dir).images,
                               train_indices, copies_png)
    return {"protocol": protocol.name, "dataset": dataset, "judge_sha256": judge_sha256,
            "n": fakes.shape[0], **scores, **copies}


def copy_detector(fakes: torch.Tensor, features: torch.Tensor, real: RealStats, train_images: torch.Tensor,
                  train_indices: torch.Tensor | None, copies_png) -> dict:
    """`copy_scores` of uint8 fakes and their judge features against the training images
    (`train_indices` rows of `train_images`, None = all); saves the closest pairs to `copies_png`."""
    train_features = real.train_features
    if train_indices is not None:
        train_images, train_features = train_images[train_indices], train_features[train_indices]
    scores, pairs = copy_scores(features, train_features, real.reference_features, fakes, train_images)
    if copies_png is not None:
        images.save_png(copies_png, images.upscale(images.make_grid(pairs_grid(fakes, train_images, pairs), columns=2), 2))
    return scores


def evaluate_generator(generator: torch.nn.Module, cfg, n: int | None = None, seed: int = 0, *,
                       protocol: Protocol = V1, cache_dir=None, threads: int = 1,
                       world: World = LOCAL, truncation: float = 1.0, copies_png=None) -> dict | None:
    """`evaluate_images` of n images (default protocol.n_fake) that `generator` draws from latents
    seeded with `seed` (`gankit.sampling.sample`), against the run's dataset (`cfg.data`).

    `truncation` psi < 1 draws them with the truncation trick (`gankit.truncation`); the
    result then says "truncation": psi. The generator runs in eval mode and is returned to its
    previous mode; adds "seed" to the result. The copy detector compares with the run's own
    training images (`data.limit`'s choice).

    In a `world` of several ranks every rank must call it: each draws its share of the images,
    rank 0 scores them all and returns the result, the others return None.
    """
    if cfg.data.folder:
        raise ConfigError(f"runs on a folder of images ({cfg.data.folder}) cannot be evaluated: there is no judge "
                          "network for them (judges exist for: " + ", ".join(sorted(dict(protocol.judge_sha256))) + ")")
    n = protocol.n_fake if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or n < protocol.min_samples:
        raise SampleError(f"n: need at least {protocol.min_samples} generated images, got {n!r}")
    was_training = generator.training
    generator.eval()
    try:
        fakes = sample(generator, cfg, n, seed=seed, world=world, truncation=truncation)
    finally:
        generator.train(was_training)
    if not world.is_main:
        return None
    result = evaluate_images(fakes, cfg.data.name, protocol, cache_dir=cache_dir, data_dir=cfg.data.dir or None,
                             threads=threads, train_indices=run_train_indices(cfg, protocol), copies_png=copies_png)
    if is_conditional(cfg.model):  # did G draw the class it was asked for? (`gankit sample --class c`)
        with torch_threads(threads):
            accuracy = class_accuracy(generator, cfg, n_per_class=max(1, n // cfg.model.num_classes), seed=seed,
                                      protocol=protocol, truncation=truncation)
        result = {**result, "class_accuracy": [round(a, 4) for a in accuracy], "min_class_accuracy": min(accuracy)}
    return {**result, "seed": seed, **({"truncation": truncation} if truncation != 1.0 else {})}
