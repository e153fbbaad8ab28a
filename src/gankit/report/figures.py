"""The report's charts, one `name -> figure` table; each is drawn from a run's records.

Every figure function takes the records of stats.jsonl and metrics.jsonl (lists of dicts, see
`gankit.stats`) and returns a `Figure`, or None where the run has nothing to draw (no
evaluations yet, say). Captions say what a beginner should look for.
"""

import math
from dataclasses import dataclass

from PIL import Image

from .charts import Guide, Series, line_chart

BLUE, RED, ORANGE, GREEN, PURPLE, GREY = "#1f6fb4", "#d62728", "#f08a24", "#2ca02c", "#8c5ab4", "#7f7f7f"


@dataclass
class Figure:
    title: str
    caption: str  # what to look for, one or two sentences
    image: Image.Image
    section: str = "curves"  # where the report shows it: "curves" (training) or "metrics" (evaluations)


def column(records: list[dict], key: str) -> tuple[list[float], list[float]]:
    """(steps, values) of `key` over the records that have it."""
    rows = [(r["step"], float(r[key])) for r in records if key in r]
    return [s for s, _ in rows], [v for _, v in rows]


def series(records: list[dict], key: str, label: str, color: str, **options) -> list[Series]:
    """[the `key` line], or [] where no record has `key`."""
    xs, ys = column(records, key)
    return [Series(label, xs, ys, color, **options)] if xs else []


def losses(stats: list[dict], metrics: list[dict]) -> Figure | None:
    lines = series(stats, "d_loss", "d_loss", BLUE) + series(stats, "g_loss", "g_loss", ORANGE)
    if not lines:
        return None
    image = line_chart(lines, title="Losses: D and G pull against each other", y_label="loss",
                       guides=[Guide(math.log(2), "ln 2: d_loss when D says 1/2 to everything")])
    return Figure("Losses", "D lowers d_loss by telling real from fake; G raises it by fooling D. Neither "
                  "goes to zero in a healthy run: they settle where each step of one undoes the other.", image)


def d_outputs(stats: list[dict], metrics: list[dict]) -> Figure | None:
    lines = (series(stats, "d_real", "D(x), real images", BLUE) + series(stats, "d_fake", "D(G(z)), fakes", RED)
             + series(stats, "g_fake", "D(G(z)) in G's step", ORANGE))
    if not lines:
        return None
    image = line_chart(lines, title="D's verdicts: probability that an image is real", y_label="mean D(.)",
                       guides=[Guide(0.5, "0.5: equilibrium, D cannot tell")], y_range=(0, 1))
    return Figure("D(x) and D(G(z))", "Early on D is sure: D(x) near 1, D(G(z)) near 0. As G improves, both "
                  "move towards 0.5, where D can no longer tell real from fake (the GAN's equilibrium).", image)


def d_scores(stats: list[dict], metrics: list[dict]) -> Figure | None:
    lines = (series(stats, "d_real_score", "real images", BLUE) + series(stats, "d_fake_score", "fakes", RED)
             + series(stats, "g_fake_score", "fakes in G's step", ORANGE))
    if not lines:
        return None
    image = line_chart(lines, title="D's scores (least squares, hinge and Wasserstein losses)",
                       y_label="mean score", guides=[Guide(0.0, "0")])
    return Figure("D's scores", "Under these losses D gives a score, not a probability. D scores real images "
                  "above fakes; the gap is what D can still tell apart, so it narrows as G improves (under the "
                  "Wasserstein loss it estimates the distance between the two distributions).", image)


def diversity(stats: list[dict], metrics: list[dict]) -> Figure | None:
    lines = series(stats, "probe_diversity", "variety of G's images for 64 fixed z", PURPLE)
    if not lines:
        return None
    lines += series(stats, "ema_probe_diversity", "the same for g_ema, which samples are drawn from", GREEN)
    lines += series(stats, "probe_recall", "how much of the real images G's images reach", ORANGE)
    lines += series(stats, "ema_probe_recall", "the same for g_ema", GREY)
    image = line_chart(lines, title="Variety of generated images (1 = as real images)",
                       y_label="relative to real images", guides=[Guide(1.0, "real images")])
    return Figure("Variety", "Mean distance between G's images for a fixed batch of noise, relative to real "
                  "images. A fall to a fraction of its peak is mode collapse: G draws the same few images. With "
                  "g_ema on, its line is the average of G's weights, which samples come from: it can stay varied "
                  "through a short collapse of G. The orange line, recall in pixels, is how much of the real "
                  "images have an image like them among G's (grey: g_ema's): a fall while the variety holds is "
                  "mode dropping, G drawing only some kinds of the data.", image)


