"""The real side of an evaluation, loaded once and kept: a run that evaluates every N steps
scores each time against the same judge, statistics and training images.

    reals = load_reals("mnist")                  # judge, cached RealStats, training images, ...
    result = score_images(fakes, reals)          # gankit.eval.evaluate

Loading costs a second or so with the statistics cached (the dataset read, hashed and checked
against the cache), a minute or two without (`gankit.eval.cache`).
"""

import dataclasses
from dataclasses import dataclass

import torch

from gankit.data import load_split
from gankit.judges import Judge, feature_classes, load_judge
from gankit.metrics.class_variety import class_spreads
from gankit.workers import torch_threads

from gankit.eval.cache import RealStats, cached_real_stats
from gankit.eval.protocol import V1, Protocol


@dataclass(frozen=True)
class Reals:
    dataset: str
    protocol: Protocol
    judge_sha256: str  # the protocol's pin for the dataset's judge
    judge: Judge  # in eval mode, on `device`
    stats: RealStats  # on `device`
    train_images: torch.Tensor  # uint8 (N_train, C, H, W): the memorisation split, on `device`
    train_classes: torch.Tensor  # int64 (N_train,): the judge's class for each training image
    reference_classes: torch.Tensor  # int64 (N_ref,): the judge's class for each reference image
    reference_spreads: list[float | None]  # `class_spreads` of the reference features by those classes

    @property
    def device(self) -> torch.device:
        return self.stats.reference_features.device


def load_reals(dataset: str, protocol: Protocol = V1, *, cache_dir=None, data_dir=None,
               device: str | torch.device = "cpu", workers: int = 0) -> Reals:
    """The judge of `dataset` under `protocol`, its real statistics (from the cache in `cache_dir`,
    default <cache root>/eval, computed there on first use by `workers` CPU threads, 0: one per
    core or OMP_NUM_THREADS) and the training images, found via `data_dir` as
    `gankit.data.load_split` finds them; all on `device`, where scoring then runs."""
    judge_sha256 = protocol.judge_hash(dataset)  # first: a dataset without a judge (CIFAR-10) says so
    judge = load_judge(dataset, sha256=judge_sha256)
    reference = load_split(dataset, protocol.reference_split, data_dir).images
    train = load_split(dataset, protocol.memorisation_split, data_dir).images
    with torch_threads(1):  # one intra-op thread: the numbers do not depend on the CPU
        stats = cached_real_stats(judge, dataset, protocol, judge_sha256, reference, train, cache_dir=cache_dir,
                                  workers=workers)
        stats = RealStats(**{f.name: getattr(stats, f.name).to(device) for f in dataclasses.fields(RealStats)})
        judge = judge.to(device)
        classes = feature_classes(judge, stats.reference_features)
        spreads = class_spreads(stats.reference_features, classes, judge.head.out_features)
    return Reals(dataset, protocol, judge_sha256, judge, stats, train.to(device),
                 feature_classes(judge, stats.train_features), classes, spreads)
