"""The lab's toy GAN: gankit's MLPs trained by gankit's own step, one D step, one G step or one
Algorithm-1 iteration at a time.

`ToySession` holds the networks, their optimisers, the data and the random streams, and calls
only `gankit.step`'s functions to train: `discriminator_step` for "one D step",
`generator_step` for "one G step", `train_step` for an iteration (k D steps then one G step).
Settings changed while it trains are applied in place (loss, penalty, k, learning rates, data,
z's distribution); a change of shape or optimiser (`NEEDS_NEW_NETWORKS`) builds new networks.

A saved toy (`save_toy` / `load_toy`) is a safetensors file: both networks' weights, the user's
points if any, and the settings as metadata. Optimiser state is not saved: a loaded toy's
optimisers start fresh.
"""

import hashlib
import json
import time

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from gankit.errors import GankitError
from gankit.gan import GAN
from gankit.losses import LOSSES
from gankit.optim import OPTIMIZERS, OptimConfig, constant_schedule, scale_learning_rates
from gankit.penalties import PenaltyConfig, make_penalty
from gankit.step import StepOptions, discriminator_step, generator_step, train_step
from gankit.toy.models import MLPDiscriminator, MLPGenerator, ToyModelConfig

from .data import check_points, data_source
from .settings import NEEDS_NEW_NETWORKS, Z_DISTRIBUTIONS, LabSettings, changed_fields, parse_settings, settings_query

SAVE_FORMAT = "gankit-lab-toy-v1"
MAX_SAVE_BYTES = 64 * 1024 * 1024  # a toy file larger than this is refused


class ToySession:
    """One toy GAN in training; every method runs on the caller's thread (the server's worker)."""

    def __init__(self, settings: LabSettings = LabSettings(), custom: torch.Tensor | None = None):
        self.custom = custom  # (N, 2) the user's points, or None
        self.reset(settings)

    def reset(self, settings: LabSettings | None = None) -> None:
        """New networks, optimisers and random streams from `settings.seed`; counters to zero."""
        self.settings = settings or self.settings
        s = self.settings
        torch.manual_seed(s.seed)  # weights
        generator = MLPGenerator(ToyModelConfig(z_dim=s.z_dim, hidden=s.g_hidden, layers=s.g_layers))
        discriminator = MLPDiscriminator(ToyModelConfig(hidden=s.d_hidden, layers=s.d_layers))
        g_opt = OPTIMIZERS[s.optimizer](generator.parameters(), OptimConfig(name=s.optimizer, lr=s.g_lr, decay=0.0))
        d_opt = OPTIMIZERS[s.optimizer](discriminator.parameters(), OptimConfig(name=s.optimizer, lr=s.d_lr, decay=0.0))
        self.gan = GAN(generator, discriminator, g_opt, d_opt, constant_schedule(g_opt), constant_schedule(d_opt))
        self.data_rng, self.noise_rng, self.penalty_rng = (torch.Generator().manual_seed(s.seed + i) for i in (1, 2, 3))
        self.iterations = self.d_steps = self.g_steps = 0
        self.scalars: dict[str, float] = {}
        self._bind()

    def _bind(self) -> None:
        """Step options and data from the settings (what can change without new networks)."""
        s = self.settings
        penalty = make_penalty(PenaltyConfig(name=s.penalty, weight=s.penalty_weight), self.penalty_rng)
        self.options = StepOptions(loss=LOSSES[s.loss], d_steps=s.k, penalty=penalty)
        self.source = data_source(s.data, self.custom)
        scale_learning_rates(self.gan.g_opt, self.gan.g_schedule, base_lr=s.g_lr, scale=1.0)
        scale_learning_rates(self.gan.d_opt, self.gan.d_schedule, base_lr=s.d_lr, scale=1.0)

    def apply(self, settings: LabSettings, custom: torch.Tensor | None = None) -> bool:
        """Use `settings` (and new user points, if given) from now on. Returns True when the
        change needed new networks (the toy was reset), False when training simply continues."""
        if custom is not None:
            self.custom = check_points(custom)
        changed = changed_fields(self.settings, settings)
        data_source(settings.data, self.custom)  # refuse data=custom without points before changing anything
        if changed & NEEDS_NEW_NETWORKS:
            self.reset(settings)
            return True
        self.settings = settings
        self._bind()
        return False

    # the random inputs of a step, as gankit.step asks for them
    def next_real(self) -> tuple[torch.Tensor, None]:
        return self.source.sample(self.settings.batch_size, generator=self.data_rng), None

    def sample_z(self, n: int) -> tuple[torch.Tensor, None]:
        sampler, _ = Z_DISTRIBUTIONS[self.settings.z_dist]
        return sampler(n, self.settings.z_dim, self.noise_rng), None

    def d_step(self) -> None:
        """One update of D (G frozen): `gankit.step.discriminator_step`."""
        real, _ = self.next_real()
        z, _ = self.sample_z(len(real))
        self._keep(discriminator_step(self.gan, real, z, options=self.options))
        self.d_steps += 1

    def g_step(self) -> None:
        """One update of G through a frozen D: `gankit.step.generator_step`."""
        z, _ = self.sample_z(self.settings.batch_size)
        self._keep(generator_step(self.gan, z, options=self.options))
        self.g_steps += 1

    def iteration(self) -> None:
        """Algorithm 1 once, k D steps then one G step: `gankit.step.train_step`."""
        self._keep(train_step(self.gan, next_real=self.next_real, sample_z=self.sample_z, options=self.options))
        self.iterations += 1
        self.d_steps += self.settings.k
        self.g_steps += 1

    def run_for(self, seconds: float, *, at_most: int = 10_000) -> int:
        """Iterations for about `seconds` of wall time (at least one); returns how many ran."""
        deadline, count = time.perf_counter() + seconds, 0
        while count < at_most:
            self.iteration()
            count += 1
            if time.perf_counter() >= deadline:
                break
        return count

    def _keep(self, scalars: dict[str, torch.Tensor]) -> None:
        self.scalars.update({name: float(value) for name, value in scalars.items()})

    def fingerprints(self) -> dict[str, str]:
        """A short hash of each network's weights: "generator", "discriminator"."""
        return {name: weights_hash(module) for name, module in
                (("generator", self.gan.generator), ("discriminator", self.gan.discriminator))}


