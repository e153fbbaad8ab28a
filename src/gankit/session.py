"""A training run in progress: its pieces, its folder, and its state as plain data."""

import copy
import gc
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import images
from .accel import apply_compile, apply_memory_format, choose_threads, default_threads
from .augment import Augment, make_augment
from .checkpoint import checkpoint_name, load_checkpoint, mismatch_detail, prune_checkpoints, save_checkpoint
from .config import Config, apply_overrides, config_from_dict, to_dict, to_toml
from .data import BatchSampler, to_model_range
from .data.locate import get_spec
from .data.source import resolve_data_config, training_images
from .distributed import LOCAL, World, distribute, start_world
from .errors import CheckpointError
from .gan import GAN, build_gan, scratch_pass
from .graph_step import check_graphable, portable_hyperparameters
from .jsonlog import forget_after
from .latent import LATENTS
from .models import is_conditional
from .overfit import PROBE_SIZE, OverfitProbe
from .recall_probe import RECALL_PROBE, RecallProbe, make_recall_probe
from .resources import check_resources
from .rng import capture_rng, restore_rng
from .runlock import RunLock, claim_run
from .runs import create_run, latest_checkpoint
from .writes import write_text_atomic

NETWORK_KEYS = ("generator", "discriminator")
OPTIMISER_KEYS = ("g_opt", "d_opt", "g_schedule", "d_schedule")  # kept with plain-float hyper-parameters
STATE_KEYS = NETWORK_KEYS + OPTIMISER_KEYS
RESUME_KEYS = ("step", "seconds", "config", *STATE_KEYS, "sampler", "fixed_z", "rng")  # what `load_state` reads


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def seeded(seed: int, device: torch.device = torch.device("cpu")) -> torch.Generator:
    return torch.Generator(device).manual_seed(seed)


