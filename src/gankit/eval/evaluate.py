"""Score generated images against a dataset under a protocol: every metric, one flat dict.

    result = evaluate_images(fakes, "mnist")                # fakes: uint8 (N, 1, 28, 28)
    result = evaluate_generator(generator, cfg, n=10_000, seed=0)
    result["fid"], result["precision"], result["protocol"]  # "gankit-eval-v1"
    reals = load_reals("mnist"); score_images(fakes, reals) # the real side loaded once, for many calls

The result holds plain floats, ints, strings and lists, so it goes straight into JSON lines.
Where the time goes, and what each search costs: `bench/eval_time.py`.
"""

from contextlib import contextmanager

import torch

from gankit import images
from gankit.data import get_spec, load_split
from gankit.data.limit import choose_indices
from gankit.distributed import LOCAL, World
from gankit.errors import ConfigError
from gankit.judges import judge_outputs
from gankit.metrics import class_histogram, feature_stats, frechet_distance, inception_score
from gankit.metrics.class_variety import class_spreads, variety_of_spreads
from gankit.models import is_conditional
from gankit.sampling import sample
from gankit.workers import torch_threads, worker_count

from gankit.eval.class_accuracy import class_accuracy
from gankit.eval.copies import copy_scores, pairs_grid
from gankit.eval.kid_terms import kid_scores
from gankit.eval.knn import knn_scores
from gankit.eval.nearest import distances_to, grouped_distances
from gankit.eval.protocol import V1, Protocol
from gankit.eval.reals import Reals, load_reals
from gankit.eval.samples import SampleError, check_images

# Images per G forward on a CPU: a 100-image batch's activations stay in the cache (the fast
# preset's G draws twice as fast as with 500) and, a multiple of the 10 classes that a
# conditional G draws in turn, it gives the images of `gankit sample`'s 500.
CPU_SAMPLE_BATCH = 100


def score_features(features: torch.Tensor, probs: torch.Tensor, reals: Reals, *, train_nn: torch.Tensor,
                   workers: int = 1) -> dict:
    """Every metric of fake `(M, D)` judge features and `(M, C)` class probabilities on
    `reals.device` but the copy detector's; `train_nn`: (M,) each feature's distance to its
    nearest training feature (`distances_to(reals.stats.train_features, features)`'s)."""
    stats, p = reals.stats, reals.protocol
    kid_mean, kid_std = kid_scores(stats.reference_features, features, p, cached_within=stats.kid_real_within,
                                   workers=workers)
    is_mean, is_std = inception_score(probs, splits=p.is_splits)
    knn = knn_scores(stats.reference_features, features, pr_radii=stats.reference_pr_radii, pr_k=p.pr_k,
                     dc_radii=stats.reference_dc_radii, dc_k=p.dc_k, workers=workers)
    histogram = class_histogram(probs, probs.shape[1], min_fraction=p.class_min_fraction)
    return {
        "fid": frechet_distance(stats.reference_mu, stats.reference_sigma, *feature_stats(features)),
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "is_mean": is_mean,
        "is_std": is_std,
        **knn,  # precision, recall, density, coverage
        "classes_covered": histogram["classes_covered"],
        "kl_to_uniform": histogram["kl_to_uniform"],
        "class_histogram": histogram["histogram"],
        # `memorisation(fake, train, reference)["fraction"]`, with its threshold cached
        "memorised_fraction": float((train_nn <= float(stats.memorisation_threshold)).double().mean()),
        **variety_of_spreads(reals.reference_spreads, class_spreads(features, probs.argmax(dim=1), probs.shape[1])),
    }


