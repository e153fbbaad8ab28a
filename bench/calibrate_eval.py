"""Calibration of protocol gankit-eval-v1: every metric for real data and known degradations of it.

    .venv/bin/python bench/calibrate_eval.py [--dataset mnist] > table.md

MNIST ships inside gankit; Fashion-MNIST comes from Debian's `dataset-fashion-mnist` package
(/usr/share/datasets/fashion-mnist) or a download.

Prints a markdown table (docs/evaluation.md holds its output). Every set has 10,000 images built
from the dataset with fixed seeds, so the table is reproducible; it takes a few minutes on a CPU
(the first run also computes the cached real statistics).

    ref  the reference itself: the 10,000 test images (FID 0, memorisation at its 5% quantile)
    (a)  10,000 random training images
    (b)  (a) blurred with a 3x3 box filter
    (c)  (a) plus Gaussian pixel noise, std 0.1 of the pixel range (25.5 levels), clipped
    (d)  10,000 training images of two classes only (0 and 1)
    (e)  uniform noise: every pixel uniform in 0..255
    (f)  one training image repeated 10,000 times
    (g)  exact copies of 1,000 training images, each 10 times
"""

import argparse
import sys
import time

import torch

from gankit.data import load_split
from gankit.eval import V1, evaluate_images

N = 10_000
COLUMNS = [  # (header, result key, format)
    ("FID", "fid", "{:.3f}"),
    ("KID x 1e3", "kid_mean", "{:.3f}"),
    ("IS", "is_mean", "{:.2f}"),
    ("precision", "precision", "{:.3f}"),
    ("recall", "recall", "{:.3f}"),
    ("density", "density", "{:.3f}"),
    ("coverage", "coverage", "{:.3f}"),
    ("classes", "classes_covered", "{}"),
    ("KL to uniform", "kl_to_uniform", "{:.3f}"),
    ("memorised", "memorised_fraction", "{:.3f}"),
]


def box_blur(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 1, H, W) -> the mean over each 3x3 neighbourhood (zeros outside), rounded."""
    x = torch.nn.functional.avg_pool2d(images.float(), 3, stride=1, padding=1, count_include_pad=True)
    return x.round().clamp(0, 255).to(torch.uint8)


def add_noise(images: torch.Tensor, std: float, generator: torch.Generator) -> torch.Tensor:
    noise = torch.randn(images.shape, generator=generator) * std * 255
    return (images.float() + noise).round().clamp(0, 255).to(torch.uint8)


def calibration_sets(dataset: str) -> dict[str, torch.Tensor]:
    """name -> uint8 (10000, 1, 28, 28), each built with its own fixed seed."""
    train, test = load_split(dataset, "train"), load_split(dataset, "test")
    g = lambda seed: torch.Generator().manual_seed(seed)  # noqa: E731
    real = train.images[torch.randperm(len(train), generator=g(1))[:N]]
    two = torch.nonzero((train.labels == 0) | (train.labels == 1)).squeeze(1)
    two = two[torch.randperm(len(two), generator=g(4))[:N]]
    few = torch.randperm(len(train), generator=g(7))[:N // 10].repeat_interleave(10)
    return {
        "ref: the reference (test images)": test.images,
        "(a) real training images": real,
        "(b) (a) blurred, 3x3 box": box_blur(real),
        "(c) (a) + Gaussian noise, std 0.1": add_noise(real, 0.1, g(3)),
        "(d) two classes only (0, 1)": train.images[two],
        "(e) uniform noise": torch.randint(0, 256, (N, 1, 28, 28), generator=g(5), dtype=torch.uint8),
        "(f) one image repeated": train.images[torch.randint(len(train), (1,), generator=g(6))].repeat(N, 1, 1, 1),
        "(g) copies of 1,000 training images": train.images[few],
    }


def markdown_table(results: dict[str, dict]) -> str:
    lines = ["| set | " + " | ".join(h for h, _, _ in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for name, result in results.items():
        values = [fmt.format(result[key] * (1e3 if key == "kid_mean" else 1)) for _, key, fmt in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="mnist", help="mnist or fashion_mnist (the datasets with a judge network)")
    args = parser.parse_args()
    results = {}
    for name, images in calibration_sets(args.dataset).items():
        start = time.perf_counter()
        results[name] = evaluate_images(images, args.dataset, V1)
        print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    judge = results[name]["judge_sha256"][:12]
    print(f"Protocol {V1.name}, dataset {args.dataset}, judge {judge}, {N:,} images per set.\n")
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
