"""Taking a trained generator out of gankit: one file that runs with torch or onnxruntime alone.

    export_generator(checkpoint, Path("g.onnx"), format="onnx")     # -> ExportReport

The exported network is the run's G (its g_ema where the run kept one), in eval mode:
    inputs   z       float32 (N, z_dim), N any batch size, drawn from metadata["z_dist"]
             labels  int64 (N,) in [0, num_classes), conditional runs only
    output   images  float32 (N, C, H, W) in metadata["output_range"]
Its metadata (`generator_metadata`) travels inside the file, as JSON:
    TorchScript (.pt)  the extra file "gankit.json":
                       torch.jit.load(path, _extra_files={"gankit.json": ""}) fills the dict
    ONNX (.onnx)       the model's metadata_props entry "gankit":
                       onnxruntime.InferenceSession(path).get_modelmeta().custom_metadata_map["gankit"]

Every export checks itself before it returns: the file, loaded back with plain torch.jit.load or
onnxruntime, must draw gankit's images for the same z (and labels) to within `TOLERANCE`, at two
batch sizes; otherwise the file is deleted and `ExportError` raised.
"""

import importlib.util
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import __version__
from .checkpoint import load_checkpoint
from .data import get_spec
from .data.source import image_shape
from .errors import GankitError
from .models import is_conditional
from .models.conditional import classes_in_turn
from .sampling import generator_from_state, latents

TOLERANCE = 1e-5  # largest |exported - gankit| pixel difference allowed, float32, in G's output range
CHECK_SEED, CHECK_BATCHES = 12345, (64, 3)  # the self-check's latents: two batch sizes prove N is dynamic
METADATA_KEY = "gankit.json"  # TorchScript extra file; ONNX's metadata_props key is "gankit"
ONNX_OPSET = 17


class ExportError(GankitError):
    """An export that cannot be made, or whose file does not reproduce gankit's images."""


@dataclass
class ExportReport:
    path: Path  # the file written
    max_error: float  # largest |exported - gankit| over the self-check's images
    metadata: dict  # what the file carries (`generator_metadata`)


def generator_metadata(generator: torch.nn.Module, cfg, state: dict, checkpoint: Path) -> dict:
    """Everything a user of the exported file needs to feed it and read its output: the
    inputs, z's size and distribution, the images' shape and range, the class names of a
    conditional run, the run's config and step, gankit's version."""
    conditional = is_conditional(cfg.model)
    return {"format": "gankit-generator", "format_version": 1, "gankit_version": __version__,
            "inputs": ["z", "labels"] if conditional else ["z"], "z_dim": cfg.model.z_dim,
            "z_dist": cfg.model.z_dist, "z_range": [-1.0, 1.0] if cfg.model.z_dist == "uniform" else None,
            "output_range": list(generator.output_range), "image_shape": list(image_shape(cfg.data)),
            "dataset": cfg.data.folder or cfg.data.name, "conditional": conditional,
            "num_classes": cfg.model.num_classes if conditional else 0,
            "class_names": _class_names(cfg) if conditional else [],
            "weights": "g_ema" if "g_ema" in state else "generator", "step": state.get("step"),
            "checkpoint": Path(checkpoint).name, "tolerance": TOLERANCE, "config": state["config"]}


def _class_names(cfg) -> list[str]:
    if cfg.data.folder:  # a folder's class names are its subfolders, not kept in the config
        return [str(k) for k in range(cfg.model.num_classes)]
    return list(get_spec(cfg.data.name).classes)


def check_inputs(cfg, n: int) -> tuple[torch.Tensor, ...]:
    """The self-check's inputs: (z,) or (z, labels) for a batch of n."""
    z = latents(cfg, n, seed=CHECK_SEED)
    return (z, classes_in_turn(n, cfg.model.num_classes)) if is_conditional(cfg.model) else (z,)


def export_torchscript(generator: torch.nn.Module, example: tuple, path: Path, metadata: dict) -> None:
    """Trace G on `example` inputs (the batch size stays free) and save it with its metadata."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # shape arithmetic of 'same' padding: fixed H, W
        warnings.simplefilter("ignore", DeprecationWarning)  # torch 2.9+ points to torch.export, not yet a file format
        traced = torch.jit.trace(generator, example)
        torch.jit.save(traced, str(path), _extra_files={METADATA_KEY: json.dumps(metadata)})


def run_torchscript(path: Path, inputs: tuple) -> np.ndarray:
    """The file's images of `inputs`, loaded the way a program without gankit loads it."""
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torch.jit.load(str(path)).eval()(*inputs).numpy()


def export_onnx(generator: torch.nn.Module, example: tuple, path: Path, metadata: dict) -> None:
    """Export G as an ONNX graph with a dynamic batch dimension, metadata in metadata_props."""
    import onnx

    names = ["z", "labels"][:len(example)]
    axes = {name: {0: "batch"} for name in [*names, "images"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter's deprecation and tracer notes
        torch.onnx.export(generator, example, str(path), input_names=names, output_names=["images"],
                          dynamic_axes=axes, opset_version=ONNX_OPSET, dynamo=False)
    model = onnx.load(str(path))
    entry = model.metadata_props.add()
    entry.key, entry.value = "gankit", json.dumps(metadata)
    model.doc_string = f"gankit generator: z (N, {metadata['z_dim']}) -> images (N, {', '.join(map(str, metadata['image_shape']))})"
    onnx.save(model, str(path))


def run_onnx(path: Path, inputs: tuple) -> np.ndarray:
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {arg.name: value.numpy() for arg, value in zip(session.get_inputs(), inputs, strict=True)}
    return session.run(None, feed)[0]


# format -> (write the file, run the file, the packages it needs beyond torch)
FORMATS = {
    "torchscript": (export_torchscript, run_torchscript, ()),
    "onnx": (export_onnx, run_onnx, ("onnx", "onnxruntime")),
}


def export_generator(checkpoint: Path, out: Path, *, format: str) -> ExportReport:
    """Write the generator of `checkpoint` to `out` in `format` (a key of FORMATS), with its
    metadata, and check that the file draws gankit's images to within TOLERANCE."""
    write, run, packages = FORMATS[format]
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        raise ExportError(f"--format {format} needs the package(s) {', '.join(missing)}: "
                          f"pip install 'gankit[onnx]' (or pip install {' '.join(missing)})")
    state = load_checkpoint(checkpoint)
    generator, cfg = generator_from_state(state, checkpoint)
    metadata = generator_metadata(generator, cfg, state, checkpoint)
    out = Path(out)
    if out.parent and not out.parent.is_dir():
        raise ExportError(f"--out {out}: folder {out.parent} does not exist; create it or pick another path")
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        write(generator, check_inputs(cfg, CHECK_BATCHES[0]), tmp, metadata)
        max_error = self_check(generator, cfg, tmp, run)
        if not max_error <= TOLERANCE:  # also catches NaN
            raise ExportError(f"the exported {format} file draws images up to {max_error:.2g} away from gankit's "
                              f"(allowed {TOLERANCE:g}); not written. Report this with the run's config")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportReport(out, max_error, metadata)


@torch.no_grad()
def self_check(generator: torch.nn.Module, cfg, path: Path, run) -> float:
    """Largest |file - gankit| pixel difference over the check's latents, at each batch size."""
    errors = []
    for n in CHECK_BATCHES:
        inputs = check_inputs(cfg, n)
        expected = generator(*inputs).numpy()
        got = run(path, inputs)
        if got.shape != expected.shape:
            return float("inf")
        errors.append(float(np.abs(got - expected).max()))
    return max(errors)
