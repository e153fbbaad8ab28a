"""Training a session: the step, the generic loop, and what happens at each interval.

At every log interval the stats line is written, the health monitor reads it, and, if every
value is finite, the state is kept in memory as the last good one. A non-finite loss or
gradient rolls the run back to that state and retries with lower learning rates, at most
`train.max_retries` times; a checkpoint is written only from finite weights.
"""

import copy
import math
import time
from contextlib import closing

import torch

from .accel import precision_context
from .data import to_model_range
from .distributed import LOCAL, World
from .ema import ema_beta, update_g_ema_
from .errors import GankitError
from .health import HealthMonitor, mean_pairwise_distance
from .jsonlog import REDONE_BY_ROLL_BACK, append_record, forget_after
from .latent import LATENTS
from .losses import LOGISTIC, LOSSES
from .models import is_conditional
from .penalties import PENALTIES, PenaltyConfig, interpolation_weights
from .loop import Every, StopRequest, run_loop
from .progress import PROGRESS
from .runs import resume_hint
from .session import Session
from .stats import Backend, StatsLog, read_stats
from .step import no_penalty, train_step
from .tensorboard import open_tensorboard


class Diverged(Exception):
    """A non-finite value appeared; `str()` says where."""


def make_step_fn(session: Session):
    """A no-argument function running one iteration of Algorithm 1 on the session's data and noise.

    Every rank draws the whole global batch of indices and of z, from generators seeded alike,
    and keeps its own slice (`World.shard`): together the ranks train on exactly the global batch.
    A conditional model's classes for G are drawn uniformly from the noise generator too, and so
    are WGAN-GP's interpolation weights: all of it is in the checkpoint's RNG state."""
    cfg, device, world = session.cfg, session.device, session.world
    low, high = session.gan.generator.output_range
    sample_latent, losses = LATENTS[cfg.model.z_dist], LOSSES[cfg.loss.name]
    conditional = is_conditional(cfg.model)
    penalty = make_penalty(cfg.penalty, session.noise_rng, world)
    unread = unread_d_outputs(cfg.loss.name)

    def next_real():
        if not conditional:
            return to_model_range(world.shard(session.sampler.next_batch()), low, high), None
        images, labels = session.sampler.next_labeled_batch()
        return to_model_range(world.shard(images), low, high), world.shard(labels)

    def sample_z(n):  # n: this rank's share of the global z, drawn where the networks are
        z = world.shard(sample_latent(n * world.size, cfg.model.z_dim, session.noise_rng))
        if not conditional:
            return z, None
        labels = torch.randint(cfg.model.num_classes, (n * world.size,), generator=session.noise_rng,
                               device=session.noise_rng.device)
        return z, world.shard(labels)

    def step():
        with precision_context(cfg.train.precision, device):
            scalars = train_step(session.gan, next_real=next_real, sample_z=sample_z, losses=losses,
                                 d_steps=cfg.train.d_steps, fakes_g_mode=cfg.train.fakes_g_mode,
                                 penalty=penalty, clip=cfg.penalty.clip)
        if session.gan.g_ema is not None:
            update_g_ema(session)
        return {name: value for name, value in scalars.items() if name not in unread}

    return step


def unread_d_outputs(loss_name: str) -> frozenset[str]:
    """The step's D-output stats that mean nothing under this loss: a logistic loss reads D's
    outputs as probabilities (d_real, d_fake, g_fake), the others as raw scores (d_real_score,
    d_fake_score, g_fake_score, where real minus fake estimates the Wasserstein distance)."""
    probabilities = {"d_real", "d_fake", "g_fake"}
    return frozenset({name + "_score" for name in probabilities} if loss_name in LOGISTIC else probabilities)


def make_penalty(penalty_cfg: PenaltyConfig, noise_rng: torch.Generator, world: World = LOCAL):
    """penalty(critic, real, fake) -> `weight` x the `[penalty]` section's penalty, a 0-dim tensor.
    Its random draws (WGAN-GP's eps) come from `noise_rng`, saved in checkpoints; as z, they are
    drawn for the global batch and sliced, so that several ranks draw what one process would."""
    penalty_fn, weight = PENALTIES[penalty_cfg.name], penalty_cfg.weight
    if penalty_cfg.name == "none":
        return no_penalty

    def uniform(n):  # n: this rank's share
        return world.shard(interpolation_weights(n * world.size, generator=noise_rng))

    def penalty(critic, real, fake):
        return weight * penalty_fn(critic, real, fake, uniform)

    return penalty


