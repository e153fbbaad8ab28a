"""Images from a trained run in three lines of Python:

    import gankit
    G = gankit.load_generator("runs/00001-fast")      # a run folder, its number, or a checkpoint
    images = G.sample(16, seed=7)                           # uint8 (16, 1, 28, 28), as `gankit sample --seed 7 --n 16`

`gankit.load_generator` (`gankit.trained.load_generator`) returns a `TrainedGenerator`; it is not
`gankit.sampling.load_generator`, the library function underneath it, which returns the bare
(network, config) pair that the CLI and the report use.
"""

from collections.abc import Sequence
from pathlib import Path

import torch

from . import images
from .errors import ConfigError
from .models import is_conditional
from .runs import find_run, latest_checkpoint
from .sampling import check_class, latents, load_generator as load_network, sample_latents


def unit_floats(images_float: torch.Tensor, value_range: tuple[float, float]) -> torch.Tensor:
    """G's float images in `value_range` -> float32 in [0, 1], not rounded."""
    low, high = value_range
    return ((images_float.detach().float().cpu() - low) / (high - low)).clamp(0.0, 1.0)


# dtype -> (G's float images, G's output range) -> the images handed to the user, (N, C, H, W)
OUTPUTS = {
    "uint8": images.to_uint8,  # 0..255, rounded: the pixels of `gankit sample --npz`
    "float": unit_floats,  # float32 in [0, 1]
}


class TrainedGenerator:
    """A trained G, in eval mode on the CPU, with what it takes to draw from it."""

    def __init__(self, generator: torch.nn.Module, cfg, *, checkpoint: Path):
        self.network, self.cfg, self.checkpoint = generator, cfg, checkpoint
        self.z_dim, self.z_dist = cfg.model.z_dim, cfg.model.z_dist
        self.num_classes = cfg.model.num_classes if is_conditional(cfg.model) else 0
        self.output_range = generator.output_range

    def __repr__(self) -> str:
        classes = f", {self.num_classes} classes" if self.num_classes else ""
        return f"TrainedGenerator({self.checkpoint}, z ~ {self.z_dist}^{self.z_dim}{classes})"

    def latents(self, n: int, *, seed: int = 0, truncation: float = 1.0) -> torch.Tensor:
        """float32 (n, z_dim): the latents `sample(n, seed=seed, truncation=truncation)` draws."""
        return latents(self.cfg, n, seed=seed, truncation=truncation)

    def sample(self, n: int, *, seed: int = 0, labels=None, truncation: float = 1.0,
               dtype: str = "uint8") -> torch.Tensor:
        """n images (n, C, H, W) from latents drawn with `seed`: those of
        `gankit sample --seed SEED --n N [--class C] [--truncation PSI]`.

        labels (conditional runs): None draws the classes in turn (0, 1, ..., K-1, 0, ...), an int
        C draws class C only, a sequence of n ints one class per image. dtype "uint8" gives
        0..255, "float" float32 in [0, 1]. truncation psi in [0, 1] pulls z to its centre."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ConfigError(f"n = {n!r}: the number of images must be an int >= 1")
        return self.generate(self.latents(n, seed=seed, truncation=truncation), labels=labels, dtype=dtype)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, *, labels=None, dtype: str = "uint8") -> torch.Tensor:
        """Images (N, C, H, W) of given latents z (N, z_dim), labels as in `sample`."""
        if dtype not in OUTPUTS:
            raise ConfigError(f"dtype = {dtype!r}: choose one of {', '.join(OUTPUTS)}")
        labels = self._labels(labels, len(z))
        if dtype == "uint8":  # the CLI's own path, so the pixels are `gankit sample`'s exactly
            return sample_latents(self.network, z, labels)
        outputs = self.network(z) if labels is None else self.network(z, labels)
        return OUTPUTS[dtype](outputs, self.output_range)

    def _labels(self, labels, n: int) -> torch.Tensor | None:
        if labels is None:
            return None
        if isinstance(labels, int) and not isinstance(labels, bool):
            check_class(self.cfg, labels)
            return torch.full((n,), labels, dtype=torch.int64)
        if not isinstance(labels, (Sequence, torch.Tensor)) or len(labels) != n:
            raise ConfigError(f"labels: give None, one class, or {n} classes (one per image)")
        labels = torch.as_tensor(labels, dtype=torch.int64)
        for class_index in labels.unique().tolist():
            check_class(self.cfg, class_index)
        return labels


def load_generator(source: str | Path, *, runs_dir: str | Path = "runs") -> TrainedGenerator:
    """The generator of a run folder (its latest checkpoint), a run number under `runs_dir`, or a
    checkpoint file (.safetensors); its g_ema where the run kept one."""
    path = Path(source)
    checkpoint = path if path.is_file() else latest_checkpoint(find_run(source, runs_dir))
    network, cfg = load_network(checkpoint)
    return TrainedGenerator(network, cfg, checkpoint=checkpoint)
