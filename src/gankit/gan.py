"""The trainable state of a GAN, and how to build it from a config."""

import copy
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .config import Config
from .ema import make_g_ema
from .models import build_models
from .optim import build_optimizer


@dataclass
class GAN:
    """Everything a training step updates: the two networks, their optimisers and LR schedules.

    A network's own update calls it through `synced_generator` / `synced_discriminator`: the
    network itself, or, in data-parallel training, the network wrapped in DistributedDataParallel
    (`gankit.distributed.distribute`), which averages its gradients over the processes.
    """

    generator: nn.Module
    discriminator: nn.Module
    g_opt: torch.optim.Optimizer
    d_opt: torch.optim.Optimizer
    g_schedule: torch.optim.lr_scheduler.LRScheduler
    d_schedule: torch.optim.lr_scheduler.LRScheduler
    g_ema: nn.Module | None = None  # moving average of G's weights (cfg.ema), or None
    synced_generator: nn.Module | None = None  # None: the generator itself
    synced_discriminator: nn.Module | None = None  # None: the discriminator itself

    def __post_init__(self):
        if self.synced_generator is None:
            self.synced_generator = self.generator
        if self.synced_discriminator is None:
            self.synced_discriminator = self.discriminator

    @property
    def sample_generator(self) -> nn.Module:
        """The generator that draws samples and is evaluated: `g_ema` when there is one, else G."""
        return self.g_ema if self.g_ema is not None else self.generator


def build_gan(cfg: Config, image_shape: tuple[int, int, int], device: torch.device) -> GAN:
    """Models (initialised from the global torch seed) and optimisers for `cfg`."""
    generator, discriminator = build_models(cfg.model, image_shape)
    generator, discriminator = generator.to(device), discriminator.to(device)
    g_opt, g_schedule = build_optimizer(generator.parameters(), cfg.g_opt)
    d_opt, d_schedule = build_optimizer(discriminator.parameters(), cfg.d_opt)
    g_ema = make_g_ema(generator) if cfg.ema.half_life_images > 0 else None
    return GAN(generator, discriminator, g_opt, d_opt, g_schedule, d_schedule, g_ema=g_ema)


def scratch_pass(gan: GAN, *, z_dim: int, batch_size: int) -> Callable[[], None]:
    """A function running one G forward + D forward + backward through both, as a training pass
    does, on scratch copies of the networks: the run's weights, statistics and RNG streams are
    not touched. What `gankit.accel.choose_threads` times."""
    generator, discriminator = copy.deepcopy(gan.generator), copy.deepcopy(gan.discriminator)
    device = next(generator.parameters()).device
    z = torch.rand(batch_size, z_dim, generator=torch.Generator().manual_seed(0)).to(device)
    labels = torch.arange(batch_size, device=device) % getattr(generator, "num_classes", 1)

    def run_pass() -> None:
        fakes = generator(z)  # a conditional G draws the classes in turn, which are `labels`
        discriminator(fakes, labels)[0].sum().backward()

    return run_pass
