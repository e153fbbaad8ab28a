"""What a run does between steps: stats and health, sample grids, checkpoints, evaluations,
and the roll-back after a divergence.

At every log interval the stats line is written, the health monitor reads it, and, if every
value is finite, the state is kept in memory as the last good one. A non-finite value raises
`Diverged`; `roll_back` restores that state with lower learning rates. A checkpoint is written
only from finite weights. The run's clock (`TrainingClock`) leaves evaluations out, so
`seconds` and steps/s measure training alone.
"""

import copy
import math
import time
from pathlib import Path

from .config import TrainConfig
from .health import HealthMonitor, finite_weights, probe_signals, real_variety
from .jsonlog import REDONE_BY_ROLL_BACK, append_record, forget_after
from .losses import LOSSES
from .loop import Every
from .optim import scale_learning_rates
from .overfit import overfit_signals
from .progress import PROGRESS
from .recall_probe import probe_recall
from .session import Session
from .stats import Backend, StatsLog, read_stats
from .tensorboard import open_tensorboard


class Diverged(Exception):
    """A non-finite value appeared; `str()` says where."""


class TrainingClock:
    """Training wall time across resumes, with what is not training (evaluation) left out, and
    the step rate since the last reading. The one place the run's time is kept."""

    def __init__(self, *, seconds: float, step: int):
        self.restart(seconds=seconds, step=step)

    def restart(self, *, seconds: float, step: int) -> None:
        """Count on from `seconds` of training at `step` (a start, a resume, a roll-back)."""
        now = time.perf_counter()
        self.started, self.lap = now - seconds, (now, step)

    def seconds(self) -> float:
        """Training seconds so far."""
        return time.perf_counter() - self.started

    def steps_per_s(self, step: int) -> float:
        """Steps per second since the last call (or restart), which starts a new lap."""
        now, (since, since_step) = time.perf_counter(), self.lap
        self.lap = (now, step)
        return (step - since_step) / (now - since)

    def leave_out(self, seconds: float) -> None:
        """Do not count the last `seconds` as training."""
        self.started += seconds
        self.lap = (self.lap[0] + seconds, self.lap[1])


def open_backends(train_cfg: TrainConfig, run_dir: Path, *, start: int, images_per_step: int, log) -> list[Backend]:
    """Where the run's records go besides stats.jsonl: the console (`train.progress`, printing
    with `log`) and TensorBoard where `train.tensorboard` asks for it."""
    tensorboard = open_tensorboard(train_cfg.tensorboard, run_dir / "tensorboard")
    console = PROGRESS[train_cfg.progress](log=log, start=start, total=train_cfg.steps, images_per_step=images_per_step)
    return [console, *tensorboard]


