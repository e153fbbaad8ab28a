"""Datasets: IDX files found, downloaded and verified, held in memory, and sampled in batches;
CIFAR-10's pickle batches read without running pickle code; folders of your own images.

    images = load_split("mnist", "train").images           # uint8 (60000, 1, 28, 28)
    sampler = BatchSampler(images, 64, generator=torch.Generator().manual_seed(0))
    x = to_model_range(sampler.next_batch(), 0.0, 1.0)    # float32 (64, 1, 28, 28) in [0, 1]
"""

from gankit.data.checksum import AllChecks, Md5Check, Sha256Check, md5_file, sha256_content, sha256_file
from gankit.data.dataset import (
    ORDERS,
    BatchSampler,
    ImageSet,
    PermutationOrder,
    RandomIndexOrder,
    load_split,
    to_model_range,
)
from gankit.data.download import DownloadError, download_file
from gankit.data.folder import load_folder
from gankit.data.idx import IDX_DTYPES, read_idx, write_idx
from gankit.data.locate import Located, cache_root, dataset_dir, find_file, get_spec, locate_dataset, missing_files
from gankit.data.cifar import parse_batch, read_cifar_split
from gankit.data.registry import DATASETS, SPLITS, CifarSpec, DatasetSpec, FileSpec

__all__ = [
    "AllChecks",
    "CifarSpec",
    "DATASETS",
    "IDX_DTYPES",
    "ORDERS",
    "SPLITS",
    "BatchSampler",
    "DatasetSpec",
    "DownloadError",
    "FileSpec",
    "ImageSet",
    "Located",
    "Md5Check",
    "PermutationOrder",
    "RandomIndexOrder",
    "Sha256Check",
    "cache_root",
    "dataset_dir",
    "download_file",
    "find_file",
    "get_spec",
    "load_folder",
    "load_split",
    "locate_dataset",
    "md5_file",
    "missing_files",
    "parse_batch",
    "read_cifar_split",
    "read_idx",
    "sha256_content",
    "sha256_file",
    "to_model_range",
    "write_idx",
]