def copy_detector(fakes: torch.Tensor, features: torch.Tensor, train_nn: torch.Tensor, reals: Reals,
                  train_indices: torch.Tensor | None, copies_png, *, workers: int = 1) -> dict:
    """`copy_scores` of uint8 fakes and their judge features (`train_nn`: their distances to the
    nearest training feature) against the training images (`train_indices` rows of the train
    split, None = all); saves the closest pairs to `copies_png` (None: not saved)."""
    stats, train_images = reals.stats, reals.train_images
    if train_indices is None:  # the search memorisation did, and the reference images' own, cached
        fake_nn, held_out_nn = train_nn, stats.reference_train_nn
    else:
        train_indices = train_indices.to(reals.device)
        train_images = train_images[train_indices]
        fake_nn, held_out_nn = distances_to(stats.train_features[train_indices], features, stats.reference_features,
                                            workers=workers)
    scores, pairs = copy_scores(fake_nn, held_out_nn, fakes, train_images, workers=workers)
    if copies_png is not None:
        grid = pairs_grid(fakes.cpu(), train_images.cpu(), pairs)
        images.save_png(copies_png, images.upscale(images.make_grid(grid, columns=2), 2))
    return scores


def float32_switches() -> list[tuple[object, str, object]]:
    """(object, attribute, value) that make CUDA matrix products and cuDNN convolutions compute
    float32 in float32 (no TF32): PyTorch >= 2.9's per-operator switches, else the older flags
    (the two kinds must not be mixed: PyTorch refuses to read a mixture)."""
    if hasattr(torch.backends.cuda.matmul, "fp32_precision"):
        return [(torch.backends.cuda.matmul, "fp32_precision", "ieee"),
                (torch.backends.cudnn.conv, "fp32_precision", "ieee")]
    return [(torch.backends.cuda.matmul, "allow_tf32", False), (torch.backends.cudnn, "allow_tf32", False)]


@contextmanager
def full_float32(device: torch.device):
    """float32 products in float32 on a GPU too, for the block: TF32 off for matrix products and
    convolutions (the judge's features, and the float32 margins of `gankit.eval.nearest`)."""
    switches = float32_switches() if device.type == "cuda" else []
    before = [getattr(owner, name) for owner, name, _ in switches]
    for owner, name, value in switches:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for (owner, name, _), value in zip(switches, before):
            setattr(owner, name, value)


def score_images(fakes: torch.Tensor, reals: Reals, *, threads: int = 0, train_indices: torch.Tensor | None = None,
                 copies_png=None) -> dict:
    """`evaluate_images` against the real side `reals` (`load_reals`), on its device, for uint8
    fakes already checked by `check_images`; `threads` as for `evaluate_images`."""
    workers = worker_count(threads) if reals.device.type == "cpu" else 1
    p = reals.protocol
    with full_float32(reals.device), torch_threads(1):  # one intra-op thread: the numbers do not depend on the CPU
        features, probs = judge_outputs(reals.judge, fakes, batch_size=p.judge_batch_size, workers=workers)
        features, probs, fakes = features.to(reals.device), probs.to(reals.device), fakes.to(reals.device)
        train_nn = grouped_distances(reals.stats.train_features, reals.train_classes, features, probs.argmax(dim=1),
                                     workers=workers)
        scores = score_features(features, probs, reals, train_nn=train_nn, workers=workers)
        copies = copy_detector(fakes, features, train_nn, reals, train_indices, copies_png, workers=workers)
    return {"protocol": p.name, "dataset": reals.dataset, "judge_sha256": reals.judge_sha256,
            "n": fakes.shape[0], **scores, **copies}


