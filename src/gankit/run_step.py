"""A run's training step: Algorithm 1 (`gankit.step.train_step`) fed with the run's real
batches and noise, its options bound once from the config, then g_ema's update.

Every rank draws the whole global batch of indices and of z, from generators seeded alike, and
keeps its own slice (`World.shard`): together the ranks train on exactly the global batch. A
conditional model's classes for G are drawn uniformly from the noise generator too, and so are
WGAN-GP's interpolation weights and every augmentation's random draws: all of it is in the
checkpoint's RNG state (and ADA's p in the checkpoint's "augment").
"""

from collections.abc import Callable
from functools import partial

import torch

from .accel import precision_context
from .config import Config
from .data import BatchSampler, to_model_range
from .distributed import World
from .ema import EmaConfig, ema_beta, update_g_ema_
from .gan import GAN
from .graph_step import CudaGraph, make_graph_step
from .latent import LATENTS
from .models import is_conditional
from .penalties import make_penalty
from .session import Session
from .step import Labels, StepOptions, train_step


def make_step_fn(session: Session) -> Callable[[], dict[str, torch.Tensor]]:
    """A no-argument function running one iteration of Algorithm 1 on the session's data and
    noise; it returns the step's scalars (0-dim tensors, those the loss makes meaningful)."""
    cfg, gan, device = session.cfg, session.gan, session.device
    options = StepOptions.from_config(cfg, penalty=make_penalty(cfg.penalty, session.noise_rng, session.world),
                                      augment=session.augment)
    next_real = real_draw(session.batches, world=session.world, output_range=gan.generator.output_range,
                          conditional=is_conditional(cfg.model))
    sample_z = latent_draw(cfg, noise_rng=session.noise_rng, world=session.world)
    if cfg.train.cuda_graphs:
        run = make_graph_step(gan, next_real=next_real, sample_z=sample_z, options=options, replayer=CudaGraph(device))
    else:
        run = partial(train_step, gan, next_real=next_real, sample_z=sample_z, options=options)

    def step():
        with precision_context(cfg.train.precision, device, cache=not cfg.train.cuda_graphs):
            scalars = run()
        if gan.g_ema is not None:
            update_g_ema(gan, batch_size=cfg.train.batch_size, ema_cfg=cfg.ema)
        return scalars

    return step


def real_draw(batches: BatchSampler, *, world: World, output_range: tuple[float, float],
              conditional: bool) -> Callable[[], tuple[torch.Tensor, Labels]]:
    """() -> (this rank's real images (m, C, H, W) in G's `output_range`, their labels (m,) or
    None for an unconditional model)."""
    low, high = output_range

    def next_real():
        if not conditional:
            return to_model_range(world.shard(batches.next_batch()), low, high), None
        images, labels = batches.next_labeled_batch()
        return to_model_range(world.shard(images), low, high), world.shard(labels)

    return next_real


def latent_draw(cfg: Config, *, noise_rng: torch.Generator,
                world: World) -> Callable[[int], tuple[torch.Tensor, Labels]]:
    """n -> (this rank's z (n, z_dim), the classes G is asked for (n,) or None), drawn from
    `noise_rng` where it lives (the networks' device)."""
    sample_latent, conditional = LATENTS[cfg.model.z_dist], is_conditional(cfg.model)

    def sample_z(n):  # n: this rank's share of the global z
        z = world.shard(sample_latent(n * world.size, cfg.model.z_dim, noise_rng))
        if not conditional:
            return z, None
        labels = torch.randint(cfg.model.num_classes, (n * world.size,), generator=noise_rng, device=noise_rng.device)
        return z, world.shard(labels)

    return sample_z


def update_g_ema(gan: GAN, *, batch_size: int, ema_cfg: EmaConfig) -> None:
    """Move g_ema towards G after a G update (the half-life counts the images G has trained on)."""
    images_before = (gan.g_schedule.last_epoch - 1) * batch_size  # the schedule counts G's updates
    beta = ema_beta(batch_size=batch_size, images_seen=images_before, half_life_images=ema_cfg.half_life_images,
                    ramp=ema_cfg.ramp)
    update_g_ema_(gan.g_ema, gan.generator, beta)