class Intervals:
    """The actions run between steps: stats and health, sample grids, checkpoints, evaluations."""

    def __init__(self, session: Session, log):
        self.session, main, run_dir = session, session.world.is_main, session.run_dir
        backends = open_backends(session.cfg.train, run_dir, start=session.step,
                                 images_per_step=session.images_seen(1), log=log) if main else []
        self.stats = StatsLog(run_dir / "stats.jsonl", backends, reduce=session.world.mean, write=main)
        self.log = self.stats.message  # printed by the console, kept by TensorBoard (rank 0 only)
        probabilities = LOSSES[session.cfg.loss.name].d_output == "probability"
        self.monitor = HealthMonitor(session.cfg.health, probabilities=probabilities)
        for record in read_stats(self.stats.path):
            self.monitor.update(record)  # a resumed run's monitor remembers its history (alarms already logged)
        self.good = (session.step, copy.deepcopy(session.state()))  # the last state known finite
        self.clock = TrainingClock(seconds=session.seconds, step=session.step)
        self.best_fid = min((r["fid"] for r in read_stats(run_dir / "metrics.jsonl")), default=math.inf)
        self.saved_step = session.step  # the step of the newest checkpoint on disk
        self.reals = None  # the evaluations' real side (gankit.eval.load_reals), loaded at the first one
        if not real_variety(session.real_probe):
            self.log("the real images are all alike (or just one): there is no variety to compare G's with, so "
                     "probe_diversity and the mode_collapse alarm are left out")

    def every(self) -> list[Every]:
        cfg = self.session.cfg
        return [Every(1, self.stats.progress), Every(cfg.train.log_every, self.write_stats),
                Every(cfg.train.sample_every, self.save_samples),
                Every(cfg.train.checkpoint_every, self.checkpoint),
                *([Every(cfg.eval.every, self.evaluate)] if cfg.eval.every else [])]

    def write_stats(self, step: int) -> None:
        """The interval's stats line; its alarms; `Diverged` if a value is not finite, else the
        state is kept as the last good one."""
        session = self.session
        session.seconds = self.clock.seconds()
        signals = probe_signals(session.gan.generator, session.probe_z, session.real_probe, session.real_class_probe)
        if session.gan.g_ema is not None and "probe_diversity" in signals:  # what samples are drawn from
            signals["ema_probe_diversity"] = probe_signals(session.gan.g_ema, session.probe_z, session.real_probe,
                                                           neighbours=False)["probe_diversity"]
        if session.recall_probe is not None:
            signals["probe_recall"] = probe_recall(session.gan.generator, session.recall_probe)
            if session.gan.g_ema is not None:
                signals["ema_probe_recall"] = probe_recall(session.gan.g_ema, session.recall_probe)
        overfit = {} if session.overfit_probe is None else {
            key: round(value, 4) for key, value in
            overfit_signals(session.gan.generator, session.gan.discriminator, session.overfit_probe).items()}
        record = self.stats.flush(step=step, images_seen=session.images_seen(step), seconds=round(session.seconds, 3),
                                  steps_per_s=round(self.clock.steps_per_s(step), 3),
                                  **{k: round(v, 4) if isinstance(v, float) else v for k, v in signals.items()},
                                  **overfit)
        for alarm in self.monitor.update(record):
            self.log(alarm.message)
            if session.world.is_main:
                append_record(session.run_dir / "alarms.jsonl", alarm.to_dict())
        bad = [k for k, v in record.items() if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            raise Diverged(f"non-finite {', '.join(bad)} by step {step}")
        session.step = step
        self.good = (step, copy.deepcopy(session.state()))

    def checkpoint(self, step: int, *, best: bool = False) -> None:
        """Write the state at `step` as a checkpoint (or as the best one), from finite weights only."""
        self.session.step, self.session.seconds = step, self.clock.seconds()
        if not finite_weights(self.session.gan.generator, self.session.gan.discriminator):
            raise Diverged(f"non-finite weights at step {step}")
        self.session.write_checkpoint(best=best)
        if not best:
            self.saved_step = step

    def save_samples(self, step: int) -> None:
        grid = self.session.save_samples(step)
        if grid is not None:  # rank 0
            self.stats.images(step, "samples", grid)

    def evaluate(self, step: int) -> None:
        """Score the generator (protocol gankit-eval-v1), append to metrics.jsonl, keep the best by FID.
        Every rank draws its share of the images; rank 0 scores them all, against a real side
        (judge, statistics, training images) loaded at the first evaluation and kept. The
        evaluation's own time is left out of the run's clock, so `seconds` (here and in
        stats.jsonl) and steps/s measure training: time-to-quality reads straight off the records.
        """
        from .eval import evaluate_generator, load_reals  # the judges load only for runs that evaluate (not a cycle)

        session, cfg, start = self.session, self.session.cfg, time.perf_counter()
        seconds = self.clock.seconds()
        if self.reals is None and session.world.is_main:
            self.reals = load_reals(cfg.data.name, data_dir=cfg.data.dir or None)
        result = evaluate_generator(session.gan.sample_generator, cfg, cfg.eval.n, cfg.eval.seed, world=session.world,
                                    reals=self.reals)
        if result is not None:  # rank 0
            self.record_evaluation(step, result, seconds=seconds, eval_seconds=time.perf_counter() - start)
        self.clock.leave_out(time.perf_counter() - start)

    def record_evaluation(self, step: int, result: dict, *, seconds: float, eval_seconds: float) -> None:
        """Append `result` to metrics.jsonl, with the training `seconds` so far and the evaluation's
        own `eval_seconds` (loading the real side included), report it, and keep the best checkpoint by FID."""
        session = self.session
        record = {"step": step, "images_seen": session.images_seen(step), "seconds": round(seconds, 3),
                  "eval_seconds": round(eval_seconds, 3), **result}
        append_record(session.run_dir / "metrics.jsonl", record)
        self.stats.metrics(record)
        best = result["fid"] < self.best_fid
        self.log(f"step {step}  {result['protocol']}  FID {result['fid']:.2f}  precision {result['precision']:.3f}  "
                 f"recall {result['recall']:.3f}  classes {result['classes_covered']}"
                 + (f"  class accuracy >= {result['min_class_accuracy']:.1%}" if "class_accuracy" in result else "")
                 + ("  (best)" if best else ""))
        if best:
            self.best_fid = result["fid"]
            self.checkpoint(step, best=True)

    def roll_back(self, reason: Diverged, retry: int) -> None:
        """Restore the last good state, with learning rates lowered by `retry_lr_factor ** retry`."""
        step, state = self.good
        session = self.session
        gan, cfg = session.gan, session.cfg
        scale = cfg.train.retry_lr_factor ** retry
        session.load_state(copy.deepcopy(state))
        if session.world.is_main:
            forget_after(session.run_dir, step, names=REDONE_BY_ROLL_BACK)  # redone: their lines go
        scale_learning_rates(gan.g_opt, gan.g_schedule, base_lr=cfg.g_opt.lr, scale=scale)
        scale_learning_rates(gan.d_opt, gan.d_schedule, base_lr=cfg.d_opt.lr, scale=scale)
        self.stats.reset()
        self.clock.restart(seconds=session.seconds, step=step)
        self.log(f"{reason}: rolled back to step {step}, learning rates x{scale:g} (retry {retry})")
