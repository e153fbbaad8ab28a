"""One training iteration of Goodfellow et al. 2014, Algorithm 1, as one function, for every GAN:
the 2-D toys, the seed's DCGAN, WGAN(-GP), CGAN and ACGAN alike.

    for k steps:   sample m noise vectors and m real images; update D by descending
                   d_loss = -(1/2m) sum [log D(x) + log(1 - D(G(z)))]        (G frozen)
    then once:     sample m fresh noise vectors; update G by descending its loss through D
                   (D frozen: gradients flow *through* D into G, D's weights do not move)

Every network is called the same way, whatever the model (`gankit.models`, `gankit.toy.models`):

    G(z, labels) -> images                 labels (N,) int64, or None for an unconditional G
    D(x, labels) -> (logits (N,), class_logits (N, K) or None)

an unconditional network ignores the labels, CGAN's D judges the image *with* its label, and
ACGAN's D names the class too (class logits), which adds `class_loss` to both losses.

Every image D sees goes through `options.augment` first (`gankit.augment`): the reals and the
fakes of D's step, the fakes of G's step (G's gradient flows back through the differentiable
transforms), and the penalty's inputs, since the penalty's critic is D behind the augmentation
(as ADA's and DiffAugment's D wrappers do). The default policy, "none", returns its input itself.

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

What stays fixed for a run (the loss, k, G's mode for D's fakes, D's penalty and WGAN clipping)
is bound once in `StepOptions`. The step returns a dict of detached 0-dim tensors, with D's
mean output read as the loss reads it (`Loss.d_output`); reading them (`.item()`) is the
caller's choice, so nothing here waits for the device.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .config import Config
from .gan import GAN
from .augment import Augment
from .losses import LOSSES, Loss, class_loss
from .penalties import Penalty, clip_weights_, zero_penalty

Labels = torch.Tensor | None  # (N,) int64 class labels of a conditional model; None for an unconditional one
NO_AUGMENT = Augment()  # the "none" policy: D sees the images themselves


@dataclass(frozen=True)
class StepOptions:
    """How Algorithm 1 runs, fixed for a whole run."""

    loss: Loss  # an entry of `gankit.losses.LOSSES`
    d_steps: int = 1  # k: D updates per G update
    fakes_g_mode: str = "eval"  # G's mode while making D's fakes: "eval" (the seed) or "train"
    penalty: Penalty = zero_penalty  # penalty(critic, real, fake) -> 0-dim, weighted (`penalties.make_penalty`)
    clip: float = 0.0  # > 0: D's weights are clamped to [-clip, clip] after each D update (WGAN)
    augment: Augment = NO_AUGMENT  # applied to every image D sees (`gankit.augment.make_augment`); ADA's p lives in it

    @classmethod
    def from_config(cls, cfg: Config, *, penalty: Penalty = zero_penalty, augment: Augment = NO_AUGMENT) -> "StepOptions":
        return cls(loss=LOSSES[cfg.loss.name], d_steps=cfg.train.d_steps, fakes_g_mode=cfg.train.fakes_g_mode,
                   penalty=penalty, clip=cfg.penalty.clip, augment=augment)


def grad_norm(module: torch.nn.Module) -> torch.Tensor:
    """The L2 norm of all of `module`'s gradients together, a 0-dim tensor (no host sync)."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


def d_output_stats(prefix: str, logits: torch.Tensor, d_output: str) -> dict[str, torch.Tensor]:
    """D's mean output on a batch, as its loss reads it: "probability" -> {prefix: mean D(x)}
    (sigmoid of the logits, in (0, 1), 0.5 at equilibrium); "critic" -> {prefix_score: mean raw score}."""
    if d_output == "probability":
        return {prefix: torch.sigmoid(logits).mean()}
    return {f"{prefix}_score": logits.mean()}


