"""Writing files so that a fault is one line and loses nothing: which path, what went wrong
(disk full, read-only, not a folder), what to do.

    with writing(run_dir / "checkpoints", "a checkpoint"):   # any OSError -> WriteError
        ...
    with replacing(path, "an image") as tmp:                  # write tmp; renamed over path on success
        picture.save(tmp, format="PNG")
    check_output_path(out, flag="--out", suffixes=(".png",))  # before any work: ConfigError

An `OSError` (Python's, or Pillow's on a full disk) becomes a `WriteError`, which the CLI prints
as `gankit: error: ...` with exit code 2. `replacing` makes a write whole or nothing (a temporary
file, then a rename); appends to logs are made so by `gankit.jsonlog`.
"""

import errno
from contextlib import contextmanager
from pathlib import Path

from .errors import ConfigError, WriteError

# errno -> (what happened, what to do about it)
FAULTS = {
    errno.ENOSPC: ("the disk is full", "free some space"),
    errno.EDQUOT: ("the disk quota is used up", "free some space"),
    errno.EROFS: ("the file system is read-only", "make it writable or choose another folder"),
    errno.EACCES: ("permission denied", "make the folder writable or choose another one"),
    errno.EPERM: ("permission denied", "make the folder writable or choose another one"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose a path made of folders"),
    errno.ENOENT: ("its folder does not exist", "create the folder or choose another path"),
    errno.EISDIR: ("it is a folder", "choose a file name"),
    errno.EEXIST: ("a file is in the way", "move the file away or choose another path"),
}


def describe(err: OSError) -> tuple[str, str]:
    """(what happened, what to do) for an `OSError`, in words a user can act on."""
    return FAULTS.get(err.errno, (" ".join((err.strerror or str(err) or type(err).__name__).split()).lower(),
                                  "check the path and the disk"))


def write_error(path: str | Path, err: OSError, what: str) -> WriteError:
    """`WriteError("PATH: could not write WHAT: FAULT; FIX")`, PATH being the file the OS named if any."""
    fault, fix = describe(err)
    return WriteError(f"{err.filename or path}: could not write {what}: {fault}; {fix}")


@contextmanager
def writing(path: str | Path, what: str):
    """Turn any `OSError` raised inside into a `write_error` naming `path` and `what` it held."""
    try:
        yield
    except OSError as err:
        raise write_error(path, err, what) from None


@contextmanager
def replacing(path: str | Path, what: str):
    """Yield a temporary path next to `path` to write to; on success it replaces `path`, on any
    `OSError` it is removed and a `write_error` raised: a full disk never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{path.suffix}")  # same suffix: writers pick the format by it
    try:
        with writing(path, what):
            yield tmp
            tmp.replace(path)
    finally:
        discard(tmp)


def discard(path: str | Path) -> None:
    """Remove a temporary file if it is there; never raises (a read-only folder refuses even to
    remove a file that does not exist)."""
    try:
        Path(path).unlink(missing_ok=True)
    except OSError:
        pass


def write_text_atomic(path: str | Path, text: str, what: str) -> None:
    """Replace `path` with `text` whole or not at all; `WriteError` names `path` and `what` it holds."""
    with replacing(path, what) as tmp:
        tmp.write_text(text)


def check_output_path(path: str | Path, *, flag: str, suffixes: tuple[str, ...]) -> Path:
    """`path` if a file of one of `suffixes` (".png") can be created there, else `ConfigError` naming
    `flag` ("--out"): a folder in the way, an unknown extension, a missing or non-folder parent."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{flag} {path}: a folder; give a file name in it, such as {path / ('out' + suffixes[0])}")
    if path.suffix.lower() not in suffixes:
        raise ConfigError(f"{flag} {path}: unknown extension '{path.suffix}'; the file must end in "
                          f"{' or '.join(suffixes)}")
    parent = path.parent
    if not parent.exists():
        raise ConfigError(f"{flag} {path}: folder {parent} does not exist; create it first or write elsewhere")
    if not parent.is_dir():
        raise ConfigError(f"{flag} {path}: {parent} is a file, not a folder; write elsewhere")
    return path
