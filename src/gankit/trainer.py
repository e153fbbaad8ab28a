"""Training a session, as a table of contents: the step (`run_step`), the generic loop
(`loop`), the actions between steps (`intervals`), and the roll-back after a divergence.

A non-finite loss or gradient rolls the run back to the last good state and retries with lower
learning rates, at most `train.max_retries` times; a checkpoint is written only from finite
weights.
"""

from contextlib import closing

from .errors import GankitError
from .intervals import Diverged, Intervals
from .loop import StopRequest, run_loop
from .run_step import make_step_fn
from .runs import resume_hint
from .session import Session


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
                    intervals.checkpoint(session.step)
                break
            except Diverged as reason:
                retry += 1
                if retry > train_cfg.max_retries:
                    raise GankitError(
                        f"training diverged ({reason}) {retry} times, even with lower learning rates. "
                        f"Lower d_opt.lr and g_opt.lr, or check the data's range; {resume_hint(session.run_dir)}"
                        ) from None
                intervals.roll_back(reason, retry)
                step_fn = make_step_fn(session)  # the optimisers' state was replaced: a graphed step captures anew
        if session.step % train_cfg.sample_every:  # else the interval has just drawn it
            intervals.save_samples(session.step)
    if stop_request.requested:
        launcher = "torchrun [your torchrun options] -m gankit" if session.world.size > 1 else "gankit"
        log(f"stopped at step {session.step}; checkpoint saved. Continue with: {launcher} train --resume {session.run_dir}")
    return session.step
