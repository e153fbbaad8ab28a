"""One training iteration of Goodfellow et al. 2014, Algorithm 1, as one function.

    for k steps:   sample m noise vectors and m real images; update D by descending
                   d_loss = -(1/2m) sum [log D(x) + log(1 - D(G(z)))]        (G frozen)
    then once:     sample m fresh noise vectors; update G by descending its loss through D
                   (D frozen: gradients flow *through* D into G, D's weights do not move)

How each network is frozen while the other learns:
- D step: G runs under `torch.no_grad()`, so no graph is built through G and none of its
  parameters can receive a gradient. G's mode is `fakes_g_mode`: "eval" (BatchNorm uses its
  moving statistics and leaves them alone, as the seed's `generator.predict`) or "train"
  (batch statistics, and the moving statistics update).
- G step: D's parameters have `requires_grad=False` for the duration, so backward accumulates
  nothing in them, and only G's optimiser steps. D runs in eval mode, as a frozen Keras model
  does (`trainable=False` puts Keras's BatchNorm in inference mode), so a G step changes no
  state of D at all; the seed's D has no BatchNorm, so this changes nothing there. G runs in
  train mode: batch statistics, moving statistics updated, as in the seed's adversarial step.

The learning network runs through `gan.synced_*` (itself, or its DistributedDataParallel wrapper
in data-parallel training), the frozen one as its plain module: see `gankit.distributed.ddp`.

The step returns a dict of detached 0-dim tensors; reading them (`.item()`) is the caller's
choice, so nothing here waits for the device.
"""

from collections.abc import Callable

import torch

from .gan import GAN


def grad_norm(module: torch.nn.Module) -> torch.Tensor:
    """The L2 norm of all of `module`'s gradients together, a 0-dim tensor (no host sync)."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


def discriminator_step(gan: GAN, real: torch.Tensor, z: torch.Tensor, d_loss_fn: Callable, *,
                       fakes_g_mode: str) -> dict[str, torch.Tensor]:
    """One update of D on `real` (m, C, H, W) against G(z), z (m, z_dim); G is frozen.

    As in the seed, D sees the concatenation [real; fake] in one batch (labels 1 then 0).
    """
    gan.generator.train(fakes_g_mode == "train")
    with torch.no_grad():
        fake = gan.generator(z)
    gan.discriminator.train()
    logits = gan.synced_discriminator(torch.cat([real, fake]))  # D learns: its gradients are averaged
    real_logits, fake_logits = logits[: len(real)], logits[len(real):]
    d_loss = d_loss_fn(real_logits, fake_logits)
    gan.d_opt.zero_grad(set_to_none=True)
    d_loss.backward()
    d_grad_norm = grad_norm(gan.discriminator)
    gan.d_opt.step()
    gan.d_schedule.step()
    real_logits, fake_logits = real_logits.detach(), fake_logits.detach()
    return {
        "d_loss": d_loss.detach(),
        "d_real": torch.sigmoid(real_logits).mean(),  # mean D(x): tends to 0.5 at equilibrium
        "d_fake": torch.sigmoid(fake_logits).mean(),  # mean D(G(z)), before this update
        "d_acc_real": (real_logits > 0).float().mean(),
        "d_acc_fake": (fake_logits < 0).float().mean(),
        "d_grad_norm": d_grad_norm,
    }


def generator_step(gan: GAN, z: torch.Tensor, g_loss_fn: Callable) -> dict[str, torch.Tensor]:
    """One update of G on z (m, z_dim) through a frozen D: only G's weights change."""
    discriminator = gan.discriminator
    discriminator.eval()
    discriminator.requires_grad_(False)
    try:
        gan.generator.train()
        fake_logits = discriminator(gan.synced_generator(z))  # D frozen, plain: only G's gradients are averaged
        g_loss = g_loss_fn(fake_logits)
        gan.g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_grad_norm = grad_norm(gan.generator)
        gan.g_opt.step()
        gan.g_schedule.step()
    finally:
        discriminator.requires_grad_(True)
        discriminator.train()
    return {"g_loss": g_loss.detach(), "g_fake": torch.sigmoid(fake_logits.detach()).mean(),
            "g_grad_norm": g_grad_norm}


def train_step(gan: GAN, *, next_real: Callable[[], torch.Tensor], sample_z: Callable[[int], torch.Tensor],
               losses: tuple[Callable, Callable], d_steps: int, fakes_g_mode: str) -> dict[str, torch.Tensor]:
    """Algorithm 1: `d_steps` (k) D updates, each on a fresh real and a fresh fake minibatch,
    then one G update on fresh noise. `next_real()` gives (m, C, H, W) images in G's output
    range; `sample_z(m)` gives (m, z_dim) latents. Returns the last D step's scalars and G's.
    """
    d_loss_fn, g_loss_fn = losses
    for _ in range(d_steps):
        real = next_real()
        scalars = discriminator_step(gan, real, sample_z(len(real)), d_loss_fn, fakes_g_mode=fakes_g_mode)
    scalars.update(generator_step(gan, sample_z(len(real)), g_loss_fn))
    return scalars
