"""Training a GAN from a `Config`: builds the pieces, runs the generic loop, fills the run folder."""

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from . import images
from .checkpoint import checkpoint_name, load_checkpoint, prune_checkpoints, save_checkpoint
from .config import Config, apply_overrides, config_from_dict, to_dict, to_toml
from .data import BatchSampler, load_split, to_model_range
from .errors import CheckpointError
from .latent import LATENTS
from .losses import LOSSES
from .loop import Every, StopRequest, run_loop
from .runs import create_run, latest_checkpoint
from .stats import StatsLog
from .gan import GAN, build_gan
from .step import train_step


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@dataclass
class Session:
    """A training run in progress: the GAN, its data and noise streams, and its progress."""

    cfg: Config
    run_dir: Path
    gan: GAN
    sampler: BatchSampler
    data_rng: torch.Generator  # drives the sampler
    noise_rng: torch.Generator  # drives every z of training
    fixed_z: torch.Tensor  # (sample_count, z_dim): the latents of every sample grid
    device: torch.device
    step: int = 0

    @property
    def images_seen(self) -> int:
        """Real images shown to D so far (k per iteration), as StyleGAN counts progress."""
        return self.step * self.cfg.train.batch_size * self.cfg.train.d_steps

    def state(self) -> dict:
        """Everything needed to continue this run exactly, as plain data for `save_checkpoint`."""
        gan = self.gan
        return {
            "step": self.step, "images_seen": self.images_seen, "config": to_dict(self.cfg),
            "generator": gan.generator.state_dict(), "discriminator": gan.discriminator.state_dict(),
            "g_opt": gan.g_opt.state_dict(), "d_opt": gan.d_opt.state_dict(),
            "g_schedule": gan.g_schedule.state_dict(), "d_schedule": gan.d_schedule.state_dict(),
            "sampler": self.sampler.state_dict(), "fixed_z": self.fixed_z,
            "rng": {"data": self.data_rng.get_state(), "noise": self.noise_rng.get_state(),
                    "torch": torch.get_rng_state()},
        }

    def load_state(self, state: dict) -> None:
        gan = self.gan
        try:
            gan.generator.load_state_dict(state["generator"])
            gan.discriminator.load_state_dict(state["discriminator"])
        except RuntimeError as err:
            raise CheckpointError(f"checkpoint does not fit model '{self.cfg.model.name}': "
                                  f"{str(err).splitlines()[0]}") from None
        for name in ("g_opt", "d_opt", "g_schedule", "d_schedule"):
            getattr(gan, name).load_state_dict(state[name])
        self.sampler.load_state_dict(state["sampler"])
        self.data_rng.set_state(state["rng"]["data"])
        self.noise_rng.set_state(state["rng"]["noise"])
        torch.set_rng_state(state["rng"]["torch"])
        self.fixed_z = state["fixed_z"].to(self.device)
        self.step = state["step"]

    def save_checkpoint(self, step: int) -> None:
        folder = self.run_dir / "checkpoints"
        save_checkpoint(folder / checkpoint_name(step), self.state())
        prune_checkpoints(folder, self.cfg.train.keep_checkpoints)

    def save_samples(self, step: int) -> None:
        generator = self.gan.generator
        generator.eval()  # inference mode, as the book's plot_images (generator.predict)
        with torch.no_grad():
            fakes = images.to_uint8(generator(self.fixed_z), generator.output_range)
        images.save_png(self.run_dir / "samples" / f"step-{step:09d}.png", images.make_grid(fakes))


def open_session(cfg: Config | None, *, config_name: str = "", resume: Path | None = None,
                 overrides: list[str] = ()) -> Session:
    """A fresh run of `cfg` in a new numbered folder, or, with `resume` (a run folder), that run
    continued from its latest checkpoint with its stored config and `overrides` (e.g. more steps)."""
    if resume is not None:
        state = load_checkpoint(latest_checkpoint(resume))
        cfg = apply_overrides(config_from_dict(state["config"]), overrides)
    train = cfg.train
    if train.threads:
        torch.set_num_threads(train.threads)
    device = pick_device(train.device)
    data = load_split(cfg.data.name, "train", cfg.data.dir or None)
    torch.manual_seed(train.seed)  # weights
    gan = build_gan(cfg, tuple(data.images.shape[1:]), device)
    data_rng, noise_rng = seeded(train.seed + 1), seeded(train.seed + 2)
    sampler = BatchSampler(data.images.to(device), train.batch_size, order=cfg.data.order, generator=data_rng)
    fixed_z = LATENTS[cfg.model.z_dist](train.sample_count, cfg.model.z_dim, seeded(train.seed + 3)).to(device)
    if resume is None:
        run_dir = create_run(train.runs_dir, config_name)
        (run_dir / "config.toml").write_text(to_toml(cfg))
    else:
        run_dir = resume
        (run_dir / "config.toml").write_text(to_toml(cfg))  # overrides (more steps) are part of the run now
    session = Session(cfg, run_dir, gan, sampler, data_rng, noise_rng, fixed_z, device)
    if resume is not None:
        session.load_state(state)
    return session


def train(session: Session, *, log=print) -> int:
    """Train until `cfg.train.steps` or a Ctrl-C; save a final checkpoint; return the last step."""
    cfg, gan, device = session.cfg, session.gan, session.device
    low, high = gan.generator.output_range
    sample_latent = LATENTS[cfg.model.z_dist]

    def next_real():
        return to_model_range(session.sampler.next_batch(), low, high)

    def sample_z(n):
        return sample_latent(n, cfg.model.z_dim, session.noise_rng).to(device, non_blocking=True)

    def step_fn():
        return train_step(gan, next_real=next_real, sample_z=sample_z, losses=LOSSES[cfg.loss.name],
                          d_steps=cfg.train.d_steps, fakes_g_mode=cfg.train.fakes_g_mode)

    stats = StatsLog(session.run_dir / "stats.jsonl")
    clock = {"start": time.perf_counter(), "last": time.perf_counter(), "last_step": session.step}

    def write_stats(step):
        now = time.perf_counter()
        rate = (step - clock["last_step"]) / (now - clock["last"])
        record = stats.flush(step=step, images_seen=step * cfg.train.batch_size * cfg.train.d_steps,
                             seconds=round(now - clock["start"], 3), steps_per_s=round(rate, 3))
        clock.update(last=now, last_step=step)
        log(f"step {step}/{cfg.train.steps}  {rate:.2f} it/s  d_loss {record['d_loss']:.4f}  "
            f"g_loss {record['g_loss']:.4f}  D(x) {record['d_real']:.3f}  D(G(z)) {record['d_fake']:.3f}")

    def checkpoint(step):
        session.step = step
        session.save_checkpoint(step)

    every = [Every(cfg.train.log_every, write_stats), Every(cfg.train.sample_every, session.save_samples),
             Every(cfg.train.checkpoint_every, checkpoint)]
    if session.step == 0:
        session.save_samples(0)
    with StopRequest() as stop_request:
        session.step = run_loop(step_fn, start=session.step, stop=cfg.train.steps, collect=stats.add,
                                every=every, stop_request=stop_request)
    if stats.count:
        write_stats(session.step)
    session.save_samples(session.step)
    session.save_checkpoint(session.step)
    if stop_request.requested:
        log(f"stopped at step {session.step}; checkpoint saved. Continue with: gankit train --resume {session.run_dir}")
    return session.step
