"""2-D toy GANs for intuition and mode-coverage research.

    from gankit.toy import TOY_DATA, ToyConfig, train_toy, toy_samples, coverage_report
    run = train_toy(ToyConfig(data="ring", loss="hinge"))
    coverage_report(toy_samples(run.generator), run.mixture)   # modes covered, HQ fraction
    save_png("surface.png", decision_surface(run.discriminator, toy_samples(run.generator),
                                              mixture=run.mixture))

data.py: the ring of 8 Gaussians and the 5x5 grid; models.py: MLP G and maxout D (Goodfellow
et al. 2014); metrics.py: modes covered and high-quality fraction; surface.py: D's decision
surface under G's samples as a picture; train.py: runs `gankit.step.train_step` on the toys.
"""

from .data import TOY_DATA, Mixture, grid, ring
from .metrics import high_quality_fraction, mode_counts, modes_covered
from .models import MLPDiscriminator, MLPGenerator, ToyModelConfig
from .surface import SCALES, decision_surface
from .train import ToyConfig, ToyRun, coverage_report, toy_samples, train_toy

__all__ = [
    "SCALES", "TOY_DATA", "MLPDiscriminator", "MLPGenerator", "Mixture", "ToyConfig", "ToyModelConfig",
    "ToyRun", "coverage_report", "decision_surface", "grid", "high_quality_fraction", "mode_counts",
    "modes_covered", "ring", "toy_samples", "train_toy",
]
