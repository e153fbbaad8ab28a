"""A picture of D's decision surface with G's samples on it: the seed's intuition, drawn.

Goodfellow et al. 2014 (Figure 1) explain the game with D's output plotted over data space: D
is high where real data lies and low where G's samples lie, and G moves its samples up D's
slope. For 2-D toys we can draw exactly that:

    background  D's verdict at every pixel: blue where D says "real", red where it says "fake",
                white where it cannot tell; a grey line where the verdict changes sign
    green rings each real mode, drawn with the radius of its high-quality region (3 standard
                deviations) or 5 pixels, whichever is larger
    black dots  G's samples

The verdict comes from a table (`SCALES`), keyed by what the loss makes of D's output
(`gankit.losses.Loss.d_output`): "probability" maps a logit l to 2 sigmoid(l) - 1 for
the logistic losses; "critic" maps unbounded critic scores (WGAN, hinge, LSGAN) around their
median over the picture, scaled by their spread, since a critic has no fixed midpoint.
"""

import numpy as np
import torch
from PIL import Image, ImageDraw

from .data import Mixture

REAL_COLOUR = np.array([33, 102, 172], np.float64)  # blue
FAKE_COLOUR = np.array([178, 24, 43], np.float64)  # red
UNSURE_COLOUR = np.array([247, 247, 247], np.float64)  # white
BOUNDARY_COLOUR = (110, 110, 110)
MODE_COLOUR = (26, 152, 80)  # green
SAMPLE_COLOUR = (0, 0, 0)


def probability_verdict(scores: torch.Tensor) -> torch.Tensor:
    """Logits -> 2 sigmoid(l) - 1 in [-1, 1]: +1 sure real, -1 sure fake, 0 at D(x) = 1/2."""
    return 2 * torch.sigmoid(scores) - 1


def critic_verdict(scores: torch.Tensor) -> torch.Tensor:
    """Critic scores -> [-1, 1]: centred on their median, divided by their 98th-percentile spread."""
    centred = scores - scores.median()
    spread = torch.quantile(centred.abs().double(), 0.98).float().clamp_min(1e-12)
    return (centred / spread).clamp(-1, 1)


# name -> function(scores (P,)) -> verdicts (P,) in [-1, 1]
SCALES = {
    "probability": probability_verdict,
    "critic": critic_verdict,
}


@torch.no_grad()
def decision_surface(discriminator: torch.nn.Module, fake: torch.Tensor, *, mixture: Mixture | None = None,
                     extent: float = 3.0, size: int = 400, scale: str = "probability") -> np.ndarray:
    """RGB uint8 (size, size, 3): D's verdict over [-extent, extent]^2, G's samples `fake`
    (N, 2) as dots and, if given, `mixture`'s modes as rings; +y is up. `discriminator` is
    called as every D is: D(points, None) -> (logits, None)."""
    discriminator.eval()
    device = next(discriminator.parameters()).device
    pixels = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2 * extent - extent
    ys, xs = torch.meshgrid(pixels.flip(0), pixels, indexing="ij")  # row 0 is the top: largest y
    points = torch.stack([xs.flatten(), ys.flatten()], dim=1)
    scores = torch.cat([discriminator(part.to(device), None)[0].float().cpu() for part in points.split(65_536)])
    verdict = SCALES[scale](scores).view(size, size).numpy().astype(np.float64)
    target = np.where(verdict[..., None] > 0, REAL_COLOUR, FAKE_COLOUR)
    rgb = UNSURE_COLOUR + np.abs(verdict)[..., None] * (target - UNSURE_COLOUR)
    image = Image.fromarray(np.rint(rgb).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    _draw_boundary(draw, verdict > 0)
    to_pixel = lambda p: ((p[:, 0] + extent) / (2 * extent) * size, (extent - p[:, 1]) / (2 * extent) * size)
    for x, y in zip(*to_pixel(fake.detach().double().cpu().numpy()), strict=True):
        draw.rectangle((x - 1, y - 1, x, y), fill=SAMPLE_COLOUR)
    if mixture is not None:  # on top of the samples, and at least 5 pixels wide, to stay visible
        radius = max(5.0, 3 * mixture.std / (2 * extent) * size)
        for x, y in zip(*to_pixel(mixture.centres.double().numpy()), strict=True):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=MODE_COLOUR, width=2)
    return np.asarray(image)


def _draw_boundary(draw: ImageDraw.ImageDraw, real_side: np.ndarray) -> None:
    """Mark every pixel whose verdict's sign differs from its right or lower neighbour's."""
    change = np.zeros_like(real_side)
    change[:, :-1] |= real_side[:, :-1] != real_side[:, 1:]
    change[:-1, :] |= real_side[:-1, :] != real_side[1:, :]
    for y, x in zip(*np.nonzero(change), strict=True):
        draw.point((int(x), int(y)), fill=BOUNDARY_COLOUR)
