"""How much of the data G's images reach, read without a judge: recall in pixels on fixed batches.

A G can draw images that differ from each other (its probe variety near the data's) and still
draw only some kinds of the data: it has dropped the others (mode dropping). Pixel variety does
not see that; recall does. Recall (Kynkäänniemi et al. 2019) is the share of real images that
lie within the ball of some fake image, each fake's ball reaching to its 3rd nearest other fake.
Here it is computed in pixels, on n fixed latents against n fixed training images, and divided by
the recall a second batch of n training images gets in the fakes' place:

    probe_recall = recall(G's n images -> reals A) / recall(reals B -> reals A)
                   1 = G reaches as much of the data as real images do; lower = kinds it misses

Pixels are a coarse view, so the figure moves less than a judge's recall, and it can swing by 0.4
from one log interval to the next while G learns; the `mode_dropping` alarm reads its mean
over several intervals (`gankit.health`). BENCHMARKS.md ("The alarm for a G that reaches less of
the data") gives its readings on runs that dropped kinds of images and on healthy ones.
"""

import math
from dataclasses import dataclass

import torch

from .data.dataset import to_model_range
from .health import real_variety
from .metrics.precision_recall import precision_recall

RECALL_PROBE = 256  # images in each batch: n (fewer make a noisier reading)
MIN_RECALL_PROBE = 16  # with fewer training images than 2 x this, there is no probe


@dataclass
class RecallProbe:
    """The fixed batches of `probe_recall`: latents, and two batches of training images."""

    z: torch.Tensor  # (n, z_dim) latents of G's images
    reals: torch.Tensor  # (2, n, C, H, W) training images in G's range: A, the images to reach, and B
    real_recall: float  # recall of B against A, in (0, 1]: what the data itself reaches


def make_recall_probe(images: torch.Tensor, z: torch.Tensor, generator: torch.Generator, *,
                      output_range: tuple[float, float]) -> RecallProbe | None:
    """The probe for uint8 training images `images` (N, C, H, W) and latents `z` (RECALL_PROBE,
    z_dim) on G's device: n = min(RECALL_PROBE, N // 2) images each for A and B, drawn without
    overlap with `generator` and mapped to G's `output_range`. None where N < 2 x MIN_RECALL_PROBE,
    or where the images do not differ (copies of one image: no variety to reach)."""
    n = min(RECALL_PROBE, len(images) // 2)
    if n < MIN_RECALL_PROBE:
        return None
    rows = torch.randperm(len(images), generator=generator)[: 2 * n]
    reals = to_model_range(images[rows].to(z.device), *output_range).view(2, n, *images.shape[1:])
    if not (real_variety(reals[0]) and real_variety(reals[1])):
        return None
    real_recall = precision_recall(reals[0].flatten(1), reals[1].flatten(1))[1]
    return RecallProbe(z=z[:n], reals=reals, real_recall=real_recall) if real_recall > 0 else None


@torch.no_grad()
def probe_recall(generator: torch.nn.Module, probe: RecallProbe) -> float:
    """`probe_recall` of `generator` (run in inference mode; a conditional G draws the classes in
    turn), >= 0, 1 = as the data; NaN where G's images are not finite (a diverged G)."""
    generator.eval()
    fakes = generator(probe.z).flatten(1).float()
    if not fakes.isfinite().all():
        return math.nan
    return precision_recall(probe.reals[0].flatten(1), fakes)[1] / probe.real_recall
