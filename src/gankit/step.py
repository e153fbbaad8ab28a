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

Beyond the seed, the D step takes a penalty (WGAN-GP, R1) and WGAN's weight clipping, and
conditional models (CGAN, ACGAN) take labels: D gets the real labels, G the sampled ones.

The step returns a dict of detached 0-dim tensors; reading them (`.item()`) is the caller's
choice, so nothing here waits for the device.
"""

from collections.abc import Callable

import torch

from .gan import GAN
from .losses import class_loss
from .penalties import clip_weights_

Labels = torch.Tensor | None  # (N,) int64 class labels of a conditional model; None for an unconditional one


def grad_norm(module: torch.nn.Module) -> torch.Tensor:
    """The L2 norm of all of `module`'s gradients together, a 0-dim tensor (no host sync)."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


def no_penalty(critic: Callable, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The default penalty: none (a 0-dim zero)."""
    return real.new_zeros(())


def discriminate(gan: GAN, discriminator: torch.nn.Module, images: torch.Tensor,
                 labels: Labels) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(logits (N,), class logits (N, K) or None) of `discriminator` (D or its synced wrapper) on
    images (N, C, H, W) with their labels, whatever kind of D the GAN has (`gan.conditioning`)."""
    if gan.conditioning == "label_input":  # CGAN: D judges the image *and* its label
        return discriminator(images, labels), None
    if gan.conditioning == "auxiliary_classifier":  # ACGAN: D also names the class
        return discriminator(images)
    return discriminator(images), None


def generate(generator: torch.nn.Module, z: torch.Tensor, labels: Labels) -> torch.Tensor:
    """G(z), or G(z, labels) for a conditional G."""
    return generator(z) if labels is None else generator(z, labels)


def discriminator_step(gan: GAN, real: torch.Tensor, z: torch.Tensor, d_loss_fn: Callable, *,
                       fakes_g_mode: str, real_labels: Labels = None, fake_labels: Labels = None,
                       penalty: Callable = no_penalty, clip: float = 0.0) -> dict[str, torch.Tensor]:
    """One update of D on `real` (m, C, H, W) against G(z), z (m, z_dim); G is frozen.

    As in the seed, D sees the concatenation [real; fake] in one batch (labels 1 then 0).
    Conditional models: D is given `real_labels` for the real images and `fake_labels` (the
    classes G was asked for) for the fakes; ACGAN's D adds `class_loss` on both halves.
    `penalty(critic, real, fake)` (already weighted, e.g. WGAN-GP's 10 * gp) is added to D's
    loss, `critic(x)` being D's logits for x with the real labels; with `clip` > 0 D's weights
    are clamped to [-clip, clip] after the update (WGAN).
    """
    gan.generator.train(fakes_g_mode == "train")
    with torch.no_grad():
        fake = generate(gan.generator, z, fake_labels)
    gan.discriminator.train()
    labels = None if real_labels is None else torch.cat([real_labels, fake_labels])
    # D learns through its synced module: in data-parallel training its gradients are averaged
    logits, class_logits = discriminate(gan, gan.synced_discriminator, torch.cat([real, fake]), labels)
    real_logits, fake_logits = logits[: len(real)], logits[len(real):]
    d_loss = d_loss_fn(real_logits, fake_logits)
    if class_logits is not None:
        d_loss = d_loss + class_loss(class_logits, labels)
    d_penalty = penalty(lambda x: discriminate(gan, gan.discriminator, x, real_labels)[0], real, fake)
    gan.d_opt.zero_grad(set_to_none=True)
    (d_loss + d_penalty).backward()
    d_grad_norm = grad_norm(gan.discriminator)
    gan.d_opt.step()
    gan.d_schedule.step()
    if clip > 0:
        clip_weights_(gan.discriminator, clip)
    real_logits, fake_logits = real_logits.detach(), fake_logits.detach()
    return {
        "d_loss": d_loss.detach(),  # without the penalty, which is reported on its own
        "d_penalty": d_penalty.detach(),
        "d_real": torch.sigmoid(real_logits).mean(),  # mean D(x): tends to 0.5 at equilibrium
        "d_fake": torch.sigmoid(fake_logits).mean(),  # mean D(G(z)), before this update
        "d_real_score": real_logits.mean(),  # the same, as D's raw outputs (critic scores)
        "d_fake_score": fake_logits.mean(),
        "d_acc_real": (real_logits > 0).float().mean(),
        "d_acc_fake": (fake_logits < 0).float().mean(),
        "d_grad_norm": d_grad_norm,
    }


def generator_step(gan: GAN, z: torch.Tensor, g_loss_fn: Callable, *, labels: Labels = None) -> dict[str, torch.Tensor]:
    """One update of G on z (m, z_dim) (and, for a conditional G, the classes `labels` (m,))
    through a frozen D: only G's weights change. ACGAN's G adds `class_loss` on its fakes."""
    discriminator = gan.discriminator
    discriminator.eval()
    discriminator.requires_grad_(False)
    try:
        gan.generator.train()
        fake = generate(gan.synced_generator, z, labels)  # D frozen, plain: only G's gradients are averaged
        fake_logits, class_logits = discriminate(gan, discriminator, fake, labels)
        g_loss = g_loss_fn(fake_logits)
        if class_logits is not None:
            g_loss = g_loss + class_loss(class_logits, labels)
        gan.g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_grad_norm = grad_norm(gan.generator)
        gan.g_opt.step()
        gan.g_schedule.step()
    finally:
        discriminator.requires_grad_(True)
        discriminator.train()
    fake_logits = fake_logits.detach()
    return {"g_loss": g_loss.detach(), "g_fake": torch.sigmoid(fake_logits).mean(),
            "g_fake_score": fake_logits.mean(), "g_grad_norm": g_grad_norm}


def train_step(gan: GAN, *, next_real: Callable[[], tuple[torch.Tensor, Labels]],
               sample_z: Callable[[int], tuple[torch.Tensor, Labels]], losses: tuple[Callable, Callable],
               d_steps: int, fakes_g_mode: str, penalty: Callable = no_penalty,
               clip: float = 0.0) -> dict[str, torch.Tensor]:
    """Algorithm 1: `d_steps` (k) D updates, each on a fresh real and a fresh fake minibatch,
    then one G update on fresh noise. `next_real()` gives (m, C, H, W) images in G's output
    range and their labels; `sample_z(m)` gives (m, z_dim) latents and the classes to draw
    (labels None for unconditional models). `penalty` and `clip`: see `discriminator_step`.
    Returns the last D step's scalars and G's.
    """
    d_loss_fn, g_loss_fn = losses
    for _ in range(d_steps):
        real, real_labels = next_real()
        z, fake_labels = sample_z(len(real))
        scalars = discriminator_step(gan, real, z, d_loss_fn, fakes_g_mode=fakes_g_mode, real_labels=real_labels,
                                     fake_labels=fake_labels, penalty=penalty, clip=clip)
    z, labels = sample_z(len(real))
    scalars.update(generator_step(gan, z, g_loss_fn, labels=labels))
    return scalars
