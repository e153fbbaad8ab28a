"""The metric table: `name -> MetricSpec`, so an evaluator can loop over metrics by name.

Each spec names the arrays its function takes, from one fixed vocabulary:

    "real_features"   (N, D) judge features of real (test-split) images
    "fake_features"   (M, D) judge features of generated images
    "fake_probs"      (M, C) judge class probabilities of generated images
    "train_features"  (N_train, D) judge features of the training images
    "test_features"   (N_test, D) judge features of held-out real images

and returns a flat dict of results (floats; `class_histogram` adds a list). Each adapter uses
the metric's default options; call the metric functions directly to change them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from gankit.metrics.class_histogram import class_histogram
from gankit.metrics.density_coverage import density_coverage
from gankit.metrics.frechet import fid_from_features
from gankit.metrics.inception_score import inception_score
from gankit.metrics.kid import kid
from gankit.metrics.memorisation import memorisation
from gankit.metrics.precision_recall import precision_recall


@dataclass(frozen=True)
class MetricSpec:
    fn: Callable[..., dict]  # takes the arrays named in `inputs`, in order; returns results
    inputs: tuple[str, ...]  # names from the vocabulary above
    summary: str  # one line for help text and reports


def _fid(real, fake) -> dict:
    return {"fid": fid_from_features(real, fake)}


def _kid(real, fake) -> dict:
    mean, std = kid(real, fake)
    return {"kid": mean, "kid_std": std}


def _inception_score(probs) -> dict:
    mean, _ = inception_score(probs)
    return {"inception_score": mean}


def _precision_recall(real, fake) -> dict:
    precision, recall = precision_recall(real, fake)
    return {"precision": precision, "recall": recall}


def _density_coverage(real, fake) -> dict:
    density, coverage = density_coverage(real, fake)
    return {"density": density, "coverage": coverage}


def _class_histogram(probs) -> dict:
    return class_histogram(probs, probs.shape[1])


def _memorisation(fake, train, test) -> dict:
    result = memorisation(fake, train, test)
    return {"memorised_fraction": result["fraction"], "memorised_threshold": result["threshold"]}


METRICS: dict[str, MetricSpec] = {
    "fid": MetricSpec(
        _fid, ("real_features", "fake_features"), "Fréchet distance, lower is better"
    ),
    "kid": MetricSpec(_kid, ("real_features", "fake_features"), "kernel MMD^2, lower is better"),
    "inception_score": MetricSpec(
        _inception_score, ("fake_probs",), "judge Inception Score, higher is better (max C)"
    ),
    "precision_recall": MetricSpec(
        _precision_recall, ("real_features", "fake_features"), "fidelity and diversity, k=3"
    ),
    "density_coverage": MetricSpec(
        _density_coverage, ("real_features", "fake_features"), "robust fidelity/diversity, k=5"
    ),
    "class_histogram": MetricSpec(
        _class_histogram, ("fake_probs",), "mode coverage and balance of predicted classes"
    ),
    "memorisation": MetricSpec(
        _memorisation,
        ("fake_features", "train_features", "test_features"),
        "fraction of fakes nearer to train than 95% of test images",
    ),
}