def update_g_ema(session: Session) -> None:
    """Move g_ema towards G after a G update (the half-life counts the images G has trained on)."""
    gan, batch_size = session.gan, session.cfg.train.batch_size
    images_before = (gan.g_schedule.last_epoch - 1) * batch_size  # the schedule counts G's updates
    beta = ema_beta(batch_size=batch_size, images_seen=images_before, half_life_images=session.cfg.ema.half_life_images,
                    ramp=session.cfg.ema.ramp)
    update_g_ema_(gan.g_ema, gan.generator, beta)


def probe_diversity(session: Session) -> float | None:
    """Variety of G's images for the fixed probe latents, relative to real images (1 = as varied);
    None where the real probe has no variety to compare with (fewer than 2 images, or all alike)."""
    if not real_variety(session):
        return None
    fakes = session.generate(session.probe_z, live=True)  # the G being trained, not its average
    return (mean_pairwise_distance(fakes) / mean_pairwise_distance(session.real_probe)).item()


def real_variety(session: Session) -> bool:
    """Whether the real probe images differ at all: a folder of one image, or of copies, does not."""
    return len(session.real_probe) >= 2 and bool(mean_pairwise_distance(session.real_probe) > 0)


def finite_weights(session: Session) -> bool:
    params = [*session.gan.generator.parameters(), *session.gan.discriminator.parameters()]
    return bool(torch.stack([p.detach().isfinite().all() for p in params]).all())


def set_learning_rates(session: Session, scale: float) -> None:
    """Set both networks' base learning rates to `scale` times the configured ones (decay kept)."""
    gan, cfg = session.gan, session.cfg
    for optimizer, schedule, opt_cfg in ((gan.g_opt, gan.g_schedule, cfg.g_opt), (gan.d_opt, gan.d_schedule, cfg.d_opt)):
        schedule.base_lrs = [opt_cfg.lr * scale for _ in schedule.base_lrs]
        for group, base, decay in zip(optimizer.param_groups, schedule.base_lrs, schedule.lr_lambdas, strict=True):
            group["lr"] = base * decay(schedule.last_epoch)


def open_backends(session: Session, log) -> list[Backend]:
    """Where the run's records go besides stats.jsonl: the console (`train.progress`, printing
    with `log`) and TensorBoard where `train.tensorboard` asks for it."""
    train_cfg = session.cfg.train
    tensorboard = open_tensorboard(train_cfg.tensorboard, session.run_dir / "tensorboard")
    console = PROGRESS[train_cfg.progress](log=log, start=session.step, total=train_cfg.steps,
                                           images_per_step=session.images_seen(1))
    return [console, *tensorboard]


