"""How often the judge names the class a conditional generator was asked for.

The acceptance test of the conditional models (CGAN, ACGAN): `gankit sample --class c` is
classified as c by the dataset's judge network at least 95 % of the time, for every c.

    accuracy = class_accuracy(generator, cfg, n_per_class=1000, seed=0)   # [K floats in [0, 1]]
"""

import torch

from gankit.judges import Judge, judge_outputs, load_judge
from gankit.sampling import sample

from gankit.eval.protocol import V1, Protocol


def judge_accuracy(probs: torch.Tensor, class_index: int) -> float:
    """The fraction of images whose most probable class under the judge is `class_index`;
    probs: (N, C) class probabilities, N >= 1."""
    return (probs.argmax(dim=1) == class_index).double().mean().item()


def class_accuracy(generator: torch.nn.Module, cfg, *, n_per_class: int, seed: int = 0,
                   protocol: Protocol = V1, truncation: float = 1.0, judge: Judge | None = None,
                   workers: int = 1, batch_size: int = 500) -> list[float]:
    """For each class c of the conditional run `cfg` (its `model.num_classes`), the judge's
    accuracy on `n_per_class` images of `sample(..., class_index=c)`, the images of
    `gankit sample --class c --seed SEED --truncation PSI`. The judge is that of `cfg.data.name`
    under `protocol` (`judge`: it, already loaded); `workers` CPU threads and G's `batch_size`
    change the speed, not the numbers (see `sample`)."""
    judge = judge if judge is not None else load_judge(cfg.data.name, sha256=protocol.judge_hash(cfg.data.name))
    accuracy = []
    for class_index in range(cfg.model.num_classes):
        fakes = sample(generator, cfg, n_per_class, seed=seed, class_index=class_index, truncation=truncation,
                       workers=workers, batch_size=batch_size)
        _, probs = judge_outputs(judge, fakes, batch_size=protocol.judge_batch_size, workers=workers)
        accuracy.append(judge_accuracy(probs, class_index))
    return accuracy
