"""Statistics of the real images under a protocol, computed once and cached on disk.

Scoring generated images needs the judge's features of the reference split (FID's mean and
covariance, KID and the real half of its subsets, the k-NN metrics and their radii) and of the
memorisation split, plus each reference image's distance to its nearest training image (the
memorisation threshold is a quantile of them; the copy detector calibrates on them). Computing
them takes a minute; the cache makes every later evaluation skip it. One safetensors file per
(protocol, dataset, judge hash):

    <cache root>/eval/gankit-eval-v1-mnist-<judge sha256[:16]>.safetensors

where the cache root is $GANKIT_CACHE, else $XDG_CACHE_HOME/gankit, else ~/.cache/gankit. The
header records the full key, every protocol field, a SHA-256 of the real images and one of the
cached tensors; a file that does not match (stale), cannot be read or fails its checksum
(corrupt) is recomputed and replaced. Writes go to a temporary file in the same folder, then an
atomic rename, so readers never see half a file.
"""

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import safetensors
import safetensors.torch
import torch

from gankit.data import cache_root, load_split
from gankit.judges import Judge, feature_classes, judge_outputs
from gankit.metrics import feature_stats

from gankit.eval.kid_terms import real_within
from gankit.eval.knn import real_radii
from gankit.eval.nearest import grouped_distances
from gankit.eval.protocol import Protocol
from gankit.writes import describe, discard

log = logging.getLogger(__name__)

FORMAT = "gankit-eval-real-stats"
FORMAT_VERSION = "2"  # 2: reference_train_nn and kid_real_within added


@dataclass(frozen=True)
class RealStats:
    reference_features: torch.Tensor  # float32 (N_ref, D): judge features of the reference split
    reference_mu: torch.Tensor  # float64 (D,): their mean (FID)
    reference_sigma: torch.Tensor  # float64 (D, D): their unbiased covariance (FID)
    reference_pr_radii: torch.Tensor  # float64 (N_ref,): k-NN radii for precision/recall (k = pr_k)
    reference_dc_radii: torch.Tensor  # float64 (N_ref,): k-NN radii for density/coverage (k = dc_k)
    train_features: torch.Tensor  # float32 (N_train, D): judge features of the memorisation split
    reference_train_nn: torch.Tensor  # float64 (N_ref,): each reference feature's distance to its nearest train feature
    memorisation_threshold: torch.Tensor  # float64 (): their memorisation_quantile quantile
    kid_real_within: torch.Tensor  # float64 (kid_subsets,): KID's real-real kernel means for n_fake fakes


def compute_real_stats(judge: Judge, reference: torch.Tensor, train: torch.Tensor,
                       protocol: Protocol, *, workers: int = 1) -> RealStats:
    """The judge's statistics of uint8 reference and memorisation-split images; `workers` CPU
    threads share the work (the numbers do not depend on it)."""
    reference_features, _ = judge_outputs(judge, reference, batch_size=protocol.judge_batch_size, workers=workers)
    train_features, _ = judge_outputs(judge, train, batch_size=protocol.judge_batch_size, workers=workers)
    mu, sigma = feature_stats(reference_features)
    # `memorisation(reference, train, reference)`'s threshold: it depends on real data only.
    reference_train_nn = grouped_distances(train_features, feature_classes(judge, train_features).cpu(),
                                           reference_features, feature_classes(judge, reference_features).cpu(),
                                           workers=workers)
    threshold = torch.quantile(reference_train_nn, protocol.memorisation_quantile)
    pr_radii, dc_radii = (real_radii(reference_features, k, workers=workers) for k in (protocol.pr_k, protocol.dc_k))
    return RealStats(reference_features, mu, sigma, pr_radii, dc_radii, train_features,
                     reference_train_nn, threshold, real_within(reference_features, protocol, workers=workers))


