"""Seeing D overfit: its output on training reals, on held-out reals and on fakes, each interval.

A D that memorises its training images scores them higher than real images it has never seen;
a healthy D cannot tell the two apart. Karras et al. 2020 (ADA, section 3) read this from the
heuristics r_t and r_v; gankit records them at every log interval from fixed probe batches (D in
eval mode, no gradients, nothing of the run's state or randomness touched), with a third:

    d_out_train, d_out_heldout, d_out_fake   mean raw D output (logit or critic score) on 64
                                             training reals, 64 held-out reals, 64 fakes
    r_t = E[sign D(x_train)]                 in [-1, 1]: 0 = D unsure, 1 = every training image "real"
    overfit_ratio = (d_out_train - d_out_heldout) / (d_out_train - d_out_fake)
                                             r_v: 0 = held-out reals look as real as training
                                             ones, 1 = they look as fake as G's images
    overfit_auc = P(D(x_train) > D(x_heldout))
                                             the share of (training, held-out) pairs D ranks
                                             training-first: 0.5 = no gap, 1 = D tells every
                                             training image from every unseen one

`overfit_ratio` is what the `discriminator_overfits` alarm reads (`gankit.health`). It stays
small while D also rejects G's fakes by a wide margin (early on, or when G cannot keep up);
`overfit_auc` is scale-free and shows the gap there too. The held-out images are those
`data.limit` left out, or the test split of a named dataset (`gankit.data.source`).
"""

from dataclasses import dataclass

import torch

PROBE_SIZE = 64  # images in each probe batch


@dataclass
class OverfitProbe:
    """Fixed batches D is judged on; images in G's range, labels None for unconditional models."""

    train: torch.Tensor  # (P, C, H, W) training reals
    held_out: torch.Tensor  # (P, C, H, W) real images D never trains on
    z: torch.Tensor  # (P, z_dim) latents of the fakes
    train_labels: torch.Tensor | None = None  # (P,) int64
    held_out_labels: torch.Tensor | None = None  # (P,) int64
    fake_labels: torch.Tensor | None = None  # (P,) int64: the classes G is asked for


def overfit_ratio(*, train: float, held_out: float, fake: float) -> float:
    """ADA's r_v from mean D outputs: (train - held_out) / (train - fake), 0 while D does not
    yet rank training reals above fakes (the ratio is meaningless there)."""
    spread = train - fake
    return (train - held_out) / spread if spread > 1e-6 else 0.0


@torch.no_grad()
def overfit_signals(generator: torch.nn.Module, discriminator: torch.nn.Module, probe: OverfitProbe) -> dict[str, float]:
    """{"d_out_train", "d_out_heldout", "d_out_fake", "r_t", "overfit_ratio", "overfit_auc"} for `probe`, with
    both networks in eval mode (they are left there; the step sets the modes it needs)."""
    generator.eval()
    discriminator.eval()
    fakes = generator(probe.z, probe.fake_labels)
    train = discriminator(probe.train, probe.train_labels)[0].float()
    held_out = discriminator(probe.held_out, probe.held_out_labels)[0].float()
    fake = discriminator(fakes, probe.fake_labels)[0].float()
    means = {"train": train.mean().item(), "held_out": held_out.mean().item(), "fake": fake.mean().item()}
    return {"d_out_train": means["train"], "d_out_heldout": means["held_out"], "d_out_fake": means["fake"],
            "r_t": train.sign().mean().item(), "overfit_ratio": overfit_ratio(**means),
            "overfit_auc": ranked_above(train, held_out)}


def ranked_above(first: torch.Tensor, second: torch.Tensor) -> float:
    """P(a > b) for a from `first` (N,), b from `second` (M,), ties counting half: the AUC of
    telling the two apart by their value, 0.5 when they are alike."""
    diff = first[:, None] - second[None, :]
    return ((diff > 0).float().mean() + 0.5 * (diff == 0).float().mean()).item()