class Intervals:
    """The actions run between steps: stats and health, sample grids, checkpoints."""

    def __init__(self, session: Session, log):
        self.session, main = session, session.world.is_main
        self.stats = StatsLog(session.run_dir / "stats.jsonl", open_backends(session, log) if main else [],
                              reduce=session.world.mean, write=main)
        self.log = self.stats.message  # printed by the console, kept by TensorBoard (rank 0 only)
        self.monitor = HealthMonitor(session.cfg.health, probabilities=session.cfg.loss.name in LOGISTIC)
        for record in read_stats(self.stats.path):
            self.monitor.update(record)  # a resumed run's monitor remembers its history (alarms already logged)
        self.good = (session.step, copy.deepcopy(session.state()))  # the last state known finite
        self.clock = (time.perf_counter(), session.step)
        self.started = time.perf_counter() - session.seconds
        self.best_fid = min((r["fid"] for r in read_stats(session.run_dir / "metrics.jsonl")), default=math.inf)
        self.saved_step = session.step  # the step of the newest checkpoint on disk
        if not real_variety(session):
            self.log("the real images are all alike (or just one): there is no variety to compare G's with, so "
                     "probe_diversity and the mode_collapse alarm are left out")

    def write_stats(self, step: int) -> None:
        session, (since, since_step) = self.session, self.clock
        now = time.perf_counter()
        session.seconds = now - self.started
        diversity = probe_diversity(session)
        record = self.stats.flush(step=step, images_seen=session.images_seen(step), seconds=round(session.seconds, 3),
                                  steps_per_s=round((step - since_step) / (now - since), 3),
                                  **({} if diversity is None else {"probe_diversity": round(diversity, 4)}))
        self.clock = (now, step)
        for alarm in self.monitor.update(record):
            self.log(alarm.message)
            if session.world.is_main:
                append_record(session.run_dir / "alarms.jsonl", alarm.to_dict())
        bad = [k for k, v in record.items() if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            raise Diverged(f"non-finite {', '.join(bad)} by step {step}")
        session.step = step
        self.good = (step, copy.deepcopy(session.state()))

    def save_checkpoint(self, step: int, *, best: bool = False) -> None:
        self.session.step, self.session.seconds = step, time.perf_counter() - self.started
        if not finite_weights(self.session):
            raise Diverged(f"non-finite weights at step {step}")
        self.session.save_checkpoint(best=best)
        if not best:
            self.saved_step = step

    def evaluate(self, step: int) -> None:
        """Score the generator (protocol gankit-eval-v1), append to metrics.jsonl, keep the best by FID.
        Every rank draws its share of the images; rank 0 scores them all. The evaluation's own
        time is left out of the run's clock, so `seconds` (here and in stats.jsonl) and steps/s
        measure training: time-to-quality reads straight off the records.
        """
        from .eval import evaluate_generator  # the judges load only for runs that evaluate

        session, cfg, start = self.session, self.session.cfg, time.perf_counter()
        result = evaluate_generator(session.gan.sampler, cfg, cfg.eval.n, cfg.eval.seed, world=session.world)
        if result is not None:  # rank 0
            self.record_evaluation(step, result, seconds=start - self.started)
        spent = time.perf_counter() - start
        self.started += spent
        self.clock = (self.clock[0] + spent, self.clock[1])

    def record_evaluation(self, step: int, result: dict, *, seconds: float) -> None:
        """Append `result` to metrics.jsonl, report it, and keep the best checkpoint by FID."""
        session = self.session
        record = {"step": step, "images_seen": session.images_seen(step), "seconds": round(seconds, 3), **result}
        append_record(session.run_dir / "metrics.jsonl", record)
        self.stats.metrics(record)
        best = result["fid"] < self.best_fid
        self.log(f"step {step}  {result['protocol']}  FID {result['fid']:.2f}  precision {result['precision']:.3f}  "
                 f"recall {result['recall']:.3f}  classes {result['classes_covered']}"
                 + (f"  class accuracy >= {result['min_class_accuracy']:.1%}" if "class_accuracy" in result else "")
                 + ("  (best)" if best else ""))
        if best:
            self.best_fid = result["fid"]
            self.save_checkpoint(step, best=True)

    def save_samples(self, step: int) -> None:
        grid = self.session.save_samples(step)
        if grid is not None:  # rank 0
            self.stats.images(step, "samples", grid)

    def every(self) -> list[Every]:
        cfg = self.session.cfg
        return [Every(1, self.stats.progress), Every(cfg.train.log_every, self.write_stats),
                Every(cfg.train.sample_every, self.save_samples),
                Every(cfg.train.checkpoint_every, self.save_checkpoint),
                *([Every(cfg.eval.every, self.evaluate)] if cfg.eval.every else [])]

    def roll_back(self, reason: Diverged, retry: int) -> None:
        """Restore the last good state, with learning rates lowered by `retry_lr_factor ** retry`."""
        step, state = self.good
        scale = self.session.cfg.train.retry_lr_factor ** retry
        self.session.load_state(copy.deepcopy(state))
        if self.session.world.is_main:
            forget_after(self.session.run_dir, step, names=REDONE_BY_ROLL_BACK)  # redone: their lines go
        set_learning_rates(self.session, scale)
        self.stats.reset()
        self.clock = (time.perf_counter(), step)
        self.started = time.perf_counter() - self.session.seconds
        self.log(f"{reason}: rolled back to step {step}, learning rates x{scale:g} (retry {retry})")


def train(session: Session, *, log=print) -> int:
    """Train until `cfg.train.steps` or a Ctrl-C; save a final checkpoint; return the last step."""
    train_cfg = session.cfg.train
    step_fn, intervals = make_step_fn(session), Intervals(session, log)
    if session.step == 0:
        intervals.save_samples(0)
    retry = 0
    # every rank stops at the same step
    with session.world.agreed(StopRequest()) as stop_request, closing(intervals.stats):
        while True:
            try:
                session.step = run_loop(step_fn, start=session.step, stop=train_cfg.steps,
                                        collect=intervals.stats.add, every=intervals.every(),
                                        stop_request=stop_request)
                if intervals.stats.count:
                    intervals.write_stats(session.step)
                if intervals.saved_step != session.step:
                    intervals.save_checkpoint(session.step)
                break
            except Diverged as reason:
                retry += 1
                if retry > train_cfg.max_retries:
                    raise GankitError(
                        f"training diverged ({reason}) {retry} times, even with lower learning rates. "
                        f"Lower d_opt.lr and g_opt.lr, or check the data's range; {resume_hint(session.run_dir)}"
                        ) from None
                intervals.roll_back(reason, retry)
        if session.step % train_cfg.sample_every:  # else the interval has just drawn it
            intervals.save_samples(session.step)
    if stop_request.requested:
        launcher = "torchrun [your torchrun options] -m gankit" if session.world.size > 1 else "gankit"
        log(f"stopped at step {session.step}; checkpoint saved. Continue with: {launcher} train --resume {session.run_dir}")
    return session.step
