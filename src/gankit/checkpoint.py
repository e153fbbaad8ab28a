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

FORMAT = "gankit-checkpoint"
FORMAT_VERSION = 1
_NAME = re.compile(r"step-(\d+)\.safetensors$")


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
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise CheckpointError(f"{path}: could not write checkpoint ({err.strerror}); the previous one is intact") from None
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


def load_checkpoint(path: str | Path) -> dict:
    """The state saved by `save_checkpoint`, tensors on the CPU. Raises `CheckpointError`."""
    path = Path(path)
    try:
        with safetensors.safe_open(path, framework="pt") as f:
            header = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except FileNotFoundError:
        raise CheckpointError(f"{path}: checkpoint not found") from None
    except Exception as err:  # safetensors raises its own error types for corrupt headers
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(err).__name__}); "
                              "it may be truncated: use an earlier one") from None
    try:
        meta = json.loads(header["gankit"])
    except (KeyError, json.JSONDecodeError):
        raise CheckpointError(f"{path}: not a gankit checkpoint (no gankit metadata)") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a gankit checkpoint (format {meta.get('format')!r})")
    if meta.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format v{meta['format_version']} is newer than this gankit "
                              f"({__version__}, format v{FORMAT_VERSION}); upgrade gankit to load it")
    return unpack(meta["state"], tensors)


def list_checkpoints(folder: str | Path) -> list[Path]:
    """The checkpoints in `folder`, oldest step first."""
    found = [(int(m.group(1)), p) for p in Path(folder).glob("step-*.safetensors") if (m := _NAME.search(p.name))]
    return [p for _, p in sorted(found)]


def prune_checkpoints(folder: str | Path, keep: int) -> None:
    """Delete all but the `keep` most recent checkpoints in `folder`."""
    for path in list_checkpoints(folder)[:-keep]:
        path.unlink()
