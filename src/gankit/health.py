"""Training-health alarms a beginner can read: each names what is wrong, why, and what to try.

A `HealthMonitor` reads the stats record written at each log interval (see `gankit.stats`) and
returns the alarms that just started. An alarm fires once when its condition has held for
`patience` consecutive intervals and re-arms after the condition clears.

Signals (all means over the interval):
- d_real, d_fake: D(x) on real images and D(G(z)) on the fakes of D's step;
- g_fake: D(G(z)) as G's own step sees it (G in training mode); under a non-logistic loss the
  records hold D's raw scores instead (d_real_score, d_fake_score, g_fake_score);
- g_grad_norm: the norm of G's gradient;
- probe_diversity (`probe_signals`): mean pairwise distance between G's images for a fixed probe batch of
  latents, divided by the same for a fixed batch of real images (1 = as varied as the data);
- ema_probe_diversity: the same for g_ema (runs with one), the average of G's weights that samples
  and evaluations come from; read by no alarm, but named in mode_collapse's details, since G can
  collapse for a while as its average stays varied;
- probe_neighbours: the mean distance from each of those images to its nearest neighbour among
  the others, divided by the same for the real images. It falls to 0 as soon as G repeats
  images, even when the batch as a whole stays varied (a conditional G whose batch spans every
  class, but draws one image per class);
- probe_class_diversity (conditional models): the lowest, over the classes, of the variety of
  G's images for a fixed probe batch of one class, divided by that of real images of that class;
  probe_class_lowest names that class.
- probe_recall (`gankit.recall_probe`): how much of a fixed batch of training images G's images
  reach (recall in pixels), divided by what a second batch of training images reaches (1 = as
  the data); it falls when G drops kinds of images while its images stay varied among themselves;
  ema_probe_recall, the same for g_ema, which mode_dropping watches too, since the samples a user
  sees can lose the data while G still reaches it;
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
        "G draws nearly the same image for different z: its fixed probe images have lost their variety, "
        "as a whole, within a class, or as near-copies of each other, or lose it again and again",
        "lower g_opt.lr and d_opt.lr, use Adam with beta1=0.5, keep g_ema on, or restart from an earlier "
        "checkpoint; a conditional model collapsed within its classes often recovers with lower learning rates",
    ),
    "mode_dropping": (
        "G draws only some kinds of the images in the data: its images still differ from each other, but "
        "many real images have nothing like them among G's, and a longer run seldom brings those back",
        "with a few thousand training images or fewer, augment what D sees (augment.policy=diffaugment or ada); "
        "otherwise lower g_opt.lr and d_opt.lr, or keep the checkpoint from before the fall (--eval.every=N keeps "
        "the one with the best FID)",
    ),
    "oscillation": (
        "D and G take turns winning: D(x) swings up and down between intervals instead of settling",
        "lower both learning rates (d_opt.lr, g_opt.lr), or keep G's at half of D's as the seed does",
    ),
    "discriminator_overfits": (
        "D rates the images it trains on clearly above real images it has never seen: it has memorised "
        "the training set instead of learning what real images look like, and G will learn to copy them",
        "augment what D sees (augment.policy=diffaugment or ada; under ada, whose p keeps D's r_t at "
        "augment.ada_target, a lower target such as 0.4 raises p), train fewer steps (keep an earlier "
        "checkpoint), or use a smaller D (model.d_width); with data.limit, more images",
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
    collapse_drop: float = 0.4  # probe diversity below this fraction of its own peak so far is collapse...
    relapses: int = 2  # ...and so is falling there this many separate times within `window` intervals
    neighbour_floor: float = 0.25  # probe_neighbours below this fraction of probe_diversity is collapse: G repeats images
    class_floor: float = 0.25  # a class's probe variety below this fraction of probe_diversity is collapse within the class
    class_variety_floor: float = 0.4  # ...and so is the lowest class's variety (of its real images') under this...
    class_window: int = 5  # ...on average over this many intervals, once it has been above it
    window: int = 10  # oscillation is judged on D(x) over the last `window` intervals...
    swing: float = 0.3  # ...as legs: moves of D(x) by at least this much from its last turning point...
    legs: int = 4  # ...and this many legs, alternating up and down, make oscillation
    recall_floor: float = 0.5  # G (or g_ema) drops kinds of images: its probe recall under this on average...
    recall_window: int = 5  # ...over this many intervals...
    recall_reached: float = 0.75  # ...once it has been above this (G had reached most of the data)
    overfit_ratio: float = 0.5  # D overfits: r_v (train - held-out) / (train - fake) at or above this...
    overfit_auc: float = 0.75  # ...while D ranks a training real above a held-out one this often (0.5: no gap)
    early_floor: float = 0.75  # a run whose probe variety never reached this ends with a note (`low_variety`)


class HealthMonitor:
    """Reads stats records one interval at a time; `update` returns the alarms that just fired."""

    def __init__(self, cfg: HealthConfig, *, probabilities: bool = True):
        """probabilities: whether the records' d_real, d_fake and g_fake are probabilities
        (a logistic loss); if not, only the alarms that do not read them can fire."""
        self.cfg, self.probabilities = cfg, probabilities
        self.held = {name: 0 for name in ALARMS}  # consecutive intervals each condition has held
        self.peak_diversity = 0.0
        self.dipped = False  # whether the last probe diversity was below collapse_drop x its peak
        self.recent_dips = deque(maxlen=cfg.window)  # per interval: whether a dip started there
        self.class_variety = LastingFall(cfg.class_variety_floor, cfg.class_variety_floor, cfg.class_window)
        self.recent_real = deque(maxlen=cfg.window)
        self.recall = {key: LastingFall(cfg.recall_reached, cfg.recall_floor, cfg.recall_window) for key in RECALLS}

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

    def _collapse(self, r: dict) -> str | None:
        """What shows a collapse in record `r`, or None: the probe batch's variety far below its own
        peak, now or in `relapses` separate dips of the last `window` intervals (G collapsing and
        recovering, each dip too short for `patience`: hinge + SN with two time-scale Adam on
        Fashion-MNIST); or, against that batch's variety as a whole (so that an untrained G, whose
        images all look alike, is not called collapsed), its images being near-copies of each
        other, or one class's images far less varied than that class's real images."""
        cfg, found = self.cfg, []
        diversity = r.get("probe_diversity")
        if diversity is None:
            return None
        self.peak_diversity = max(self.peak_diversity, diversity)
        dip = diversity < cfg.collapse_drop * self.peak_diversity
        self.recent_dips.append(dip and not self.dipped)
        self.dipped = dip
        dips = sum(self.recent_dips)
        if dips >= cfg.relapses:
            found.append(f"probe diversity fell below {cfg.collapse_drop:.0%} of its peak {self.peak_diversity:.2f} "
                         f"{dips} separate times in the last {len(self.recent_dips)} intervals, now {diversity:.2f}")
        elif dip:
            found.append(f"probe diversity {diversity:.2f} of the data's, peak {self.peak_diversity:.2f}")
        neighbours = r.get("probe_neighbours")
        if neighbours is not None and neighbours < cfg.neighbour_floor * diversity:
            found.append(f"nearest-neighbour distance among the probe images {neighbours:.2f} of the data's, "
                         f"against {diversity:.2f} for their variety")
        class_diversity = r.get("probe_class_diversity")
        if class_diversity is not None:
            lasting = self._lasting_class_collapse(class_diversity)
            if class_diversity < cfg.class_floor * diversity:
                found.append(f"variety within class {r.get('probe_class_lowest')} {class_diversity:.2f} of its real "
                             f"images', against {diversity:.2f} for the batch of every class")
            elif lasting:
                found.append(lasting)
        if found and r.get("ema_probe_diversity") is not None:
            found.append(f"g_ema, which samples are drawn from, at {r['ema_probe_diversity']:.2f} of the data's variety")
        return "; ".join(found) or None

    def _lasting_class_collapse(self, class_diversity: float) -> str | None:
        """The lowest class's variety, averaged over `class_window` intervals, below
        `class_variety_floor` after having reached it: G drifting into one image per class
        while each single reading stays noisy (the fast preset on Fashion-MNIST with eval-mode
        fakes). The window counts only intervals since the variety first reached the floor."""
        fall = self.class_variety
        mean = fall.update(class_diversity)
        if mean is None:
            return None
        return (f"variety within the least varied class {mean:.3f} of its real images' on average over the last "
                f"{len(fall.recent)} intervals (under {fall.floor}), against {fall.peak:.2f} at its best")

    def _dropping(self, r: dict) -> str | None:
        """What shows G, or g_ema, dropping kinds of images in record `r`, or None: its probe
        recall, averaged over `recall_window` intervals, under `recall_floor` after having reached
        `recall_reached`. The window counts only intervals since then, so that neither an untrained
        G, which reaches little of the data, nor a G still learning, whose readings can swing by 0.4
        from one interval to the next, is called one that dropped it."""
        found = []
        for key, (who, variety_key) in RECALLS.items():
            fall = self.recall[key]
            mean = None if r.get(key) is None else fall.update(r[key])
            if mean is None:
                continue
            variety = ("" if r.get(variety_key) is None
                       else f", while their variety among themselves is {r[variety_key]:.2f} of the data's")
            found.append(f"the probe images of {who} reach {mean:.2f} of the real images that other real images "
                         f"reach, on average over the last {len(fall.recent)} intervals (recall in pixels; "
                         f"{fall.peak:.2f} at its best){variety}")
        return "; ".join(found) or None

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
        conditions["mode_collapse"] = self._collapse(r)
        conditions["mode_dropping"] = self._dropping(r)
        if self.probabilities:
            self.recent_real.append(r["d_real"])
        oscillating = self.probabilities and zigzag_legs(list(self.recent_real), cfg.swing) >= cfg.legs
        conditions["oscillation"] = (f"D(x) over the last intervals: "
                                     f"{', '.join(f'{v:.2f}' for v in self.recent_real)}" if oscillating else None)
        conditions["discriminator_overfits"] = overfit_condition(r, cfg.overfit_ratio, cfg.overfit_auc)
        return conditions


# the recall readings mode_dropping watches: key -> (whose images, in words; the key of their variety)
RECALLS = {"probe_recall": ("G", "probe_diversity"),
           "ema_probe_recall": ("g_ema, which samples are drawn from,", "ema_probe_diversity")}


class LastingFall:
    """A noisy reading (a variety, a recall) that fell and stayed down: its mean over the last
    `window` readings under `floor`, counted only from the first reading at or above `reached`
    (an untrained G, whose readings start low, has not fallen)."""

    def __init__(self, reached: float, floor: float, window: int):
        self.reached, self.floor = reached, floor
        self.peak = 0.0
        self.recent = deque(maxlen=window)

    def update(self, value: float) -> float | None:
        """Take one reading; return the window's mean if the window is full and under `floor`, else None."""
        self.peak = max(self.peak, value)
        if self.peak < self.reached:
            return None
        self.recent.append(value)
        mean = sum(self.recent) / len(self.recent)
        return mean if len(self.recent) == self.recent.maxlen and mean < self.floor else None


