"""The lab's settings: one plain dataclass, read from and written to the page's URL.

Every choice is a key of one of gankit's own tables (`LOSSES`, `PENALTIES`, `OPTIMIZERS`) or of
the lab's (`LAB_DATA`, `Z_DISTRIBUTIONS`); every number has a range. `parse_settings` turns the
URL's query (strings) into `LabSettings` or raises `SettingsError` with one message naming the
field, its value and what it may be. `NEEDS_NEW_NETWORKS` names the fields whose change rebuilds
G and D (their shapes change); the others are applied to the running toy.
"""

import dataclasses
from dataclasses import dataclass

import torch

from gankit.errors import GankitError
from gankit.losses import LOSSES
from gankit.optim import OPTIMIZERS
from gankit.penalties import PENALTIES

from .data import LAB_DATA


class SettingsError(GankitError):
    """A setting the lab cannot use; the message says which and why."""


def normal_z(n: int, dim: int, generator: torch.Generator) -> torch.Tensor:
    """(n, dim) draws from N(0, 1)."""
    return torch.randn(n, dim, generator=generator)


def uniform_z(n: int, dim: int, generator: torch.Generator) -> torch.Tensor:
    """(n, dim) draws from U[-1, 1) (the seed's z)."""
    return torch.rand(n, dim, generator=generator) * 2 - 1


# name -> (sampler(n, dim, generator) -> (n, dim), half-side of the latent square the manifold grid spans)
Z_DISTRIBUTIONS = {
    "normal": (normal_z, 2.0),
    "uniform": (uniform_z, 1.0),
}


@dataclass(frozen=True)
class LabSettings:
    data: str = "ring"  # a key of LAB_DATA, or "custom" (points drawn or uploaded)
    loss: str = "non_saturating"  # a key of gankit.losses.LOSSES
    penalty: str = "none"  # a key of gankit.penalties.PENALTIES
    penalty_weight: float = 1.0  # D's loss adds penalty_weight * penalty
    k: int = 1  # D steps per G step (Algorithm 1's k)
    d_lr: float = 1e-3  # D's learning rate
    g_lr: float = 1e-3  # G's learning rate
    optimizer: str = "adam"  # a key of gankit.optim.OPTIMIZERS, for both networks
    g_hidden: int = 32  # units per hidden layer of G
    g_layers: int = 2  # hidden layers of G
    d_hidden: int = 32  # units per hidden (maxout) layer of D
    d_layers: int = 2  # hidden layers of D
    z_dist: str = "normal"  # a key of Z_DISTRIBUTIONS
    z_dim: int = 2  # latent size
    batch_size: int = 128  # real points per D step, fakes per D step, latents per G step
    seed: int = 0  # seeds weights, data and noise


# field -> allowed values: a table's keys, or an inclusive (low, high) range
LIMITS = {
    "data": (*LAB_DATA, "custom"),
    "loss": tuple(LOSSES),
    "penalty": tuple(PENALTIES),
    "penalty_weight": (0.0, 100.0),
    "k": (1, 10),
    "d_lr": (1e-6, 1.0),
    "g_lr": (1e-6, 1.0),
    "optimizer": tuple(OPTIMIZERS),
    "g_hidden": (1, 256),
    "g_layers": (1, 6),
    "d_hidden": (1, 256),
    "d_layers": (1, 6),
    "z_dist": tuple(Z_DISTRIBUTIONS),
    "z_dim": (1, 16),
    "batch_size": (1, 1024),
    "seed": (0, 2**31 - 1),
}

# changing one of these changes a network's shape or its optimiser: new networks, from the seed
NEEDS_NEW_NETWORKS = frozenset({"g_hidden", "g_layers", "d_hidden", "d_layers", "z_dim", "optimizer", "seed"})


def parse_value(name: str, text: str):
    """The value of field `name` from its URL text, checked against LIMITS."""
    kind = {f.name: f.type for f in dataclasses.fields(LabSettings)}[name]
    allowed = LIMITS[name]
    if kind is str:
        if text not in allowed:
            raise SettingsError(f"{name}={text!r} is not one of {', '.join(allowed)}")
        return text
    try:
        value = kind(text)
    except (TypeError, ValueError):
        raise SettingsError(f"{name}={text!r} is not {'an integer' if kind is int else 'a number'}") from None
    low, high = allowed
    if not low <= value <= high:  # also refuses nan
        raise SettingsError(f"{name}={text!r} is outside [{low}, {high}]")
    return value


def parse_settings(query: dict, base: LabSettings = LabSettings()) -> LabSettings:
    """`base` with the fields named in `query` (field -> text) replaced; an unknown field or a bad
    value raises SettingsError."""
    names = {f.name for f in dataclasses.fields(LabSettings)}
    unknown = sorted(set(query) - names)
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}; settings are {', '.join(sorted(names))}")
    return dataclasses.replace(base, **{name: parse_value(name, str(text)) for name, text in query.items()})


def settings_query(settings: LabSettings) -> dict[str, str]:
    """The fields that differ from the defaults, as URL text (what `parse_settings` reads back)."""
    default = LabSettings()
    return {f.name: str(getattr(settings, f.name)) for f in dataclasses.fields(LabSettings)
            if getattr(settings, f.name) != getattr(default, f.name)}


def changed_fields(old: LabSettings, new: LabSettings) -> set[str]:
    return {f.name for f in dataclasses.fields(LabSettings) if getattr(old, f.name) != getattr(new, f.name)}


def choices() -> dict:
    """Every field's default and allowed values, for the page to build its controls from."""
    return {f.name: {"default": f.default, "allowed": list(LIMITS[f.name]),
                     "kind": "choice" if f.type is str else f.type.__name__,
                     "new_networks": f.name in NEEDS_NEW_NETWORKS} for f in dataclasses.fields(LabSettings)}
