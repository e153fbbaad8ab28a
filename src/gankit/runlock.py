"""One process trains a run folder at a time: RUN/.lock holds the owner's PID.

    lock = claim_run(run_dir)   # RunError if a live process holds it; a dead owner's lock is taken over
    ...
    lock.release()

Two `gankit train --resume` of one run would both append to its logs and write its checkpoints;
the second is refused with one line. A lock left by a killed process (its PID no longer runs) is
stale and taken over, and whatever that process left half-written (a checkpoint's temporary file)
is removed by the new owner. Under torchrun only rank 0 claims the folder: it alone writes there.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from .checkpoint import remove_partial_writes
from .errors import RunError
from .writes import discard, writing

LOCK_NAME = ".lock"


@dataclass
class RunLock:
    path: Path  # RUN/.lock, holding this process's PID

    def release(self) -> None:
        """Remove the lock if this process still holds it."""
        if _owner(self.path) == os.getpid():
            discard(self.path)  # never raises: a failed release leaves a stale lock, taken over later


def claim_run(run_dir: Path) -> RunLock:
    """Take `run_dir` for this process and clear what an earlier, killed owner left half-written.
    `RunError` if another live process holds it; `WriteError` if the folder cannot be written."""
    path = Path(run_dir) / LOCK_NAME
    mine = path.with_name(f"{LOCK_NAME}.{os.getpid()}")
    with writing(path, "the run's lock file"):
        try:
            mine.write_text(f"{os.getpid()}\n")
            for _ in range(2):  # the second try after removing a stale lock
                try:
                    os.link(mine, path)  # atomic: the lock appears with its PID in it, or not at all
                except FileExistsError:
                    owner = _owner(path)
                    if owner is not None and owner != os.getpid() and _alive(owner):
                        raise RunError(f"{run_dir} is being trained by process {owner} (see {path}); wait for "
                                       f"it to end or stop it (kill {owner}), then resume") from None
                    path.unlink(missing_ok=True)  # stale: its owner is gone
                    continue
                remove_partial_writes(Path(run_dir) / "checkpoints")
                return RunLock(path)
        finally:
            discard(mine)
    raise RunError(f"{run_dir}: another process took the run's lock at the same moment; try again")


def _owner(path: Path) -> int | None:
    """The PID written in a lock file, or None if it is unreadable or not yet written."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
