"""Latents as files: the z that `gankit project` finds, and that `gankit sample --z FILE` draws.

A latent file is a numpy .npz with
    z        float32 (N, z_dim)   the latents
    labels   int64 (N,)           the classes, for conditional runs only
and any other arrays its writer adds (`gankit project` adds `error`, the reconstruction error).
It holds numbers only; loading it never runs pickle code.
"""

from pathlib import Path

import numpy as np
import torch

from .errors import GankitError
from .models import is_conditional


class LatentFileError(GankitError):
    """A latent file that is missing, unreadable, or does not fit the run."""


def save_latents(path: str | Path, z: torch.Tensor, labels: torch.Tensor | None = None, **extra) -> None:
    """Write latents z (N, z_dim) and, for a conditional run, labels (N,) to the .npz `path`."""
    arrays = {"z": z.detach().cpu().float().numpy()}
    if labels is not None:
        arrays["labels"] = labels.detach().cpu().long().numpy()
    np.savez(path, **arrays, **{k: np.asarray(v) for k, v in extra.items()})


def load_latents(path: str | Path, cfg) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(z float32 (N, z_dim), labels int64 (N,) or None) from the .npz `path`, checked against the
    run of `cfg`: z's width is its `model.z_dim`; labels are given, in range, for a conditional run
    (a file without them draws the classes in turn) and refused for an unconditional one."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise LatentFileError(f"--z {path}: no such file; write one with `gankit project`") from None
    except Exception as err:  # numpy raises ValueError, OSError, zipfile errors... for bad files
        raise LatentFileError(f"--z {path}: not a readable .npz file ({type(err).__name__})") from None
    z_dim = cfg.model.z_dim
    z = arrays.get("z")
    if z is None or z.ndim != 2 or z.shape[1] != z_dim or z.shape[0] < 1 or z.dtype.kind != "f":
        found = "no array 'z'" if z is None else f"'z' of shape {z.shape} and dtype {z.dtype}"
        raise LatentFileError(f"--z {path}: expected float latents 'z' of shape (N, {z_dim}) for this run, "
                              f"found {found}")
    if not np.isfinite(z).all():
        raise LatentFileError(f"--z {path}: 'z' holds NaN or infinite values")
    return torch.from_numpy(z.astype(np.float32)), _labels(arrays.get("labels"), len(z), cfg, path)


def _labels(labels, n: int, cfg, path: Path) -> torch.Tensor | None:
    if labels is None:
        return None
    if not is_conditional(cfg.model):
        raise LatentFileError(f"--z {path}: has 'labels' but model '{cfg.model.name}' is unconditional; "
                              "drop them from the file")
    k = cfg.model.num_classes
    if labels.shape != (n,) or labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= k:
        raise LatentFileError(f"--z {path}: 'labels' must be {n} integers in 0..{k - 1}, one per row of 'z'")
    return torch.from_numpy(labels.astype(np.int64))