@dataclass
class Session:
    """Everything a run needs to train, and to continue exactly where it stopped."""

    cfg: Config
    run_dir: Path
    gan: GAN
    batches: BatchSampler  # draws real batches, from `data_rng` only
    data_rng: torch.Generator
    noise_rng: torch.Generator  # drives every z of training
    fixed_z: torch.Tensor  # (sample_count, z_dim): the latents of every sample grid
    probe_z: torch.Tensor  # (64, z_dim): the latents whose variety the health monitor watches
    real_probe: torch.Tensor  # (64, C, H, W) real images in G's range, the variety to compare with
    device: torch.device
    step: int = 0
    seconds: float = 0.0  # training wall time up to `step`, across resumes
    real_class_probe: torch.Tensor | None = None  # conditional models: (K, n, C, H, W), n real images of each class
    world: World = LOCAL  # the processes training together; rank 0 alone writes `run_dir`
    lock: RunLock | None = None  # rank 0's claim on `run_dir`: no second process trains it meanwhile
    overfit_probe: OverfitProbe | None = None  # training vs held-out reals for D; None without held-out images
    recall_probe: RecallProbe | None = None  # how much of the data G reaches; None with too few images
    augment: Augment = Augment()  # what D sees (`gankit.augment`); draws from `noise_rng`; ADA's p is its state

    def images_seen(self, step: int) -> int:
        """Real images shown to D by `step` (k batches per iteration), as StyleGAN counts progress."""
        return step * self.cfg.train.batch_size * self.cfg.train.d_steps

    def state(self) -> dict:
        """Everything needed to continue this run exactly, as plain data for `save_checkpoint`."""
        return {
            "step": self.step, "images_seen": self.images_seen(self.step), "seconds": self.seconds,
            "config": to_dict(self.cfg),
            **{key: getattr(self.gan, key).state_dict() for key in NETWORK_KEYS},
            **{key: portable_hyperparameters(getattr(self.gan, key).state_dict()) for key in OPTIMISER_KEYS},
            **({"g_ema": self.gan.g_ema.state_dict()} if self.gan.g_ema is not None else {}),
            "sampler": self.batches.state_dict(), "fixed_z": self.fixed_z,
            "rng": {"data": self.data_rng.get_state(), "noise": self.noise_rng.get_state(), "global": capture_rng()},
            **({"augment": augment} if (augment := self.augment.state_dict()) else {}),  # ADA's p; nothing for "none"
        }

    def load_state(self, state: dict) -> None:
        try:
            self.gan.generator.load_state_dict(state["generator"])
            self.gan.discriminator.load_state_dict(state["discriminator"])
        except RuntimeError as err:
            raise CheckpointError(f"checkpoint does not fit model '{self.cfg.model.name}': "
                                  f"{mismatch_detail(err)}") from None
        for key in OPTIMISER_KEYS:
            getattr(self.gan, key).load_state_dict(state[key])
        if self.gan.g_ema is not None:  # a run that turns g_ema on when resumed starts it from G
            self.gan.g_ema.load_state_dict(state.get("g_ema", state["generator"]))
        self.batches.load_state_dict(state["sampler"])
        self.data_rng.set_state(state["rng"]["data"])
        self.noise_rng.set_state(state["rng"]["noise"])
        restore_rng(state["rng"]["global"])
        self.fixed_z = state["fixed_z"].to(self.device)
        if "augment" in state:
            self.augment.load_state_dict(state["augment"])
        self.step, self.seconds = state["step"], state["seconds"]

    def write_checkpoint(self, *, best: bool = False) -> None:
        """Write the state as the step's checkpoint (the most recent few are kept), or as
        `best.safetensors`, which pruning never removes. Only rank 0 writes."""
        if not self.world.is_main:
            return
        folder = self.run_dir / "checkpoints"
        save_checkpoint(folder / ("best.safetensors" if best else checkpoint_name(self.step)), self.state())
        if not best:
            prune_checkpoints(folder, self.cfg.train.keep_checkpoints)

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, error_type, *_) -> None:
        self.close(finished=error_type is None)

    def close(self, *, finished: bool = True) -> None:
        """Leave the process group, if any, and release the run folder. `finished`: training
        returned (done or stopped on request, every rank at the same step), so the DDP wrappers
        are freed first: their reducers sit in reference cycles and keep the group's gloo worker
        threads alive, and a worker still freeing its last work at interpreter exit needs the GIL
        then and aborts the process. After a failure (a rank lost, say) nothing is waited for:
        the error comes first."""
        self.gan.synced_generator, self.gan.synced_discriminator = self.gan.generator, self.gan.discriminator
        if finished and self.world.joined:
            gc.collect()
        self.world.close(finished=finished)
        if self.lock is not None:
            self.lock.release()

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Images for `z` in inference mode, as the book's `generator.predict`: from `g_ema` when
        the run keeps one, else from G (`GAN.sample_generator`)."""
        generator = self.gan.sample_generator
        generator.eval()
        return generator(z)

    def save_samples(self, step: int) -> np.ndarray | None:
        """Write G's grid for the fixed latents as samples/step-NNNNNNNNN.png; return it, (H, W, C)
        uint8. Only rank 0 writes: the other ranks return None."""
        if not self.world.is_main:
            return None
        fakes = images.to_uint8(self.generate(self.fixed_z), self.gan.generator.output_range)
        # a conditional G draws the classes in turn (see ConditionalGenerator): one class per column
        grid = images.make_grid(fakes, columns=self.cfg.model.num_classes or None)
        images.save_png(self.run_dir / "samples" / f"step-{step:09d}.png", grid)
        return grid


def open_session(cfg: Config | None, *, config_name: str = "", resume: Path | None = None,
                 overrides: list[str] = (), log=lambda _: None) -> Session:
    """A fresh run of `cfg` in a new numbered folder, or, with `resume` (a run folder), that run
    continued from its latest checkpoint with its stored config and `overrides` (e.g. more steps).
    `log` gets one line each for where the data came from and the device and threads used.

    With `dist.enabled` this process joins torchrun's process group: every rank reads the same
    checkpoint (a run folder every rank can see), and only rank 0 creates or writes the folder.
    The session's config is `cfg` resolved (the data's classes and colour, the thread count);
    `cfg` itself is left as given."""
    if resume is not None:
        state = load_checkpoint(latest_checkpoint(resume), require=RESUME_KEYS)
        cfg = apply_overrides(config_from_dict(state["config"]), overrides)
    cfg = copy.deepcopy(cfg)
    train = cfg.train
    threads_why = set_threads(train)
    device = pick_device(train.device)
    world = start_world(cfg.dist, device=device, batch_size=train.batch_size)  # a world of one unless dist.enabled
    if train.cuda_graphs:
        check_graphable(cfg, device, world.size)
    if resume is not None and world.any(world.share(state["step"]) != state["step"]):
        raise CheckpointError(f"the processes found different latest checkpoints in {resume}; is another job "
                              "still writing to it? Resume once it has stopped")
    data, held_out, indices = training_images(cfg.data)
    what = "images" if cfg.data.folder else f"{get_spec(cfg.data.name).title} training images"
    chosen = f" (data.limit: {len(data):,} of {len(data) + len(held_out):,}, the rest held out)" if cfg.data.limit else ""
    log(f"data: {len(data):,} {what} from {data.source}{chosen}")
    resolve_data_config(cfg, data)  # a folder's colour, a conditional model's classes: kept in the run's config
    check_resources(train, z_dim=cfg.model.z_dim, image_shape=tuple(data.images.shape[1:]))  # before allocating
    torch.manual_seed(train.seed)  # weights
    gan = build_gan(cfg, tuple(data.images.shape[1:]), device)
    apply_memory_format(gan, train.memory_format)
    if train.threads == TIMED and device.type == "cpu":
        run_pass = scratch_pass(gan, z_dim=cfg.model.z_dim, batch_size=train.batch_size)
        train.threads, threads_why = choose_threads(run_pass, log=log), "timed"
    plural = "s" if train.threads != 1 else ""
    log(f"device: {device}" + (f", {train.threads} CPU thread{plural} ({threads_why}; --train.threads=N pins)"
                               if device.type == "cpu" else ""))
    apply_compile(gan, train.compile)
    latent = LATENTS[cfg.model.z_dist]
    probe_rows = torch.randperm(len(data.images), generator=seeded(train.seed + 5))[:PROBE_SIZE]
    real_probe = data.images[probe_rows]
    session = Session(
        cfg, resume or world.share(create_run(train.runs_dir, config_name) if world.is_main else None), gan,
        batches=BatchSampler(data.images.to(device), train.batch_size, order=cfg.data.order,
                             generator=(data_rng := seeded(train.seed + 1, device)), labels=data.labels.to(device)),
        data_rng=data_rng, noise_rng=seeded(train.seed + 2, device),
        fixed_z=latent(train.sample_count, cfg.model.z_dim, seeded(train.seed + 3)).to(device),
        probe_z=latent(64, cfg.model.z_dim, seeded(train.seed + 4)).to(device),
        real_probe=to_model_range(real_probe.to(device), *gan.generator.output_range), device=device, world=world,
        real_class_probe=(to_model_range(class_probe(data.labels, data.images, cfg.model.num_classes,
                                                     seeded(train.seed + 6)).to(device), *gan.generator.output_range)
                          if is_conditional(cfg.model) else None))
    session.augment = make_augment(cfg.augment, generator=session.noise_rng, output_range=gan.generator.output_range,
                                   batch_size=train.batch_size)
    recall_z = latent(RECALL_PROBE, cfg.model.z_dim, seeded(train.seed + 9)).to(device)
    session.recall_probe = make_recall_probe(data.images, recall_z, seeded(train.seed + 8),
                                             output_range=gan.generator.output_range)
    session.overfit_probe = make_overfit_probe(cfg, data.labels[probe_rows], held_out, session.real_probe,
                                               output_range=gan.generator.output_range, device=device)
    if world.is_main:
        session.lock = claim_run(session.run_dir)  # before anything in the folder changes
        write_text_atomic(session.run_dir / "config.toml", to_toml(cfg), "the run's config")  # on resume: with overrides
        if indices is not None:
            write_text_atomic(session.run_dir / "data_indices.json", json.dumps(
                {"sha256": cfg.data.limit_sha256, "indices": indices.tolist()}), "the data.limit indices")
    if resume is not None:
        session.load_state(state)
        if world.is_main:
            forget_after(session.run_dir, session.step)
    distribute(gan, world, cfg.dist)
    return session


def make_overfit_probe(cfg: Config, train_labels: torch.Tensor, held_out, train_probe: torch.Tensor, *,
                       output_range: tuple[float, float], device: torch.device) -> OverfitProbe | None:
    """The fixed batches `gankit.overfit` judges D on: `train_probe` (the real probe, in G's range)
    with its `train_labels`, held-out images drawn with their own seed, fakes from their own
    latents. None without held-out images. No generator of the run is drawn from."""
    if held_out is None or len(held_out) == 0:
        return None
    train = cfg.train
    rows = torch.randperm(len(held_out), generator=seeded(train.seed + 6))[:PROBE_SIZE]
    z = LATENTS[cfg.model.z_dist](PROBE_SIZE, cfg.model.z_dim, seeded(train.seed + 7)).to(device)
    conditional = is_conditional(cfg.model)
    labels = lambda x: x.to(device) if conditional else None  # noqa: E731
    return OverfitProbe(train=train_probe, held_out=to_model_range(held_out.images[rows].to(device), *output_range),
                        z=z, train_labels=labels(train_labels), held_out_labels=labels(held_out.labels[rows]),
                        fake_labels=labels(torch.arange(PROBE_SIZE) % max(cfg.model.num_classes, 1)))


CLASS_PROBE = 16  # real images of each class in `Session.real_class_probe`


def class_probe(labels: torch.Tensor, images: torch.Tensor, num_classes: int, generator: torch.Generator) -> torch.Tensor:
    """(K, n, C, H, W): n images of each of the K classes drawn at random with `generator`, n = the
    fewest any class has, at most CLASS_PROBE (so a class with one image gives n = 1: no variety)."""
    members = [torch.nonzero(labels == label).flatten() for label in range(num_classes)]
    n = min(CLASS_PROBE, *(len(m) for m in members))
    return torch.stack([images[m[torch.randperm(len(m), generator=generator)[:n]]] for m in members])


TIMED = -1  # train.threads: time a pass at each count and keep the fastest


def set_threads(train) -> str:
    """Apply `train.threads` to torch and write the count into `train` (so the run's config, and a
    resume, repeat it); return why that count, in words. 0 takes `default_threads()`; TIMED is
    left for `choose_threads`, which needs the networks."""
    why = "--train.threads"
    if train.threads == 0:
        train.threads, why = default_threads()
    if train.threads > 0:
        torch.set_num_threads(train.threads)
    return why