def overfitting(stats: list[dict], metrics: list[dict]) -> Figure | None:
    lines = (series(stats, "d_out_train", "training reals", BLUE) + series(stats, "d_out_heldout", "held-out reals", GREEN)
             + series(stats, "d_out_fake", "fakes", RED))
    if not lines:
        return None
    image = line_chart(lines, title="Does D memorise? Its raw output on training, held-out and fake images",
                       y_label="mean D output (logit)", guides=[Guide(0.0, "0")])
    return Figure("Overfitting", "D's mean output on 64 fixed training images, 64 real images it never trains on "
                  "and 64 fakes. While the two real lines stay together D judges images, not memories; when "
                  "held-out reals drift down towards the fakes, D has memorised the training set (the "
                  "discriminator_overfits alarm): try augment.policy=diffaugment or ada, fewer steps or a smaller D.",
                  image)


def overfit_heuristics(stats: list[dict], metrics: list[dict]) -> Figure | None:
    lines = (series(stats, "overfit_ratio", "r_v = (train - held-out) / (train - fake)", PURPLE)
             + series(stats, "overfit_auc", "P(D ranks a training real above a held-out one)", GREEN)
             + series(stats, "r_t", "r_t = E[sign D(training reals)]", ORANGE)
             + series(stats, "augment_p", "ADA's augmentation probability p", GREY))
    if not lines:
        return None
    image = line_chart(lines, title="Overfitting heuristics (Karras et al. 2020) and ADA's p", y_label="value",
                       guides=[Guide(0.6, "0.6: ADA's target for r_t")])
    return Figure("Overfitting heuristics", "r_v: 0 while held-out reals look as real as training ones, 1 when "
                  "they look as fake as G's images; the ranking share is 0.5 when D cannot tell them apart. r_t: how sure D is of its training images. Under "
                  "augment.policy=ada, p rises while r_t is above its target and falls below it.", image)


def fid(stats: list[dict], metrics: list[dict]) -> Figure | None:
    lines = series(metrics, "fid", "FID (gankit-eval-v1)", RED, markers=True)
    if not lines:
        return None
    image = line_chart(lines, title="FID: distance from the real images (lower is better)", y_label="FID",
                       guides=[Guide(0.0, "0: same statistics as the test images")])
    return Figure("FID", "Fréchet distance between the judge network's features of 10,000 generated and "
                  "10,000 real test images (see docs/evaluation.md).", image, "metrics")


def fidelity_and_coverage(stats: list[dict], metrics: list[dict]) -> Figure | None:
    lines = [one for key, label, color in (("precision", "precision", BLUE), ("recall", "recall", ORANGE),
                                           ("density", "density", GREEN), ("coverage", "coverage", PURPLE))
             for one in series(metrics, key, label, color, markers=True)]
    if not lines:
        return None
    top = max([1.0, *(y for one in lines for y in one.ys if math.isfinite(y))])  # density can pass 1
    image = line_chart(lines, title="Fidelity (precision, density) and variety (recall, coverage)",
                       y_label="fraction", y_range=(0, top))
    return Figure("Precision and recall", "Precision and density: how many fakes look like real images. Recall "
                  "and coverage: how much of the real images' variety the fakes reach.", image, "metrics")


FIGURES = {
    "losses": losses,
    "d_outputs": d_outputs,
    "d_scores": d_scores,
    "diversity": diversity,
    "overfitting": overfitting,
    "overfit_heuristics": overfit_heuristics,
    "fid": fid,
    "precision_recall": fidelity_and_coverage,
}
