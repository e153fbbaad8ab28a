"""Checkpoints as plain data: one safetensors file, no pickle.

A checkpoint file `step-000002000.safetensors` holds every tensor of the training state
(weights, BatchNorm buffers, optimiser moments, RNG states) under dotted names, and one JSON
document in the safetensors header (`__metadata__["gankit"]`) with everything else: the format
and gankit versions, the step, the config, optimiser hyper-parameters, schedules. Loading
parses JSON and raw tensor bytes only, so a checkpoint from an untrusted source cannot run code.

Writes are atomic: a temporary file in the same folder, fsync, then rename, so a crash or a
full disk leaves the previous checkpoint intact.
"""

import json
import os
import re
from pathlib import Path

import safetensors
import safetensors.torch
import torch

from . import __version__
from .errors import CheckpointError
from .writes import discard, write_error

FORMAT = "gankit-checkpoint"
FORMAT_VERSION = 1
_NAME = re.compile(r"step-(\d+)\.safetensors$")
_PARTIAL = ".*.safetensors.tmp-*"  # a write a kill cut short: `save_checkpoint`'s temporary file


def pack(obj, prefix: str, tensors: dict[str, torch.Tensor]):
    """`obj` (nested dicts/lists/tuples of tensors and JSON scalars) as JSON-able data; each tensor
    is moved into `tensors` under a dotted name and replaced by {"tensor": name}."""
    if isinstance(obj, torch.Tensor):
        tensors[prefix] = obj.detach().cpu().contiguous().clone()
        return {"tensor": prefix}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"dict": {k: pack(v, f"{prefix}.{k}", tensors) for k, v in obj.items()}}
        return {"items": [[k, pack(v, f"{prefix}.{k}", tensors)] for k, v in obj.items()]}  # e.g. int keys
    if isinstance(obj, (list, tuple)):
        return {"list": [pack(v, f"{prefix}.{i}", tensors) for i, v in enumerate(obj)]}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    raise TypeError(f"cannot store {type(obj).__name__} at {prefix} in a checkpoint")


def unpack(data, tensors: dict[str, torch.Tensor]):
    """The inverse of `pack` (tuples come back as lists)."""
    (kind, body), = data.items()
    if kind == "tensor":
        return tensors[body]
    if kind == "dict":
        return {k: unpack(v, tensors) for k, v in body.items()}
    if kind == "items":
        return {k: unpack(v, tensors) for k, v in body}
    if kind == "list":
        return [unpack(v, tensors) for v in body]
    return body


def checkpoint_name(step: int) -> str:
    return f"step-{step:09d}.safetensors"


def save_checkpoint(path: str | Path, state: dict) -> None:
    """Atomically write `state` (nested dicts of tensors and JSON scalars) to `path`."""
    path = Path(path)
    tensors: dict[str, torch.Tensor] = {}
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "gankit_version": __version__,
            "state": pack(state, "state", tensors)}
    blob = safetensors.torch.save(tensors, metadata={"gankit": json.dumps(meta)})
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # make the rename itself durable
        finally:
            os.close(dir_fd)
    except OSError as err:
        discard(tmp)
        others = list_checkpoints(path.parent)  # `path` itself, if it was there before
        kept = f"{others[-1].name} is intact" if others else "no earlier checkpoint exists"
        raise write_error(path, err, f"the checkpoint ({kept})") from None


def load_checkpoint(path: str | Path, *, require: tuple[str, ...] = ()) -> dict:
    """The state saved by `save_checkpoint`, tensors on the CPU. Raises `CheckpointError`, also when
    the state lacks one of the top-level keys in `require` (e.g. "config", "generator")."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path}: a folder, not a checkpoint file; give a .safetensors file (a run folder "
                              "goes to --run or --resume)")
    try:
        with safetensors.safe_open(path, framework="pt") as f:
            header = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except FileNotFoundError:
        raise CheckpointError(f"{path}: checkpoint not found") from None
    except Exception as err:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(err).__name__}); it may be truncated "
                              "(a kill or a full disk while writing): delete it, and the run's newest "
                              "checkpoint before it is used") from None
    try:
        meta = json.loads(header["gankit"])
    except (KeyError, json.JSONDecodeError):
        raise CheckpointError(f"{path}: not a gankit checkpoint (no gankit metadata)") from None
    found = meta.get("format") if isinstance(meta, dict) else None
    if found != FORMAT:
        raise CheckpointError(f"{path}: not a gankit checkpoint (format {found!r})")
    version = meta.get("format_version", 0)
    if not isinstance(version, int):
        raise CheckpointError(f"{path}: damaged gankit metadata (format_version {version!r})")
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format v{meta['format_version']} is newer than this gankit "
                              f"({__version__}, format v{FORMAT_VERSION}); upgrade gankit to load it")
    try:
        state = unpack(meta["state"], tensors)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise CheckpointError(f"{path}: damaged gankit metadata ({type(err).__name__} {err}); "
                              "it was not written by gankit's save_checkpoint") from None
    missing = [key for key in require if not isinstance(state, dict) or key not in state]
    if missing:
        raise CheckpointError(f"{path}: the checkpoint lacks {', '.join(missing)}; it was not written by "
                              "gankit's training, or by a version that stored less")
    return state


def mismatch_detail(err: RuntimeError, limit: int = 300) -> str:
    """The first `limit` characters of a `load_state_dict` error on one line: which keys and shapes
    differ, not only torch's 'Error(s) in loading state_dict' heading."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[:limit] + "..."


def remove_partial_writes(folder: str | Path) -> list[Path]:
    """Delete the temporary files of checkpoint writes a kill cut short; return them. Only for the
    one process that owns the run (see `gankit.runlock`): another's write would be cut short too."""
    found = sorted(Path(folder).glob(_PARTIAL))
    for path in found:
        path.unlink(missing_ok=True)
    return found


def list_checkpoints(folder: str | Path) -> list[Path]:
    """The checkpoints in `folder`, oldest step first."""
    found = [(int(m.group(1)), p) for p in Path(folder).glob("step-*.safetensors") if (m := _NAME.search(p.name))]
    return [p for _, p in sorted(found)]


def prune_checkpoints(folder: str | Path, keep: int) -> None:
    """Delete all but the `keep` most recent checkpoints in `folder`."""
    for path in list_checkpoints(folder)[:-keep]:
        path.unlink()
