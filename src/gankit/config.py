"""Typed configuration: one small dataclass per component, TOML files and dotted overrides.

A config file is a sparse TOML override of the defaults below, one table per section:

    [train]
    steps = 40000

and any field can be overridden on the command line as `--train.steps=2000`. Unknown keys,
wrong types and out-of-range values are `ConfigError`s with one line that names the key.
Each component receives only its own section (`cfg.model`, `cfg.d_opt`, ...).
"""

import dataclasses
import difflib
import logging
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .accel import COMPILE_MODES, MEMORY_FORMATS, PRECISIONS
from .augment import AUGMENTS, TRANSFORMS, AugmentConfig, transform_names
from .data import DATASETS, ORDERS
from .data.folder import COLORS
from .distributed.world import BACKENDS, BATCH_NORMS, DistConfig
from .ema import EmaConfig
from .errors import ConfigError
from .health import HealthConfig
from .latent import LATENTS
from .losses import LOSSES, LossConfig
from .models import BACKBONES, D_NORMS, MODELS
from .models.config import OUTPUT_RANGES, ModelConfig
from .models.init import INITS
from .models.padding import PADDINGS
from .optim import OPTIMIZERS, OptimConfig
from .penalties import PENALTIES, PenaltyConfig
from .progress import PROGRESS
from .tensorboard import TENSORBOARD

log = logging.getLogger(__name__)


@dataclass
class DataConfig:
    name: str = "mnist"  # dataset, a key of gankit.data.DATASETS: "mnist", "fashion_mnist" or "cifar10"
    dir: str = ""  # folder holding the dataset's files; "" searches GANKIT_DATA, the cache, system folders, gankit's own MNIST, then downloads
    order: str = "random_index"  # "random_index" (draws with replacement, the seed) or "permutation" (epochs)
    folder: str = ""  # a folder of your own PNG/JPEG images (class subfolders give labels); "" = the dataset `name`
    size: int = 28  # folder images are centre-cropped and resized to size x size: 28, 32 or 64
    color: str = "auto"  # folder images: "grayscale", "rgb", or "auto" (what the files are; written to the run's config)
    limit: int = 0  # train on this many images (random, class-balanced, seeded by limit_seed; the rest are held out); 0 = all
    limit_seed: int = 0  # seeds the choice of data.limit images, apart from train.seed so runs share them
    limit_sha256: str = ""  # SHA-256 of the chosen indices, written by the run (list in RUN/data_indices.json); a mismatch is an error


@dataclass
class TrainConfig:
    steps: int = 40_000  # training iterations (one iteration = d_steps D updates + one G update)
    batch_size: int = 64  # m: real images per D update; also fakes per D update and noise per G update
    d_steps: int = 1  # k in Algorithm 1: D updates per G update
    fakes_g_mode: str = "eval"  # G's mode while making D's fakes: "eval" (moving BN stats, the seed) or "train"
    seed: int = 0  # seeds weights, data order and noise; the same seed repeats a run on the same machine
    log_every: int = 100  # iterations between lines of stats.jsonl
    sample_every: int = 500  # iterations between fixed-noise grids
    sample_count: int = 16  # images in each fixed-noise grid (16 = the book's 4x4)
    checkpoint_every: int = 1000  # iterations between checkpoints (one is always written at the end)
    keep_checkpoints: int = 3  # most recent checkpoints kept in the run folder
    threads: int = 0  # CPU threads: N; 0 = the cores (OMP_NUM_THREADS, or shared among torchrun's local processes); -1 = time each count, keep the fastest (faster under load, but the weights then depend on the load). Written to the run's config
    device: str = "auto"  # "auto" (CUDA if available), "cpu" or "cuda"
    memory_format: str = "contiguous"  # layout of activations and weights: "contiguous" or "channels_last"
    compile: str = "off"  # torch.compile mode: "off", "default", "reduce-overhead" (CUDA graphs) or "max-autotune"
    cuda_graphs: bool = False  # capture the whole step (both updates, optimisers included) as one CUDA graph: CUDA only, no DDP, no augmentation or WGAN-GP
    precision: str = "fp32"  # "fp32", or "bf16" autocast (fast on recent GPUs; slow on CPUs without bf16 units)
    runs_dir: str = "runs"  # where numbered run folders are created
    max_retries: int = 3  # roll-backs after a non-finite loss or gradient before the run stops
    retry_lr_factor: float = 0.5  # each retry multiplies both learning rates by this
    progress: str = "auto"  # console: "bar" (tqdm), "log" (a line per log interval), "off", "auto" (bar on a terminal)
    tensorboard: str = "off"  # RUN/tensorboard event files: "off", "on" or "if_installed" (gankit[tensorboard])