def low_variety(stats: list[dict], floor: float, *, settle: int = 4) -> tuple[str, bool] | None:
    """What a finished run whose probe variety (1 = as varied as the data) never reached `floor`
    should hear, and whether it is still rising; None for any other run. The variety read is that
    of the generator samples are drawn from: g_ema's (`ema_probe_diversity`) where the run has one,
    else G's (`probe_diversity`).

    Still rising (its highest reading in the second half of the run, or fewer than `settle`
    readings there to tell): the run is early, since an untrained G also draws alike images, and
    more steps should help. Not rising: G has stayed alike while training went on, and more steps
    of this config are unlikely to help. Fast-preset runs trained to their quality on MNIST and
    Fashion-MNIST end at 0.90-1.02, the seed preset after 1,000 steps at 0.84-1.03; the book's
    configs after 256-600 steps, still rising, at 0.08-0.72; hinge + SN with Adam at 2e-4, betas
    (0.5, 0.999), on Fashion-MNIST, at 0.1-0.36 from step 300 to 2,100, did not rise."""
    key, who = sampled_variety(stats)
    readings = [(r["step"], r[key]) for r in stats if r.get(key) is not None]
    if not readings or max(v for _, v in readings) >= floor:
        return None
    (step, last), (best_step, best) = readings[-1], max(readings, key=lambda reading: reading[1])
    second_half = [v for s, v in readings if s > step / 2]
    rising = best_step > step / 2 or len(second_half) < settle
    if rising:
        return (f"{who}'s images are still far less varied than real images (variety {last:.2f} of the data's "
                f"at step {step:,}, never above {best:.2f}; a trained generator reaches about 0.8 to 1): the run looks "
                "early rather than broken, and more steps should help"), True
    return (f"{who}'s images have stayed far less varied than real images (variety {last:.2f} of the data's at "
            f"step {step:,}; highest {best:.2f}, at step {best_step:,}): more steps of this config are unlikely to "
            "help. Try lower learning rates (d_opt.lr, g_opt.lr) or another config; configs/fast.toml and "
            "configs/fast_unconditional.toml train MNIST and Fashion-MNIST in minutes on a CPU"), False