def cache_file(protocol: Protocol, dataset: str, judge_sha256: str, cache_dir: Path | None = None) -> Path:
    """Where the real statistics for (protocol, dataset, judge) are cached."""
    folder = Path(cache_dir) if cache_dir is not None else cache_root() / "eval"
    return folder / f"{protocol.name}-{dataset}-{judge_sha256[:16]}.safetensors"


def real_stats(judge: Judge, dataset: str, protocol: Protocol, judge_sha256: str, *,
               cache_dir: Path | None = None, data_dir=None, workers: int = 1) -> RealStats:
    """Cached `compute_real_stats` of `dataset`'s splits (found as `load_split` finds them)."""
    reference = load_split(dataset, protocol.reference_split, data_dir).images
    train = load_split(dataset, protocol.memorisation_split, data_dir).images
    return cached_real_stats(judge, dataset, protocol, judge_sha256, reference, train, cache_dir=cache_dir,
                             workers=workers)


def cached_real_stats(judge: Judge, dataset: str, protocol: Protocol, judge_sha256: str, reference: torch.Tensor,
                      train: torch.Tensor, *, cache_dir: Path | None = None, workers: int = 1) -> RealStats:
    """`compute_real_stats` of uint8 `reference` and `train` images of `dataset`, read from the
    cache when it holds them, else computed and written there.

    `judge_sha256` names the judge. The key also holds a SHA-256 of the images themselves, so
    statistics of other data (a `data_dir` with a subset, say) are never mixed up with these.
    """
    path = cache_file(protocol, dataset, judge_sha256, cache_dir)
    header = _header(protocol, dataset, judge_sha256, _checksum({"reference": reference, "train": train}))
    stats = read_cache(path, header)
    if stats is None:
        log.warning("%s: computing the real images' statistics once (a minute or two on a CPU)", path)
        stats = compute_real_stats(judge, reference, train, protocol, workers=workers)
        try:
            write_cache(path, stats, header)
        except OSError as err:  # a full or read-only cache folder costs time next time, not this result
            log.warning("%s: could not keep the real images' statistics (%s); they are computed again next time",
                        path, describe(err)[0])
    return stats


def _header(protocol: Protocol, dataset: str, judge_sha256: str, data_sha256: str) -> dict[str, str]:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "dataset": dataset,
            "judge_sha256": judge_sha256, "data_sha256": data_sha256,
            "protocol": json.dumps(dataclasses.asdict(protocol), sort_keys=True)}


def _checksum(tensors: dict[str, torch.Tensor]) -> str:
    digest = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name]
        digest.update(f"{name}:{t.dtype}:{tuple(t.shape)}".encode())
        digest.update(t.contiguous().numpy().tobytes())
    return digest.hexdigest()


def write_cache(path: Path, stats: RealStats, header: dict[str, str]) -> None:
    """Write `stats` to `path` atomically (temporary file, fsync, rename)."""
    tensors = {f.name: getattr(stats, f.name).contiguous() for f in dataclasses.fields(RealStats)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        header = {**header, "sha256": _checksum(tensors)}
        safetensors.torch.save_file(tensors, tmp, metadata={"gankit": json.dumps(header, sort_keys=True)})
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise


def read_cache(path: Path, header: dict[str, str]) -> RealStats | None:
    """The stats in `path` if it exists, matches `header` and its checksum; else None."""
    if not path.is_file():
        return None
    try:
        with safetensors.safe_open(str(path), framework="pt") as f:
            metadata = json.loads((f.metadata() or {}).get("gankit", "{}"))
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except Exception as err:  # safetensors and json raise several types for damaged files
        log.warning("%s: unreadable (%s); recomputing", path, err)
        return None
    if not isinstance(metadata, dict) or any(metadata.get(k) != v for k, v in header.items()):
        log.info("%s: written for another protocol, judge or format; recomputing", path)
        return None
    names = {f.name for f in dataclasses.fields(RealStats)}
    if set(tensors) != names or metadata.get("sha256") != _checksum(tensors):
        log.warning("%s: damaged or from another gankit version; recomputing", path)
        return None
    return RealStats(**tensors)
