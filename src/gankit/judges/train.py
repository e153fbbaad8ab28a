"""Training a judge: one fixed, deterministic recipe per dataset (`gankit train-judge`).

Everything that could vary is pinned: the seed (weights, dropout, data order, augmentation, all
from generators seeded here), one CPU thread (so no reduction depends on the core count) and
`torch.use_deterministic_algorithms(True)`. The same torch version on the same kind of CPU
therefore writes the same bytes, whose SHA-256 the judge registry pins.

Recipe: SGD with Nesterov momentum, a one-epoch linear warm-up then cosine decay to 0, weight
decay, batches of 128 from a fresh permutation each epoch (the last partial batch dropped), and
random shifts by up to +-2 pixels (zero padding = background); Fashion-MNIST adds horizontal
flips, trains longer and drops out less. Its recipe was picked among eight variants (epochs,
dropout, weight decay, flips, seed) by accuracy on a validation split (train[50000:], the
variants trained on train[:50000]), never on the test set the required accuracy is measured on.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from gankit.data import load_split
from gankit.judges.model import Judge, preprocess


@dataclass(frozen=True)
class JudgeRecipe:
    epochs: int  # passes over the 60,000 training images
    min_test_accuracy: float  # what the judge must reach on the 10,000 test images
    augment: str = "shift"  # "shift" (+-max_shift pixels) or "shift_flip" (also mirror left-right)
    max_shift: int = 2  # largest random shift in pixels, each axis
    batch_size: int = 128  # images per SGD step
    lr: float = 0.1  # peak learning rate, reached after one epoch, then cosine to 0
    momentum: float = 0.9  # Nesterov momentum
    weight_decay: float = 5e-4  # L2 on every parameter
    dropout: float = 0.3  # before the classifier head only; features are taken before it
    seed: int = 0  # seeds weights, dropout, data order and augmentation
    threads: int = 1  # CPU threads while training; fixed so results do not depend on the machine


# dataset -> recipe; `gankit train-judge --dataset NAME` runs RECIPES[NAME].
RECIPES: dict[str, JudgeRecipe] = {
    "mnist": JudgeRecipe(epochs=15, min_test_accuracy=0.995),
    "fashion_mnist": JudgeRecipe(epochs=40, min_test_accuracy=0.93, augment="shift_flip", dropout=0.1),
}


def augment_batch(images: torch.Tensor, recipe: JudgeRecipe, generator: torch.Generator) -> torch.Tensor:
    """uint8 (B, 1, H, W) -> the same images shifted (and maybe flipped) at random, uint8."""
    b, _, h, w = images.shape
    s = recipe.max_shift
    padded = nn.functional.pad(images, (s, s, s, s))  # (B, 1, H + 2s, W + 2s), zeros around
    dy, dx = torch.randint(0, 2 * s + 1, (2, b, 1), generator=generator)
    rows = (dy + torch.arange(h))[:, :, None]  # (B, H, 1) rows to read
    cols = (dx + torch.arange(w))[:, None, :]  # (B, 1, W) columns to read
    if recipe.augment == "shift_flip":
        flip = torch.rand(b, 1, 1, generator=generator) < 0.5
        cols = torch.where(flip, cols.flip(-1), cols)
    return padded[torch.arange(b)[:, None, None], 0, rows, cols].unsqueeze(1)


def learning_rate(step: int, steps_per_epoch: int, recipe: JudgeRecipe) -> float:
    total = recipe.epochs * steps_per_epoch
    warmup = min(step / steps_per_epoch, 1.0)
    return recipe.lr * min(warmup, 0.5 * (1 + math.cos(math.pi * step / total)))


@torch.no_grad()
def accuracy(judge: Judge, images: torch.Tensor, labels: torch.Tensor, *, batch_size: int = 500) -> float:
    """Fraction of uint8 (N, 1, 28, 28) images classified as `labels`, in eval mode."""
    judge.eval()
    correct = sum(int((judge(preprocess(x)).argmax(1) == y).sum())
                  for x, y in zip(images.split(batch_size), labels.split(batch_size)))
    return correct / len(labels)


def train_epoch(judge, opt, train, recipe: JudgeRecipe, generator, step: int) -> int:
    """One pass over a fresh permutation of `train`; returns the global step after it."""
    judge.train()
    steps_per_epoch = len(train) // recipe.batch_size
    order = torch.randperm(len(train), generator=generator)
    for i in range(steps_per_epoch):
        idx = order[i * recipe.batch_size:(i + 1) * recipe.batch_size]
        x = preprocess(augment_batch(train.images[idx], recipe, generator))
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, steps_per_epoch, recipe)
        loss = nn.functional.cross_entropy(judge(x), train.labels[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
    return step


def train_judge(dataset: str, recipe: JudgeRecipe, *, data_dir=None,
                log: Callable[[str], None] = print) -> tuple[Judge, float]:
    """Train a judge on `dataset`'s training split; returns (judge in eval mode, test accuracy).

    Global torch state (threads, determinism, the default RNG) is restored on return.
    """
    train, test = load_split(dataset, "train", data_dir), load_split(dataset, "test", data_dir)
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(recipe.threads)
    torch.use_deterministic_algorithms(True)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(recipe.seed)  # weights and dropout
            generator = torch.Generator().manual_seed(recipe.seed)  # data order and augmentation
            judge = Judge(dropout=recipe.dropout)
            opt = torch.optim.SGD(judge.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                                  nesterov=True, weight_decay=recipe.weight_decay)
            step, start = 0, time.perf_counter()
            for epoch in range(1, recipe.epochs + 1):
                step = train_epoch(judge, opt, train, recipe, generator, step)
                test_accuracy = accuracy(judge, test.images, test.labels)
                log(f"epoch {epoch:2d}/{recipe.epochs}: test accuracy {test_accuracy:.2%}, "
                    f"{time.perf_counter() - start:.0f} s")
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    return judge.eval(), test_accuracy