def sampled_variety(stats: list[dict]) -> tuple[str, str]:
    """The stats key of the probe variety of the generator samples are drawn from, and its name:
    ("ema_probe_diversity", "g_ema") where the run records one, else ("probe_diversity", "G")."""
    if any("ema_probe_diversity" in r for r in stats):
        return "ema_probe_diversity", "g_ema"
    return "probe_diversity", "G"


def overfit_condition(record: dict, threshold: float, auc_threshold: float) -> str | None:
    """The numbers of a record whose r_v (`overfit_ratio`) is at or above `threshold` and whose
    `overfit_auc` is at or above `auc_threshold`, else None (also where the run records no
    overfitting signals: no held-out images). r_v alone is noisy when D barely tells reals from
    fakes (its denominator is small): in 16 healthy 3,000-step runs on all of MNIST and
    Fashion-MNIST it passed 0.5 at times, while the AUC of 64 against 64 images stayed under 0.65."""
    ratio, auc = record.get("overfit_ratio"), record.get("overfit_auc")
    if ratio is None or auc is None or ratio < threshold or auc < auc_threshold:
        return None
    ada = f"; ADA's p {record['augment_p']:.2f}" if record.get("augment_p") is not None else ""
    return (f"r_v {ratio:.2f}, training reals ranked above held-out ones {auc:.0%} of the time: mean D output on "
            f"training reals {record['d_out_train']:.2f}, on held-out reals {record['d_out_heldout']:.2f}, "
            f"on fakes {record['d_out_fake']:.2f}{ada}")


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
    return exact_distances(flat).sum() / (n * (n - 1))


