"""Training-health alarms a beginner can read: each names what is wrong, why, and what to try.

A `HealthMonitor` reads the stats record written at each log interval (see `gankit.stats`) and
returns the alarms that just started. An alarm fires once when its condition has held for
`patience` consecutive intervals and re-arms after the condition clears.

Signals (all means over the interval):
- d_real, d_fake: D(x) on real images and D(G(z)) on the fakes of D's step;
- g_fake: D(G(z)) as G's own step sees it (G in training mode); under a non-logistic loss the
  records hold D's raw scores instead (d_real_score, d_fake_score, g_fake_score);
- g_grad_norm: the norm of G's gradient;
- probe_diversity (`probe_diversity`): mean pairwise distance between G's images for a fixed probe batch of
  latents, divided by the same for a fixed batch of real images (1 = as varied as the data);
- overfit_ratio (`gankit.overfit`): ADA's r_v, how much lower D rates held-out reals than training
  reals, relative to fakes (0 = no gap, 1 = held-out reals look as fake as G's images).

D(x) is sigmoid(D's logit) only under the logistic losses (`Loss.d_output == "probability"`). Under
least squares, hinge and Wasserstein, D's output is an unbounded score, and a confident D does
not starve G of gradient (those losses were made so that it does not), so the two alarms that
read D(x), discriminator_wins and oscillation, are off there (`probabilities=False`).
"""

import math
from collections import deque
from dataclasses import dataclass

import torch

# name -> (what it means, what to try)
ALARMS = {
    "discriminator_wins": (
        "D rejects nearly every fake with confidence (D(G(z)) near 0, also in G's own step), so G "
        "gets little useful gradient and stops improving",
        "use loss.name=non_saturating, lower d_opt.lr, raise g_opt.lr, or use train.d_steps=1",
    ),
    "mode_collapse": (
        "G draws nearly the same image for every z: the fixed probe batch has lost its variety",
        "lower g_opt.lr, use Adam with beta1=0.5, or restart from an earlier checkpoint",
    ),
    "oscillation": (
        "D and G take turns winning: D(x) swings up and down between intervals instead of settling",
        "lower both learning rates (d_opt.lr, g_opt.lr), or keep G's at half of D's as the seed does",
    ),
    "discriminator_overfits": (
        "D rates the images it trains on clearly above real images it has never seen: it has memorised "
        "the training set instead of learning what real images look like, and G will learn to copy them",
        "augment what D sees (augment.policy=diffaugment or ada), train fewer steps (keep an earlier "
        "checkpoint), or use a smaller D (model.width); with data.limit, more images",
    ),
    "non_finite": (
        "a loss or gradient became NaN or infinite",
        "lower the learning rates; the run rolls back to its last good state and retries",
    ),
}


@dataclass
class Alarm:
    name: str  # a key of ALARMS
    step: int  # the step at which it fired
    detail: str  # the numbers that tripped it

    @property
    def message(self) -> str:
        meaning, fix = ALARMS[self.name]
        return f"ALARM {self.name} at step {self.step}: {meaning} ({self.detail}). Try: {fix}."

    def to_dict(self) -> dict:
        return {"name": self.name, "step": self.step, "detail": self.detail, "message": self.message}


@dataclass
class HealthConfig:
    patience: int = 3  # consecutive log intervals a condition must hold before its alarm fires
    confident: float = 0.05  # D(G(z)) below this counts as "D rejects the fakes"
    collapse_drop: float = 0.4  # probe diversity below this fraction of its own peak so far is collapse
    window: int = 10  # oscillation is judged on D(x) over the last `window` intervals...
    swing: float = 0.3  # ...as legs: moves of D(x) by at least this much from its last turning point...
    legs: int = 4  # ...and this many legs, alternating up and down, make oscillation
    overfit_ratio: float = 0.5  # D overfits: r_v (train - held-out) / (train - fake) at or above this


