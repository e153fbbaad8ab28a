"""What the page draws, computed from a `ToySession`: one frame, a few KB of JSON.

    surface   D's output on a res x res grid over [-extent, extent]^2, row 0 at the top (largest
              y), quantised to 0..255 over [low, high]: D(x) = sigmoid(logit) in [0, 1] under
              the logistic losses, the raw critic value (its min and max) otherwise
    real      real points (P, 2) from a fixed sample of the data (points travel `packed`)
    fake      G's points (P, 2) from fixed latents, so that each dot moves smoothly
    arrows    for those fakes, -d g_loss / d fake x batch size: where G's loss pushes each one
    manifold  G's image of a side x side grid on the latent square (z's first two dimensions;
              the others 0), row by row: the grid as G warps it
    scalars   the last step's d_loss, g_loss, D(x), D(G(z)) (or critic scores), JS divergence
              between real and fake on a grid, and mode coverage for the mixtures
"""

import base64
import math

import torch

from gankit.toy.metrics import modes_covered

from .session import ToySession
from .settings import Z_DISTRIBUTIONS

SURFACE_RES = 32  # surface cells per side
SHOWN_POINTS = 200  # real and fake dots drawn
ARROWS = 60  # fakes with an arrow
MANIFOLD_SIDE = 11  # latent grid lines per side
MEASURE_POINTS = 2000  # real and fake points for JS divergence and coverage
JS_BINS = 24  # histogram cells per side for JS divergence


def packed(points: torch.Tensor) -> dict:
    """(N, 2) -> {"n": N, "scale": s, "b64": base64 of int16 (N * 2,)}, x = int16 * s: a
    quarter of the JSON size of decimal text. s makes the largest |coordinate| 32767."""
    points = torch.nan_to_num(points.detach().float(), posinf=0.0, neginf=0.0)
    scale = max(float(points.abs().max()) if len(points) else 0.0, 1e-9) / 32767
    ints = (points / scale).round().clamp(-32767, 32767).to(torch.int16)
    return {"n": len(points), "scale": scale, "b64": base64.b64encode(ints.numpy().tobytes()).decode()}


def js_divergence(real: torch.Tensor, fake: torch.Tensor, *, extent: float, bins: int = JS_BINS) -> float:
    """Jensen-Shannon divergence in bits, in [0, 1], between the histograms of `real` and `fake`
    (N, 2) on a bins x bins grid over [-extent, extent]^2 (points outside fall in the edge cells;
    non-finite points, from a diverged G, are left out; none left: 1)."""
    real, fake = (p[torch.isfinite(p).all(dim=1)] for p in (real, fake))
    if not len(real) or not len(fake):
        return 1.0

    def histogram(points):
        cells = ((points + extent) / (2 * extent) * bins).floor().clamp(0, bins - 1).long()
        counts = torch.bincount(cells[:, 0] * bins + cells[:, 1], minlength=bins * bins).double()
        return counts / counts.sum()

    p, q = histogram(real), histogram(fake)
    m = (p + q) / 2
    kl = lambda a: float((a[a > 0] * (a[a > 0] / m[a > 0]).log2()).sum())  # noqa: E731
    return max(0.0, (kl(p) + kl(q)) / 2)


