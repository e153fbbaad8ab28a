"""Evaluation protocols: every number gankit reports is computed under one named, frozen protocol.

A protocol fixes everything that changes the numbers: how many images are generated, what they
are compared with, the judge (by its weights' SHA-256) and its preprocessing, and each metric's
options. Two results are comparable only if they carry the same protocol name; any change to a
field here, the judge's weights included, needs a new name (`gankit-eval-v2`).
"""

from dataclasses import dataclass

from gankit.errors import ConfigError
from gankit.judges import JUDGES
from gankit.judges.inference import DEFAULT_BATCH_SIZE


@dataclass(frozen=True)
class Protocol:
    name: str  # reported with every number; one name, one set of field values
    n_fake: int  # generated images scored by default
    reference_split: str  # real images the distribution metrics compare with (all of them)
    memorisation_split: str  # real images a generator could copy (all of them)
    preprocessing: str  # the judge's fixed input mapping (see gankit.judges.model.preprocess)
    judge_batch_size: int  # images per judge forward pass (results do not depend on it)
    judge_sha256: tuple[tuple[str, str], ...]  # (dataset, SHA-256 of its judge's weights file)
    kid_subsets: int  # KID: number of random subsets
    kid_subset_size: int  # KID: images per subset (capped at the smaller set's size)
    kid_seed: int  # KID: seed of the subset draws
    is_splits: int  # Inception Score: contiguous groups averaged (Salimans et al. use 10)
    pr_k: int  # improved precision/recall: k-th neighbour radius (Kynkäänniemi et al. 2019)
    dc_k: int  # density/coverage: k-th neighbour radius (Naeem et al. 2020)
    class_min_fraction: float  # class histogram: a class is covered at this share of samples
    memorisation_quantile: float  # memorisation: threshold = this quantile of test-to-train distances

    def judge_hash(self, dataset: str) -> str:
        """The SHA-256 this protocol pins for `dataset`'s judge; `ConfigError` if it has none."""
        pins = dict(self.judge_sha256)
        if dataset not in pins:
            raise ConfigError(f"protocol {self.name} has no judge for dataset {dataset!r}; "
                              f"it covers: {', '.join(sorted(pins))}")
        return pins[dataset]

    @property
    def min_samples(self) -> int:
        """Fewest generated images every metric is defined for (k-NN radii need k + 1)."""
        return max(2, self.pr_k + 1, self.dc_k + 1, self.is_splits)


V1 = Protocol(
    name="gankit-eval-v1",
    n_fake=10_000,
    reference_split="test",
    memorisation_split="train",
    preprocessing="uint8 (N, 1, 28, 28) -> float32 x / 127.5 - 1 in [-1, 1]",
    judge_batch_size=DEFAULT_BATCH_SIZE,
    judge_sha256=tuple((dataset, spec.sha256) for dataset, spec in sorted(JUDGES.items())),
    kid_subsets=100,
    kid_subset_size=1000,
    kid_seed=0,
    is_splits=10,
    pr_k=3,
    dc_k=5,
    class_min_fraction=0.01,
    memorisation_quantile=0.05,
)

# name -> protocol; results name theirs, so old numbers stay interpretable after a v2.
PROTOCOLS: dict[str, Protocol] = {V1.name: V1}
