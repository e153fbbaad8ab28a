"""Whether this machine can run a config at all, checked before anything is allocated.

    check_resources(cfg.train, z_dim=cfg.model.z_dim, image_shape=(1, 28, 28))

A device that is not there (`train.device = "cuda"` without CUDA) and a batch that cannot fit
in memory are `ConfigError`s naming the option and the fix, instead of a CUDA or allocator
traceback after minutes (or after the machine has swapped 8 GB). The memory test is a lower
bound, images and latents alone, so it never refuses a size that would have fitted.
"""

import math
import os

import torch

from .errors import ConfigError

FLOAT_BYTES = 4
# option -> what one of its items holds at least, in floats: (pixels, z_dim) -> floats
ITEM_FLOATS = {
    "train.batch_size": lambda pixels, z_dim: 3 * pixels + z_dim,  # a real and a fake image, the fake's gradient, z
    "train.sample_count": lambda pixels, z_dim: pixels + z_dim,  # a grid image and its fixed z
}


def check_resources(train_cfg, *, z_dim: int, image_shape: tuple[int, int, int]) -> None:
    """`ConfigError` if `train_cfg.device` is missing here, or a batch or sample grid of its sizes
    cannot fit in the device's free memory. image_shape: (C, H, W) of the training images."""
    check_device(train_cfg.device)
    device = "cuda" if train_cfg.device == "cuda" or (train_cfg.device == "auto" and torch.cuda.is_available()) else "cpu"
    free = free_memory(device)
    for key, floats in ITEM_FLOATS.items():
        count = getattr(train_cfg, key.split(".")[1])
        need = count * floats(math.prod(image_shape), z_dim) * FLOAT_BYTES
        if need > free:
            raise ConfigError(f"{key} = {count} needs at least {need / 2**30:,.1f} GiB for its images alone, more "
                              f"than the {free / 2**30:,.1f} GiB of {device} memory free; lower it")


def check_device(name: str) -> None:
    """`ConfigError` if train.device names a device this machine does not have."""
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device = 'cuda', but this machine has no CUDA device that torch can use "
                          f"(torch {torch.__version__}, CUDA build {torch.version.cuda or 'none'}); "
                          "use --train.device=cpu or auto")


def free_memory(device: str) -> int:
    """Bytes free for tensors: on a GPU as CUDA reports, on the CPU the kernel's MemAvailable
    (free memory plus caches it can drop), or all physical memory where that is unknown."""
    if device == "cuda":
        return torch.cuda.mem_get_info()[0]
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**63  # unknown: nothing is refused
