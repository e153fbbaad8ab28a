"""The judge's accuracy on `sample --class c`: a generator that draws real digits of the class it
is asked for scores near 100 %, one that draws the wrong class near 0 %."""

import pytest
import torch
from torch import nn

from gankit.config import Config
from gankit.data import load_split
from gankit.eval import evaluate_generator
from gankit.eval.class_accuracy import class_accuracy, judge_accuracy
from gankit.models import build_models


class ReplayGenerator(nn.Module):
    """A stand-in conditional G: for label y it returns real test images of class (y + shift) % 10."""

    output_range = (0.0, 1.0)

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, *, shift: int = 0):
        super().__init__()
        self.num_classes, self.shift = 10, shift
        self.by_class = [images[labels == c].float() / 255 for c in range(10)]
        self.unused = nn.Parameter(torch.zeros(1))  # sampling reads the device from a parameter

    def forward(self, z, labels=None):
        labels = torch.arange(len(z)) % 10 if labels is None else labels
        picks = [(i * 7) % len(self.by_class[(y + self.shift) % 10]) for i, y in enumerate(labels.tolist())]
        return torch.stack([self.by_class[(y + self.shift) % 10][p] for y, p in zip(labels.tolist(), picks)])


@pytest.fixture(scope="module")
def real_test(mnist_subset_root):
    split = load_split("mnist", "test", mnist_subset_root / "mnist")
    return split.images, split.labels


def conditional_config(data_dir) -> Config:
    cfg = Config()
    cfg.model.name, cfg.model.num_classes, cfg.data.dir = "cgan", 10, str(data_dir / "mnist")
    return cfg


def test_judge_accuracy_counts_the_argmax():
    probs = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    assert judge_accuracy(probs, 1) == pytest.approx(0.75)
    assert judge_accuracy(probs, 0) == pytest.approx(0.25)


def test_real_digits_of_the_asked_class_pass_and_wrong_ones_fail(real_test, mnist_subset_root):
    cfg = conditional_config(mnist_subset_root)
    right = class_accuracy(ReplayGenerator(*real_test), cfg, n_per_class=20)
    wrong = class_accuracy(ReplayGenerator(*real_test, shift=1), cfg, n_per_class=20)
    assert len(right) == len(wrong) == 10
    assert min(right) >= 0.9  # the judge is ~99 % accurate on real test digits
    assert max(wrong) <= 0.1


def test_eval_of_a_conditional_run_reports_per_class_accuracy(real_test, mnist_subset_root, eval_cache):
    cfg = conditional_config(mnist_subset_root)
    result = evaluate_generator(ReplayGenerator(*real_test), cfg, n=100, cache_dir=eval_cache)
    assert len(result["class_accuracy"]) == 10
    assert result["min_class_accuracy"] == pytest.approx(min(result["class_accuracy"]), abs=1e-4)
    assert result["min_class_accuracy"] >= 0.9
    unconditional = Config()
    unconditional.data.dir = cfg.data.dir
    generator = ReplayGenerator(*real_test)
    assert "class_accuracy" not in evaluate_generator(generator, unconditional, n=100, cache_dir=eval_cache)


def test_evaluating_a_training_generator_leaves_its_state_alone(mnist_subset_root, eval_cache):
    """Class accuracy draws its images in eval mode too, as `gankit sample --class c` does: a G in
    the middle of training keeps its BatchNorm statistics and gets its mode back."""
    cfg = conditional_config(mnist_subset_root)
    cfg.model.width = 0.25
    torch.manual_seed(0)
    generator, _ = build_models(cfg.model, (1, 28, 28))
    generator.train()
    before = {k: v.clone() for k, v in generator.state_dict().items()}
    evaluate_generator(generator, cfg, n=20, cache_dir=eval_cache)
    assert generator.training
    assert all(torch.equal(v, generator.state_dict()[k]) for k, v in before.items())
