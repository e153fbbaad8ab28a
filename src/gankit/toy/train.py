"""Training the 2-D toys (seconds on a CPU) with the library's own step.

Algorithm 1 of Goodfellow et al. 2014 on points instead of images is `gankit.step.train_step`
itself, with the losses of `gankit.losses` and the penalties of `gankit.penalties`: `d_steps`
updates of D on fresh real and fake minibatches, then one update of G through a frozen D, each
with Adam. Around it, this file only draws the points and latents and keeps a history; it does
not use the image trainer (no run folders, checkpoints or health checks): a toy run is cheap
enough to repeat, and its whole result is `ToyRun` and its picture.
"""

from dataclasses import dataclass, field

import torch

from gankit.gan import GAN
from gankit.losses import LOSSES
from gankit.optim import constant_schedule
from gankit.penalties import PenaltyConfig, make_penalty
from gankit.step import StepOptions, train_step

from .data import TOY_DATA, Mixture
from .metrics import high_quality_fraction, mode_counts
from .models import MLPDiscriminator, MLPGenerator, ToyModelConfig


@dataclass
class ToyConfig:
    data: str = "ring"  # a key of gankit.toy.data.TOY_DATA: "ring" or "grid"
    loss: str = "non_saturating"  # a key of gankit.losses.LOSSES
    penalty: str = "none"  # a key of gankit.penalties.PENALTIES: "none", "wgan_gp" or "r1"
    penalty_weight: float = 10.0  # D's loss adds penalty_weight * penalty
    steps: int = 2000  # G updates
    d_steps: int = 1  # D updates per G update
    batch_size: int = 256  # real points per D update; also fakes per D update and latents per G update
    lr: float = 1e-3  # Adam's learning rate, G and D
    betas: tuple[float, float] = (0.5, 0.9)  # Adam's (beta1, beta2), G and D
    seed: int = 0  # seeds weights, data and noise
    log_every: int = 100  # steps between entries of ToyRun.history
    model: ToyModelConfig = field(default_factory=ToyModelConfig)


@dataclass
class ToyRun:
    """A trained toy GAN and what happened on the way."""

    generator: MLPGenerator
    discriminator: MLPDiscriminator
    mixture: Mixture
    history: list[dict]  # every log_every steps: step, d_loss (with the penalty), g_loss (floats)


def train_toy(cfg: ToyConfig) -> ToyRun:
    """Train an MLP GAN on `cfg.data` as `cfg` says; the same config repeats the run exactly."""
    mixture = TOY_DATA[cfg.data]
    torch.manual_seed(cfg.seed)  # weights
    gan = toy_gan(cfg)
    data_rng, noise_rng, penalty_rng = (torch.Generator().manual_seed(cfg.seed + i) for i in (1, 2, 3))
    penalty = make_penalty(PenaltyConfig(name=cfg.penalty, weight=cfg.penalty_weight), penalty_rng)
    options = StepOptions(loss=LOSSES[cfg.loss], d_steps=cfg.d_steps, penalty=penalty)
    next_real = lambda: (mixture.sample(cfg.batch_size, generator=data_rng), None)
    sample_z = lambda n: (torch.randn(n, cfg.model.z_dim, generator=noise_rng), None)
    history = []
    for step in range(1, cfg.steps + 1):
        scalars = train_step(gan, next_real=next_real, sample_z=sample_z, options=options)
        if step % cfg.log_every == 0 or step == cfg.steps:
            history.append({"step": step, "d_loss": (scalars["d_loss"] + scalars["d_penalty"]).item(),
                            "g_loss": scalars["g_loss"].item()})
    return ToyRun(gan.generator, gan.discriminator, mixture, history)


def toy_gan(cfg: ToyConfig) -> GAN:
    """The MLP G and D of `cfg.model` (initialised from the global torch seed) with their Adam
    optimisers, as a `GAN` that `gankit.step`'s functions train one D or G step at a time."""
    generator, discriminator = MLPGenerator(cfg.model), MLPDiscriminator(cfg.model)
    g_opt = torch.optim.Adam(generator.parameters(), lr=cfg.lr, betas=cfg.betas)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=cfg.lr, betas=cfg.betas)
    return GAN(generator, discriminator, g_opt, d_opt, constant_schedule(g_opt), constant_schedule(d_opt))


@torch.no_grad()
def toy_samples(generator: MLPGenerator, n: int = 2500, *, seed: int = 0) -> torch.Tensor:
    """n points (n, 2) from G with latents drawn from `seed` (2,500: the protocol's count)."""
    generator.eval()
    return generator(torch.randn(n, generator.z_dim, generator=torch.Generator().manual_seed(seed)))


def coverage_report(samples: torch.Tensor, mixture: Mixture) -> dict:
    """Modes covered (at least 1, and at least 20 high-quality samples), the high-quality
    fraction, and the per-mode counts, as plain data."""
    counts = mode_counts(samples, mixture)
    return {
        "samples": len(samples),
        "modes": len(counts),
        "modes_covered": int((counts >= 1).sum()),
        "modes_covered_20": int((counts >= 20).sum()),
        "high_quality_fraction": high_quality_fraction(samples, mixture),
        "mode_counts": counts.tolist(),
    }
