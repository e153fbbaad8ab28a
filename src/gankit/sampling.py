"""Drawing images from a trained generator."""

from pathlib import Path

import numpy as np
import torch

from . import images
from .checkpoint import load_checkpoint, mismatch_detail
from .config import Config, config_from_dict
from .data.source import image_shape
from .distributed import LOCAL, World
from .errors import CheckpointError, ConfigError
from .latent import LATENTS
from .models import build_models, is_conditional
from .truncation import truncate
from .workers import map_pieces
from .writes import replacing


def load_generator(checkpoint: Path) -> tuple[torch.nn.Module, Config]:
    """The generator stored in `checkpoint` (its g_ema when the run kept one), in eval mode on
    the CPU, and the run's config. (The public `gankit.load_generator` wraps this in a
    `gankit.trained.TrainedGenerator` with a `.sample` method.)"""
    return generator_from_state(load_checkpoint(checkpoint, require=("config", "generator")), checkpoint)


def generator_from_state(state: dict, checkpoint: Path) -> tuple[torch.nn.Module, Config]:
    """`load_generator` of a checkpoint already read by `load_checkpoint` (`checkpoint` names it in errors)."""
    cfg = config_from_dict(state["config"])
    generator, _ = build_models(cfg.model, image_shape(cfg.data))
    try:
        generator.load_state_dict(state.get("g_ema", state["generator"]))  # g_ema draws the better images
    except RuntimeError as err:
        raise CheckpointError(f"{checkpoint}: does not fit model '{cfg.model.name}': {mismatch_detail(err)}") from None
    return generator.eval(), cfg


def latents(cfg, n: int, *, seed: int = 0, truncation: float = 1.0) -> torch.Tensor:
    """The float32 (n, z_dim) latents that `sample(..., seed=seed)` draws, on the CPU (the same z
    anywhere), pulled towards the centre by `truncation` psi in [0, 1] (1: none; `gankit.truncation`)."""
    z = LATENTS[cfg.model.z_dist](n, cfg.model.z_dim, torch.Generator().manual_seed(seed))
    return truncate(z, truncation, cfg.model.z_dist)


@torch.no_grad()
def sample(generator: torch.nn.Module, cfg, n: int, *, seed: int = 0, batch_size: int = 500,
           world: World = LOCAL, class_index: int | None = None, truncation: float = 1.0,
           workers: int = 1) -> torch.Tensor:
    """n images as uint8 (n, C, H, W), from latents drawn with `seed`; the same seed, the same images.

    A conditional generator draws class `class_index`, or with None the classes in turn
    (0, 1, ..., K-1, 0, ...) within each batch; `check_class` says whether a class can be asked
    for. `truncation` psi < 1 pulls the latents towards their centre (`latents`). On the CPU,
    `workers` threads draw batches at once (`gankit.workers.map_pieces`: the same images for any
    count), unless G is compiled (torch.compile is not thread-safe).

    In a `world` of several ranks every rank must call it: each draws an equal share of the
    latents (the last padded) and every rank returns all n images, in order."""
    z = latents(cfg, n, seed=seed, truncation=truncation)
    share = -(-n // world.size)
    z = world.shard(torch.cat([z, z.new_zeros(share * world.size - n, z.shape[1])]))
    device = next(generator.parameters()).device
    draw = lambda part: images.to_uint8(generator(*_inputs(part.to(device), class_index)), generator.output_range)  # noqa: E731
    compiled = getattr(generator, "_compiled_call_impl", None) is not None  # set by nn.Module.compile
    chunks = map_pieces(draw, z.split(batch_size), workers=workers if device.type == "cpu" and not compiled else 1)
    return world.gather(torch.cat(chunks))[:n]


@torch.no_grad()
def sample_latents(generator: torch.nn.Module, z: torch.Tensor, labels: torch.Tensor | None = None, *,
                   batch_size: int = 500) -> torch.Tensor:
    """uint8 (N, C, H, W) images of given latents z (N, z_dim), and for a conditional generator
    int64 labels (N,) (None: the classes in turn), as `gankit sample --z FILE` draws them."""
    device = next(generator.parameters()).device
    chunks = []
    for start in range(0, len(z), batch_size):
        inputs = [z[start:start + batch_size]] + ([] if labels is None else [labels[start:start + batch_size]])
        chunks.append(images.to_uint8(generator(*(t.to(device) for t in inputs)), generator.output_range))
    return torch.cat(chunks)


def _inputs(z: torch.Tensor, class_index: int | None) -> tuple:
    return (z,) if class_index is None else (z, torch.full((len(z),), class_index, device=z.device))


def check_class(cfg, class_index: int) -> None:
    """ConfigError unless the run of `cfg` is conditional and has class `class_index`."""
    if not is_conditional(cfg.model):
        raise ConfigError(f"--class {class_index}: model '{cfg.model.name}' is unconditional, it cannot be asked "
                          "for a class; train a conditional model (model.name = cgan or acgan)")
    if not 0 <= class_index < cfg.model.num_classes:
        raise ConfigError(f"--class {class_index}: this run's classes are 0 to {cfg.model.num_classes - 1}")


def save_npz(path: Path, fakes: torch.Tensor) -> None:
    """Write uint8 images (N, 1, H, W) as `images`, shape (N, H, W), or (N, H, W, C) for colour."""
    array = fakes.numpy()
    array = array[:, 0] if array.shape[1] == 1 else array.transpose(0, 2, 3, 1)
    with replacing(path, "the images") as tmp:
        np.savez_compressed(tmp, images=array)