@dataclass
class EvalConfig:
    every: int = 0  # iterations between evaluations (gankit-eval-v1) appended to metrics.jsonl; 0 = never
    n: int = 10_000  # generated images per evaluation; the protocol's 10,000 makes numbers comparable
    seed: int = 0  # latent seed of the evaluation samples (the same images at every evaluation)


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    penalty: PenaltyConfig = field(default_factory=PenaltyConfig)  # D's gradient penalty and WGAN clipping; none in the seed
    d_opt: OptimConfig = field(default_factory=OptimConfig)  # the seed: RMSprop lr 2e-4, decay 6e-8
    g_opt: OptimConfig = field(default_factory=lambda: OptimConfig(lr=1e-4, decay=3e-8))  # half of D's
    train: TrainConfig = field(default_factory=TrainConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    ema: EmaConfig = field(default_factory=EmaConfig)  # g_ema; off by default, as in the seed
    dist: DistConfig = field(default_factory=DistConfig)  # data-parallel training under torchrun
    augment: AugmentConfig = field(default_factory=AugmentConfig)  # what D sees: DiffAugment or ADA; none in the seed


def _suggest(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _coerce(key: str, value: Any, kind: type, parse: bool) -> Any:
    """`value` as a `kind` (int, float, bool or str); with `parse`, a string (from the command
    line) is parsed as that kind, else the value must already be of it (TOML is typed)."""
    if parse and isinstance(value, str) and kind is not str:
        text = value.strip().lower()
        try:
            if kind is bool:
                if text not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError
                return text in ("true", "1", "yes")
            return kind(text)
        except ValueError:
            raise ConfigError(f"{key}: expected {kind.__name__}, got '{value}'") from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not kind:
        raise ConfigError(f"{key}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def set_value(cfg: Config, key: str, value: Any, *, parse: bool = False) -> None:
    """Set the dotted `key` ("train.steps") of `cfg` to `value`, checking the key and the type;
    `parse` reads a string value as the field's type."""
    section_name, _, field_name = key.partition(".")
    sections = {f.name: f for f in dataclasses.fields(cfg)}
    if section_name not in sections or not field_name:
        raise ConfigError(f"unknown config section '{section_name}'{_suggest(section_name, sections)}; "
                          f"sections: {', '.join(sections)}")
    section = getattr(cfg, section_name)
    kinds = {f.name: f.type for f in dataclasses.fields(section)}
    if field_name not in kinds:
        raise ConfigError(f"unknown config key '{key}'{_suggest(field_name, kinds)}; "
                          f"keys of [{section_name}]: {', '.join(kinds)}")
    setattr(section, field_name, _coerce(key, value, kinds[field_name], parse))


def load_config(path: str | Path | None = None, overrides: list[str] = ()) -> Config:
    """Defaults, then the TOML file at `path`, then `overrides` ("section.key=value"), validated."""
    cfg = Config()
    if path is not None:
        try:
            tables = tomllib.loads(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found; see configs/ for examples") from None
        except IsADirectoryError:
            raise ConfigError(f"{path}: a folder, not a config file; give a .toml file such as "
                              "configs/seed_dcgan_mnist.toml") from None
        except OSError as err:
            raise ConfigError(f"{path}: cannot read the config file ({err.strerror}); check the path") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: not valid TOML ({err})") from None
        for section_name, table in tables.items():
            if not isinstance(table, dict):
                raise ConfigError(f"{path}: '{section_name}' must be a [table] of keys")
            for name, value in table.items():
                set_value(cfg, f"{section_name}.{name}", value)
    return apply_overrides(cfg, overrides)


def apply_overrides(cfg: Config, overrides: list[str]) -> Config:
    """`cfg` with each "section.key=value" of `overrides` applied, validated."""
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"override '{item}' must look like section.key=value")
        set_value(cfg, key.strip(), value, parse=True)
    validate(cfg)
    return cfg


def config_from_dict(tables: dict) -> Config:
    """A `Config` from `to_dict`'s output as stored in a checkpoint, possibly by another gankit
    version: keys this version does not know are dropped (logged), missing ones get defaults."""
    cfg = Config()
    known = {f.name: {g.name for g in dataclasses.fields(f.type)} for f in dataclasses.fields(cfg)}
    if not isinstance(tables, dict) or not all(isinstance(table, dict) for table in tables.values()):
        raise ConfigError("stored config: expected tables of keys, as gankit writes them; the checkpoint is damaged")
    for section_name, table in tables.items():
        for name, value in table.items():
            if name in known.get(section_name, ()):
                set_value(cfg, f"{section_name}.{name}", value)
            else:
                log.warning("stored config: ignoring '%s.%s', unknown to this gankit version", section_name, name)
    validate(cfg)
    return cfg


def to_dict(cfg: Config) -> dict:
    return dataclasses.asdict(cfg)


def to_toml(cfg: Config) -> str:
    """The resolved config as TOML (every field, so a run folder describes itself)."""
    lines = []
    for section_name, table in to_dict(cfg).items():
        lines.append(f"[{section_name}]")
        for name, value in table.items():
            text = str(value).lower() if isinstance(value, bool) else repr(value) if isinstance(value, float) else (
                f'"{value}"' if isinstance(value, str) else str(value))
            lines.append(f"{name} = {text}")
        lines.append("")
    return "\n".join(lines)


def _choices() -> dict[str, tuple[str, ...]]:
    """Every string option and its allowed values, taken from the component tables."""
    return {
        "data.name": tuple(DATASETS), "data.order": tuple(ORDERS), "data.color": COLORS,
        "model.name": tuple(MODELS), "model.backbone": BACKBONES, "model.g_output": tuple(OUTPUT_RANGES), "model.padding": PADDINGS,
        "model.init": tuple(INITS), "model.d_norm": tuple(D_NORMS), "model.z_dist": tuple(LATENTS), "loss.name": tuple(LOSSES),
        "penalty.name": tuple(PENALTIES), "augment.policy": tuple(AUGMENTS),
        "d_opt.name": tuple(OPTIMIZERS), "g_opt.name": tuple(OPTIMIZERS),
        "train.fakes_g_mode": ("eval", "train"), "train.device": ("auto", "cpu", "cuda"),
        "train.memory_format": tuple(MEMORY_FORMATS), "train.compile": tuple(COMPILE_MODES),
        "train.precision": tuple(PRECISIONS),
        "train.progress": tuple(PROGRESS), "train.tensorboard": tuple(TENSORBOARD),
        "dist.backend": BACKENDS, "dist.batch_norm": BATCH_NORMS,
    }


# key -> (test, what the value must be)
_RANGES = {
    "model.z_dim": (lambda v: v >= 1, ">= 1"),
    "model.width": (lambda v: v > 0, "> 0"),
    "model.d_width": (lambda v: v >= 0, ">= 0 (0: model.width)"),
    "model.kernel": (lambda v: v >= 1, ">= 1"),
    "model.num_classes": (lambda v: v == 0 or v >= 2, "0 (the data's) or >= 2"),
    "data.size": (lambda v: v in (28, 32, 64), "28, 32 or 64"),
    "data.limit": (lambda v: v >= 0, ">= 0 (0 = all the images)"),
    "data.limit_seed": (lambda v: 0 <= v < 2**63, "in [0, 2**63), a 64-bit seed"),
    "penalty.weight": (lambda v: v >= 0, ">= 0"),
    "penalty.clip": (lambda v: v >= 0, ">= 0 (0 = no clipping)"),
    "train.seed": (lambda v: 0 <= v < 2**63, "in [0, 2**63), a 64-bit seed"),
    "eval.seed": (lambda v: 0 <= v < 2**63, "in [0, 2**63), a 64-bit seed"),
    "train.steps": (lambda v: v >= 0, ">= 0"),
    "train.batch_size": (lambda v: v >= 1, ">= 1"),
    "train.d_steps": (lambda v: v >= 1, ">= 1"),
    "train.log_every": (lambda v: v >= 1, ">= 1"),
    "train.sample_every": (lambda v: v >= 1, ">= 1"),
    "train.sample_count": (lambda v: v >= 1, ">= 1"),
    "train.checkpoint_every": (lambda v: v >= 1, ">= 1"),
    "train.keep_checkpoints": (lambda v: v >= 1, ">= 1"),
    "train.threads": (lambda v: v >= -1, ">= 1, 0 (the cores) or -1 (timed)"),
    "train.max_retries": (lambda v: v >= 0, ">= 0"),
    "train.retry_lr_factor": (lambda v: 0 < v < 1, "in (0, 1)"),
    "health.patience": (lambda v: v >= 1, ">= 1"),
    "health.class_window": (lambda v: v >= 1, ">= 1"),
    "health.recall_window": (lambda v: v >= 1, ">= 1"),
    "eval.every": (lambda v: v >= 0, ">= 0"),
    "eval.n": (lambda v: v >= 2, ">= 2"),
    "ema.half_life_images": (lambda v: v >= 0, ">= 0 (0 = no g_ema)"),
    "ema.ramp": (lambda v: v >= 0, ">= 0 (0 = no ramp-up)"),
    "dist.timeout_s": (lambda v: v >= 1, ">= 1"),
    "augment.ada_target": (lambda v: -1 < v < 1, "in (-1, 1): r_t = E[sign D(x_real)] lies in [-1, 1]"),
    "augment.ada_speed_images": (lambda v: v >= 1, ">= 1"),
    "augment.ada_interval": (lambda v: v >= 1, ">= 1"),
    "augment.ada_p": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    **{f"{opt}.{name}": rule for opt in ("d_opt", "g_opt") for name, rule in {
        "lr": (lambda v: v > 0, "> 0"), "decay": (lambda v: v >= 0, ">= 0"), "eps": (lambda v: v > 0, "> 0"),
        "rho": (lambda v: 0 <= v < 1, "in [0, 1)"), "beta1": (lambda v: 0 <= v < 1, "in [0, 1)"),
        "beta2": (lambda v: 0 <= v < 1, "in [0, 1)")}.items()},
}


def validate(cfg: Config) -> None:
    """Raise `ConfigError` for the first option outside its allowed values or range."""
    def get(key):
        section, name = key.split(".")
        return getattr(getattr(cfg, section), name)

    for key, allowed in _choices().items():
        if get(key) not in allowed:
            raise ConfigError(f"{key} = '{get(key)}' is not one of: {', '.join(allowed)}{_suggest(get(key), allowed)}")
    for section in dataclasses.fields(cfg):
        for f in dataclasses.fields(section.type):
            value = get(f"{section.name}.{f.name}")
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{section.name}.{f.name} = {value} must be a finite number")
    for key, (ok, rule) in _RANGES.items():
        if not ok(get(key)):
            raise ConfigError(f"{key} = {get(key)} must be {rule}")
    for name in transform_names(cfg.augment):
        if name not in TRANSFORMS:
            raise ConfigError(f"augment.transforms: '{name}' is not one of: {', '.join(TRANSFORMS)}{_suggest(name, TRANSFORMS)}")
    if cfg.augment.policy == "ada" and cfg.dist.enabled:
        raise ConfigError("augment.policy = 'ada' steers p from one process's view of D; it does not run under "
                          "dist.enabled yet: use augment.policy=diffaugment, or train in one process")
    if cfg.data.folder and cfg.eval.every:
        raise ConfigError(f"eval.every = {cfg.eval.every}: runs on a folder of images (data.folder) have no judge "
                          "network to evaluate with; set --eval.every=0")