class FrameMaker:
    """Frames of one session; the fixed latents and real samples are drawn once per setup."""

    def __init__(self):
        self._key = None

    def _fixed(self, session: ToySession) -> None:
        s = session.settings
        key = (s.data, s.seed, s.z_dim, s.z_dist, id(session.custom))
        if key == self._key:
            return
        self._key = key
        rng = torch.Generator().manual_seed(s.seed + 100)
        sampler, half = Z_DISTRIBUTIONS[s.z_dist]
        self.z = sampler(MEASURE_POINTS, s.z_dim, rng)
        self.real = session.source.sample(MEASURE_POINTS, generator=rng)
        axis = torch.linspace(-half, half, MANIFOLD_SIDE)
        if s.z_dim == 1:
            self.grid_z = axis[:, None]
        else:
            ys, xs = torch.meshgrid(axis, axis, indexing="ij")
            self.grid_z = torch.zeros(MANIFOLD_SIDE * MANIFOLD_SIDE, s.z_dim)
            self.grid_z[:, 0], self.grid_z[:, 1] = xs.flatten(), ys.flatten()

    def picture(self, session: ToySession) -> dict:
        """What the weights draw now: D's surface, G's fakes, their arrows and G's manifold (the
        parts of a frame that a D or G update changes)."""
        return self._draw(session)[1]

    def frame(self, session: ToySession) -> dict:
        fake, picture = self._draw(session)
        source = session.source
        mixture = getattr(source, "mixture", None)
        scalars = dict(session.scalars)
        scalars["js"] = js_divergence(self.real, fake, extent=source.extent)
        if mixture is not None:
            scalars["coverage"] = modes_covered(fake, mixture) / len(mixture.centres)
        return {
            "type": "frame",
            "iterations": session.iterations, "d_steps": session.d_steps, "g_steps": session.g_steps,
            "extent": source.extent, "d_output": session.options.loss.d_output, **picture,
            "real": packed(self.real[:SHOWN_POINTS]),
            "manifold_side": MANIFOLD_SIDE if session.settings.z_dim > 1 else 1,
            "scalars": {k: v for k, v in scalars.items() if math.isfinite(v)},
            "modes": packed(mixture.centres if mixture is not None else torch.zeros(0, 2)),
        }

    def _draw(self, session: ToySession) -> tuple[torch.Tensor, dict]:
        """G's (MEASURE_POINTS, 2) fakes from the fixed latents, and `picture`'s dict."""
        self._fixed(session)
        gan, loss = session.gan, session.options.loss
        generator, discriminator = gan.generator, gan.discriminator
        was_training = generator.training, discriminator.training
        generator.eval(), discriminator.eval()
        try:
            with torch.no_grad():
                fake = generator(self.z)
                manifold = generator(self.grid_z)
                surface = surface_values(discriminator, session.source.extent, loss.d_output)
            arrows = push_arrows(discriminator, fake[:ARROWS], loss.g_loss)
        finally:
            generator.train(was_training[0]), discriminator.train(was_training[1])
        return fake, {"surface": surface, "fake": packed(fake[:SHOWN_POINTS]), "arrows": packed(arrows),
                      "manifold": packed(manifold)}


def surface_values(discriminator: torch.nn.Module, extent: float, d_output: str, res: int = SURFACE_RES) -> dict:
    """D's output over the grid, base64 of uint8 (res * res,) row by row from the top, with
    the range [low, high] the bytes 0..255 span."""
    cells = (torch.arange(res, dtype=torch.float32) + 0.5) / res * 2 * extent - extent
    ys, xs = torch.meshgrid(cells.flip(0), cells, indexing="ij")
    logits = discriminator(torch.stack([xs.flatten(), ys.flatten()], dim=1), None)[0]
    if d_output == "probability":
        values, low, high = torch.sigmoid(logits), 0.0, 1.0
    else:
        low, high = float(logits.min()), float(logits.max())
        values = (logits - low) / max(high - low, 1e-12)
    if not math.isfinite(low) or not math.isfinite(high):
        values, low, high = torch.zeros_like(logits), 0.0, 0.0
    quantised = (values.clamp(0, 1) * 255).round().to(torch.uint8).numpy().tobytes()
    return {"res": res, "low": low, "high": high, "bytes": base64.b64encode(quantised).decode()}


def push_arrows(discriminator: torch.nn.Module, fake: torch.Tensor, g_loss) -> torch.Tensor:
    """(N, 2): -N x d g_loss(D(fake)) / d fake, the direction G's loss moves each fake; D's
    weights get no gradient (only the points are differentiated)."""
    points = fake.detach().clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(g_loss(discriminator(points, None)[0]), points)
    return torch.nan_to_num(-gradient * len(points))