def evaluate_images(fakes, dataset: str, protocol: Protocol = V1, *,
                    cache_dir=None, data_dir=None, threads: int = 0, train_indices: torch.Tensor | None = None,
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
    dataset found via `data_dir` as `gankit.data.load_split` finds them (`load_reals`).

    `threads` CPU threads share the work (0: `gankit.workers.worker_count`, one per core or
    OMP_NUM_THREADS), each running whole pieces of it on one intra-op thread, so the numbers are
    the same for any count.
    """
    protocol.judge_hash(dataset)  # first: a dataset without a judge (CIFAR-10) says so
    fakes = check_images(fakes, get_spec(dataset).image_shape, min_samples=protocol.min_samples,
                         name="generated images")
    reals = load_reals(dataset, protocol, cache_dir=cache_dir, data_dir=data_dir, workers=threads)
    return score_images(fakes, reals, threads=threads, train_indices=train_indices, copies_png=copies_png)


def run_train_indices(cfg, protocol: Protocol) -> torch.Tensor | None:
    """The rows of the train split a run trained on: `data.limit`'s seeded choice, None for all."""
    if not cfg.data.limit:
        return None
    labels = load_split(cfg.data.name, protocol.memorisation_split, cfg.data.dir or None).labels
    return choose_indices(labels, limit=cfg.data.limit, seed=cfg.data.limit_seed)


def evaluate_generator(generator: torch.nn.Module, cfg, n: int | None = None, seed: int = 0, *,
                       protocol: Protocol = V1, cache_dir=None, threads: int = 0, world: World = LOCAL,
                       truncation: float = 1.0, copies_png=None, reals: Reals | None = None) -> dict | None:
    """`evaluate_images` of n images (default protocol.n_fake) that `generator` draws from latents
    seeded with `seed` (`gankit.sampling.sample`), against the run's dataset (`cfg.data`).

    `truncation` psi < 1 draws them with the truncation trick (`gankit.truncation`); the
    result then says "truncation": psi. The generator runs in eval mode and is returned to its
    previous mode; adds "seed" to the result. The copy detector compares with the run's own
    training images (`data.limit`'s choice). `reals`: the real side already loaded
    (`load_reals` of the run's dataset under `protocol`), e.g. kept by a run between its
    evaluations; None loads it (`cache_dir`). `threads` as for `evaluate_images`, sampling too.

    In a `world` of several ranks every rank must call it: each draws its share of the images,
    rank 0 scores them all and returns the result, the others return None.
    """
    if cfg.data.folder:
        raise ConfigError(f"runs on a folder of images ({cfg.data.folder}) cannot be evaluated: there is no judge "
                          "network for them (judges exist for: " + ", ".join(sorted(dict(protocol.judge_sha256))) + ")")
    n = protocol.n_fake if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or n < protocol.min_samples:
        raise SampleError(f"n: need at least {protocol.min_samples} generated images, got {n!r}")
    if reals is not None and (reals.dataset, reals.protocol) != (cfg.data.name, protocol):
        raise ConfigError(f"reals: loaded for {reals.dataset} under {reals.protocol.name}, "
                          f"not for {cfg.data.name} under {protocol.name}")
    if reals is None and world.is_main:
        reals = load_reals(cfg.data.name, protocol, cache_dir=cache_dir, data_dir=cfg.data.dir or None, workers=threads)
    cpu = next(generator.parameters()).device.type == "cpu"
    sampling = {"workers": threads, "batch_size": CPU_SAMPLE_BATCH if cpu else 500}
    was_training = generator.training
    generator.eval()
    try:
        fakes = sample(generator, cfg, n, seed=seed, world=world, truncation=truncation, **sampling)
        if world.is_main and is_conditional(cfg.model):  # does G draw the class asked for? (`gankit sample --class c`)
            accuracy = class_accuracy(generator, cfg, n_per_class=max(1, n // cfg.model.num_classes), seed=seed,
                                      protocol=protocol, truncation=truncation, judge=reals.judge, **sampling)
    finally:
        generator.train(was_training)
    if not world.is_main:
        return None
    fakes = check_images(fakes, get_spec(cfg.data.name).image_shape, min_samples=protocol.min_samples,
                         name="generated images")
    result = score_images(fakes, reals, threads=threads, train_indices=run_train_indices(cfg, protocol),
                          copies_png=copies_png)
    if is_conditional(cfg.model):
        result = {**result, "class_accuracy": [round(a, 4) for a in accuracy], "min_class_accuracy": min(accuracy)}
    return {**result, "seed": seed, **({"truncation": truncation} if truncation != 1.0 else {})}
