"""Augmentation policies: what happens to every image D sees, real and fake, in both steps.

    augment = make_augment(cfg.augment, generator=noise_rng, output_range=(0.0, 1.0), batch_size=64)
    logits, _ = D(augment(torch.cat([real, fake])), labels)     # D's step (and G's, on fakes)
    augment.observe(real_logits)                                # ADA reads D's verdict on the reals

| policy        | paper                 | what D sees                                                  |
|---------------|-----------------------|--------------------------------------------------------------|
| "none"        | the seed              | the images themselves (the same tensor: no random draw)      |
| "diffaugment" | Zhao et al. 2020      | every image through every chosen transform, each time        |
| "ada"         | Karras et al. 2020    | each transform applied to each image with probability p      |

ADA steers p by r_t = E[sign D(x_real)] over the augmented reals of the last `ada_interval` D
steps: above `ada_target` (D too sure of the training images: overfitting) p rises, below it p
falls, by batch_size * ada_interval / ada_speed_images each time (p crosses [0, 1] in
`ada_speed_images` images), clamped to [0, 1]. p and the running sum live on the device as
tensors (no host sync in the step) and go into the checkpoint (`state_dict`), so a resumed run
continues bit-exactly. Every random draw comes from `generator`, the run's noise generator.
"""

from dataclasses import dataclass

import torch

from gankit.augment.transforms import TRANSFORMS

# policy -> its transforms when `augment.transforms` is "" (Zhao et al.'s and Karras et al.'s 'bgc'-like pipelines)
DEFAULT_TRANSFORMS = {"none": "", "diffaugment": "color,translation,cutout",
                      "ada": "flip,translation,rot90,color,cutout"}


@dataclass
class AugmentConfig:
    policy: str = "none"  # "none" (the seed), "diffaugment" (always, Zhao et al. 2020) or "ada" (with probability p, Karras et al. 2020)
    transforms: str = ""  # comma-separated subset of flip, translation, rot90, color, cutout; "" = the policy's own (diffaugment: color,translation,cutout; ada: all five)
    ada_target: float = 0.6  # ada: the r_t = E[sign D(x_real)] that p is steered to (the paper's 0.6)
    ada_speed_images: int = 500_000  # ada: images for p to cross from 0 to 1 at full speed (the paper's 500k)
    ada_interval: int = 4  # ada: D steps between adjustments of p (the paper's 4)
    ada_p: float = 0.0  # ada: p at the start of a run


def transform_names(cfg: AugmentConfig) -> list[str]:
    """The transforms `cfg` applies, in pipeline order."""
    text = cfg.transforms or DEFAULT_TRANSFORMS[cfg.policy]
    return [name.strip() for name in text.split(",") if name.strip()]


class Augment:
    """The "none" policy, and the interface of every policy: x (N, C, H, W) in G's range -> x."""

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def observe(self, real_logits: torch.Tensor) -> None:
        """D's logits (m,) on the (augmented) reals of a D step."""

    def scalars(self) -> dict[str, torch.Tensor]:
        """What the step reports about the policy (0-dim tensors)."""
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class DiffAugment(Augment):
    """Every chosen transform on every image, in order (Zhao et al. 2020)."""

    def __init__(self, names: list[str], *, generator: torch.Generator, output_range: tuple[float, float]):
        self.transforms, self.generator, (self.low, self.high) = [TRANSFORMS[n] for n in names], generator, output_range

    def probability(self, x: torch.Tensor) -> torch.Tensor | float:
        return 1.0

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        p = self.probability(x)
        for transform in self.transforms:
            apply = torch.rand(len(x), generator=self.generator, device=x.device) < p
            x = transform(x, apply, low=self.low, high=self.high, generator=self.generator)
        return x


class AdaptiveAugment(DiffAugment):
    """Each transform on each image with probability p, p steered by r_t (Karras et al. 2020)."""

    def __init__(self, names: list[str], *, generator: torch.Generator, output_range: tuple[float, float],
                 target: float, step: float, interval: int, p: float):
        super().__init__(names, generator=generator, output_range=output_range)
        self.target, self.step, self.interval = target, step, interval
        device = generator.device
        self.p = torch.tensor(p, dtype=torch.float32, device=device)
        self.signs = torch.zeros((), dtype=torch.float32, device=device)  # sum of sign D(x_real) since the last adjustment
        self.count = 0  # D steps observed since the last adjustment
        self.seen = 0  # reals observed since the last adjustment

    def probability(self, x: torch.Tensor) -> torch.Tensor:
        return self.p

    def observe(self, real_logits: torch.Tensor) -> None:
        self.signs = self.signs + real_logits.detach().float().sign().sum()
        self.count, self.seen = self.count + 1, self.seen + len(real_logits)
        if self.count >= self.interval:
            r_t = self.signs / self.seen
            self.p = (self.p + torch.sign(r_t - self.target) * self.step).clamp(0.0, 1.0)
            self.signs, self.count, self.seen = torch.zeros_like(self.signs), 0, 0

    def scalars(self) -> dict[str, torch.Tensor]:
        return {"augment_p": self.p.clone()}

    def state_dict(self) -> dict:
        return {"p": self.p, "signs": self.signs, "count": self.count, "seen": self.seen}

    def load_state_dict(self, state: dict) -> None:
        device = self.p.device
        self.p, self.signs = state["p"].to(device), state["signs"].to(device)
        self.count, self.seen = state["count"], state["seen"]


def make_augment(cfg: AugmentConfig, *, generator: torch.Generator, output_range: tuple[float, float],
                 batch_size: int) -> Augment:
    """The policy `cfg.policy` (a key of AUGMENTS) over `transform_names(cfg)`, drawing from
    `generator`, for images in `output_range` and D batches of `batch_size` reals (ADA's pace)."""
    return AUGMENTS[cfg.policy](cfg, generator, output_range, batch_size)


def _none(cfg: AugmentConfig, generator, output_range, batch_size) -> Augment:
    return Augment()


def _diffaugment(cfg: AugmentConfig, generator, output_range, batch_size) -> Augment:
    return DiffAugment(transform_names(cfg), generator=generator, output_range=output_range)


def _ada(cfg: AugmentConfig, generator, output_range, batch_size) -> Augment:
    return AdaptiveAugment(transform_names(cfg), generator=generator, output_range=output_range,
                           target=cfg.ada_target, step=batch_size * cfg.ada_interval / cfg.ada_speed_images,
                           interval=cfg.ada_interval, p=cfg.ada_p)


# policy -> builder(cfg, generator, output_range, batch_size)
AUGMENTS = {"none": _none, "diffaugment": _diffaugment, "ada": _ada}