class HealthMonitor:
    """Reads stats records one interval at a time; `update` returns the alarms that just fired."""

    def __init__(self, cfg: HealthConfig, *, probabilities: bool = True):
        """probabilities: whether the records' d_real, d_fake and g_fake are probabilities
        (a logistic loss); if not, only the alarms that do not read them can fire."""
        self.cfg, self.probabilities = cfg, probabilities
        self.held = {name: 0 for name in ALARMS}  # consecutive intervals each condition has held
        self.peak_diversity = 0.0
        self.recent_real = deque(maxlen=cfg.window)

    def update(self, record: dict) -> list[Alarm]:
        fired = []
        for name, detail in self._conditions(record).items():
            if detail is None:
                self.held[name] = 0
                continue
            self.held[name] += 1
            needed = self.cfg.patience if name in ("discriminator_wins", "mode_collapse", "discriminator_overfits") else 1
            if self.held[name] == needed:
                fired.append(Alarm(name, record["step"], detail))
        return fired

    def _conditions(self, r: dict) -> dict[str, str | None]:
        """name -> a description of the tripping numbers, or None where the condition is clear."""
        cfg = self.cfg
        values = [v for v in r.values() if isinstance(v, float)]
        if not all(math.isfinite(v) for v in values):
            return {"non_finite": "non-finite values in " + ", ".join(k for k, v in r.items()
                                                                      if isinstance(v, float) and not math.isfinite(v))}
        conditions = {"non_finite": None}
        wins = self.probabilities and r["d_fake"] < cfg.confident and r["g_fake"] < cfg.confident
        conditions["discriminator_wins"] = (
            f"D(G(z)) {r['d_fake']:.3f}, in G's step {r['g_fake']:.3f}, G's gradient norm {r['g_grad_norm']:.2g}"
            if wins else None)
        diversity = r.get("probe_diversity")
        conditions["mode_collapse"] = None
        if diversity is not None:
            self.peak_diversity = max(self.peak_diversity, diversity)
            if diversity < cfg.collapse_drop * self.peak_diversity:
                conditions["mode_collapse"] = (f"probe diversity {diversity:.2f} of the data's, "
                                               f"peak {self.peak_diversity:.2f}")
        if self.probabilities:
            self.recent_real.append(r["d_real"])
        oscillating = self.probabilities and zigzag_legs(list(self.recent_real), cfg.swing) >= cfg.legs
        conditions["oscillation"] = (f"D(x) over the last intervals: "
                                     f"{', '.join(f'{v:.2f}' for v in self.recent_real)}" if oscillating else None)
        conditions["discriminator_overfits"] = overfit_condition(r, cfg.overfit_ratio)
        return conditions


def overfit_condition(record: dict, threshold: float) -> str | None:
    """The numbers of a record whose r_v (`overfit_ratio`) is at or above `threshold`, else None
    (also where the run records no overfitting signals: no held-out images)."""
    ratio = record.get("overfit_ratio")
    if ratio is None or ratio < threshold:
        return None
    return (f"r_v {ratio:.2f}: mean D output on training reals {record['d_out_train']:.2f}, on held-out reals "
            f"{record['d_out_heldout']:.2f}, on fakes {record['d_out_fake']:.2f}")


def zigzag_legs(series: list[float], swing: float) -> int:
    """Alternating up and down moves of at least `swing` from the last turning point; small
    wiggles in between do not count (the 'zigzag' of technical charts)."""
    if not series:
        return 0
    legs, direction, high, low = 0, 0, series[0], series[0]
    for x in series[1:]:
        high, low = max(high, x), min(low, x)
        if direction >= 0 and high - x >= swing:  # turned down from the highest point since the last turn
            legs, direction, low = legs + 1, -1, x
        elif direction <= 0 and x - low >= swing:  # turned up from the lowest point
            legs, direction, high = legs + 1, 1, x
    return legs


def mean_pairwise_distance(images: torch.Tensor) -> torch.Tensor:
    """Mean L2 distance between all pairs of (N, C, H, W) images, N >= 2: 0 when all are equal."""
    flat = images.flatten(1).float()
    n = len(flat)
    return torch.cdist(flat, flat).sum() / (n * (n - 1))


@torch.no_grad()
def probe_diversity(generator: torch.nn.Module, probe_z: torch.Tensor, real_probe: torch.Tensor) -> float | None:
    """Variety of `generator`'s images (in inference mode) for the fixed latents `probe_z`
    (N, z_dim), relative to the real images `real_probe` (N, C, H, W): 1 = as varied; None where
    the real images have no variety to compare with (`real_variety`)."""
    if not real_variety(real_probe):
        return None
    generator.eval()
    return (mean_pairwise_distance(generator(probe_z)) / mean_pairwise_distance(real_probe)).item()


def real_variety(real_probe: torch.Tensor) -> bool:
    """Whether the real probe images (N, C, H, W) differ at all: a folder of one image, or of copies, does not."""
    return len(real_probe) >= 2 and bool(mean_pairwise_distance(real_probe) > 0)


def finite_weights(*networks: torch.nn.Module) -> bool:
    """Whether every parameter of every network is finite (one host sync)."""
    params = [p for network in networks for p in network.parameters()]
    return bool(torch.stack([p.detach().isfinite().all() for p in params]).all())
