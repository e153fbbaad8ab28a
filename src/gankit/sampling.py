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
from .writes import replacing


def load_generator(checkpoint: Path) -> tuple[torch.nn.Module, Config]:
    """The generator stored in `checkpoint` (its g_ema when the run kept one), in eval mode on
    the CPU, and the run's config."""
    state = load_checkpoint(checkpoint, require=("config", "generator"))
    cfg = config_from_dict(state["config"])
    generator, _ = build_models(cfg.model, image_shape(cfg.data))
    try:
        generator.load_state_dict(state.get("g_ema", state["generator"]))  # g_ema draws the better images
    except RuntimeError as err:
        raise CheckpointError(f"{checkpoint}: does not fit model '{cfg.model.name}': {mismatch_detail(err)}") from None
    return generator.eval(), cfg


@torch.no_grad()
def sample(generator: torch.nn.Module, cfg, n: int, *, seed: int = 0, batch_size: int = 500,
           world: World = LOCAL, class_index: int | None = None) -> torch.Tensor:
    """n images as uint8 (n, C, H, W), from latents drawn with `seed`; the same seed, the same images.

    A conditional generator draws class `class_index`, or with None the classes in turn
    (0, 1, ..., K-1, 0, ...); `check_class` says whether a class can be asked for.

    In a `world` of several ranks every rank must call it: each draws an equal share of the
    latents (the last padded) and every rank returns all n images, in order."""
    z = LATENTS[cfg.model.z_dist](n, cfg.model.z_dim, torch.Generator().manual_seed(seed))  # on the CPU: same z anywhere
    share = -(-n // world.size)
    z = world.shard(torch.cat([z, z.new_zeros(share * world.size - n, z.shape[1])]))
    device = next(generator.parameters()).device
    chunks = [images.to_uint8(generator(*_inputs(part.to(device), class_index)), generator.output_range)
              for part in z.split(batch_size)]
    return world.gather(torch.cat(chunks))[:n]


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