def exact_distances(flat: torch.Tensor) -> torch.Tensor:
    """(N, N) L2 distances between the rows of `flat` (N, D), 0 between equal rows: computed as
    differences, since cdist's matrix-product shortcut (taken above 25 rows) leaves copies apart by
    its rounding, and a folder of copies of one image would look varied."""
    return torch.cdist(flat, flat, compute_mode="donot_use_mm_for_euclid_dist")


def nearest_neighbour_distance(images: torch.Tensor) -> torch.Tensor:
    """Mean over (N, C, H, W) images, N >= 2, of the L2 distance to the nearest other image: 0
    when every image has a copy in the batch."""
    distances = exact_distances(images.flatten(1).float())
    distances.fill_diagonal_(math.inf)
    return distances.min(dim=1).values.mean()


@torch.no_grad()
def probe_signals(generator: torch.nn.Module, probe_z: torch.Tensor, real_probe: torch.Tensor,
                  real_class_probe: torch.Tensor | None = None, *, neighbours: bool = True) -> dict[str, float | int]:
    """The collapse signals of `generator` (run in inference mode) on the fixed latents `probe_z`
    (N, z_dim), each relative to real images (1 = as the data): "probe_diversity" and
    "probe_neighbours" against `real_probe` (N, C, H, W); for a conditional G with
    `real_class_probe` (K, n, C, H, W), n <= N real images of each class, "probe_class_diversity",
    the lowest over the classes of the variety of G's images for probe_z[:n] of that class, and
    "probe_class_lowest", that class. Signals with nothing real to compare with are left out, and
    "probe_neighbours" without `neighbours`."""
    generator.eval()
    signals = {}
    if real_variety(real_probe):
        fakes = generator(probe_z)
        signals["probe_diversity"] = (mean_pairwise_distance(fakes) / mean_pairwise_distance(real_probe)).item()
        real_neighbours = nearest_neighbour_distance(real_probe) if neighbours else 0
        if real_neighbours > 0:  # real images with copies among them have no neighbour distance to compare with
            signals["probe_neighbours"] = (nearest_neighbour_distance(fakes) / real_neighbours).item()
    if real_class_probe is not None:
        variety = {}
        for label, real in enumerate(real_class_probe):
            if real_variety(real):
                z = probe_z[: len(real)]
                fakes = generator(z, torch.full((len(z),), label, device=z.device))
                variety[label] = (mean_pairwise_distance(fakes) / mean_pairwise_distance(real)).item()
        if variety:
            lowest = min(variety, key=variety.get)
            signals.update(probe_class_diversity=variety[lowest], probe_class_lowest=lowest)
    return signals


def real_variety(real_probe: torch.Tensor) -> bool:
    """Whether the real probe images (N, C, H, W) differ at all: a folder of one image, or of copies, does not."""
    return len(real_probe) >= 2 and bool(mean_pairwise_distance(real_probe) > 0)


def finite_weights(*networks: torch.nn.Module) -> bool:
    """Whether every parameter of every network is finite (one host sync)."""
    params = [p for network in networks for p in network.parameters()]
    return bool(torch.stack([p.detach().isfinite().all() for p in params]).all())