def discriminator_step(gan: GAN, real: torch.Tensor, z: torch.Tensor, *, options: StepOptions,
                       real_labels: Labels = None, fake_labels: Labels = None) -> dict[str, torch.Tensor]:
    """One update of D on `real` (m, ...) against G(z), z (m, z_dim); G is frozen.

    As in the seed, D sees the concatenation [real; fake] in one batch (labels 1 then 0). A
    conditional model's D gets `real_labels` for the real images and `fake_labels` (the classes
    G was asked for) for the fakes. `options.penalty(critic, real, fake)` is added to D's loss,
    `critic(x)` being D's logits for x with the real labels.
    """
    # generate: G frozen, in the mode the options ask for
    gan.generator.train(options.fakes_g_mode == "train")
    with torch.no_grad():
        fake = gan.generator(z, fake_labels)
    # classify: D learns through its synced module (in data-parallel training its gradients are averaged)
    gan.discriminator.train()
    labels = None if real_labels is None else torch.cat([real_labels, fake_labels])
    augment = options.augment
    logits, class_logits = gan.synced_discriminator(augment(torch.cat([real, fake])), labels)
    real_logits, fake_logits = logits[: len(real)], logits[len(real):]
    augment.observe(real_logits)  # ADA: D's verdict on the augmented reals steers p
    # loss
    d_loss = options.loss.d_loss(real_logits, fake_logits)
    if class_logits is not None:  # ACGAN: D also names the class of both halves
        d_loss = d_loss + class_loss(class_logits, labels)
    d_penalty = options.penalty(lambda x: gan.discriminator(augment(x), real_labels)[0], real, fake)
    # gradients
    gan.d_opt.zero_grad(set_to_none=True)
    (d_loss + d_penalty).backward()
    d_grad_norm = grad_norm(gan.discriminator)
    # update
    gan.d_opt.step()
    gan.d_schedule.step()
    if options.clip > 0:
        clip_weights_(gan.discriminator, options.clip)
    real_logits, fake_logits = real_logits.detach(), fake_logits.detach()
    return {
        "d_loss": d_loss.detach(),  # without the penalty, which is reported on its own
        "d_penalty": d_penalty.detach(),
        **d_output_stats("d_real", real_logits, options.loss.d_output),  # mean D(x): tends to 0.5 at equilibrium
        **d_output_stats("d_fake", fake_logits, options.loss.d_output),  # mean D(G(z)), before this update
        "d_acc_real": (real_logits > 0).float().mean(),
        "d_acc_fake": (fake_logits < 0).float().mean(),
        "d_grad_norm": d_grad_norm,
        **augment.scalars(),  # ADA: {"augment_p": p}
    }


def generator_step(gan: GAN, z: torch.Tensor, *, options: StepOptions, labels: Labels = None) -> dict[str, torch.Tensor]:
    """One update of G on z (m, z_dim) (and, for a conditional G, the classes `labels` (m,))
    through a frozen D: only G's weights change. ACGAN's G adds `class_loss` on its fakes."""
    discriminator = gan.discriminator
    discriminator.eval()
    discriminator.requires_grad_(False)
    try:
        # generate: G learns through its synced module; D frozen, plain: only G's gradients are averaged
        gan.generator.train()
        fake = gan.synced_generator(z, labels)
        # classify
        fake_logits, class_logits = discriminator(options.augment(fake), labels)
        # loss
        g_loss = options.loss.g_loss(fake_logits)
        if class_logits is not None:  # ACGAN: G draws images whose class D names
            g_loss = g_loss + class_loss(class_logits, labels)
        # gradients
        gan.g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_grad_norm = grad_norm(gan.generator)
        # update
        gan.g_opt.step()
        gan.g_schedule.step()
    finally:
        discriminator.requires_grad_(True)
        discriminator.train()
    return {"g_loss": g_loss.detach(), **d_output_stats("g_fake", fake_logits.detach(), options.loss.d_output),
            "g_grad_norm": g_grad_norm}


def train_step(gan: GAN, *, next_real: Callable[[], tuple[torch.Tensor, Labels]],
               sample_z: Callable[[int], tuple[torch.Tensor, Labels]], options: StepOptions) -> dict[str, torch.Tensor]:
    """Algorithm 1: `options.d_steps` (k) D updates, each on a fresh real and a fresh fake
    minibatch, then one G update on fresh noise. `next_real()` gives (m, ...) real samples in G's
    output range and their labels; `sample_z(m)` gives (m, z_dim) latents and the classes to draw
    (labels None for unconditional models). Returns the last D step's scalars and G's.
    """
    for _ in range(options.d_steps):
        real, real_labels = next_real()  # sample
        z, fake_labels = sample_z(len(real))
        scalars = discriminator_step(gan, real, z, options=options, real_labels=real_labels, fake_labels=fake_labels)
    z, labels = sample_z(len(real))  # sample fresh noise
    scalars.update(generator_step(gan, z, options=options, labels=labels))
    return scalars