def weights_hash(module: torch.nn.Module) -> str:
    digest = hashlib.sha256()
    for name, tensor in module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def save_toy(session: ToySession) -> bytes:
    """The toy as safetensors bytes: `generator.*`, `discriminator.*`, `custom_points` if any; the
    settings (as URL fields) in the metadata."""
    tensors = {f"generator.{k}": v.contiguous() for k, v in session.gan.generator.state_dict().items()}
    tensors |= {f"discriminator.{k}": v.contiguous() for k, v in session.gan.discriminator.state_dict().items()}
    if session.custom is not None:
        tensors["custom_points"] = session.custom.contiguous()
    metadata = {"format": SAVE_FORMAT, "settings": json.dumps(settings_query(session.settings)),
                "iterations": str(session.iterations)}
    return save_tensors(tensors, metadata=metadata)


def load_toy(blob: bytes) -> ToySession:
    """A session from `save_toy`'s bytes; anything else raises GankitError with a message."""
    if len(blob) > MAX_SAVE_BYTES:
        raise GankitError(f"the file is larger than {MAX_SAVE_BYTES // 2**20} MB; a lab toy is far smaller")
    try:
        tensors = load_tensors(blob)
        metadata = json.loads(blob[8:8 + int.from_bytes(blob[:8], "little")]).get("__metadata__", {})
    except (SafetensorError, ValueError, UnicodeDecodeError, OverflowError) as err:
        raise GankitError(f"not a safetensors file ({err})") from None
    if metadata.get("format") != SAVE_FORMAT:
        raise GankitError(f"not a lab toy: its metadata format is {metadata.get('format')!r}, not {SAVE_FORMAT!r}")
    settings = parse_settings(json.loads(metadata.get("settings", "{}")))
    custom = tensors.pop("custom_points", None)
    session = ToySession(settings, check_points(custom) if custom is not None else None)
    for prefix, module in (("generator.", session.gan.generator), ("discriminator.", session.gan.discriminator)):
        state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            module.load_state_dict(state)
        except RuntimeError as err:
            raise GankitError(f"the file's {prefix[:-1]} does not match its settings: {str(err)[:200]}") from None
    session.iterations = int(metadata.get("iterations", "0") or 0)
    return session
