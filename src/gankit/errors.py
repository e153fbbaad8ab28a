"""The one error type users see.

Every failure caused by the user's input (data, config, checkpoint, run folder) raises a
`GankitError` whose message is one line saying what is wrong and how to fix it. The CLI prints
that line and exits with code 2, without a traceback (unless `--debug`).
"""


class GankitError(Exception):
    """A user-facing error: `str(err)` is one line naming the fault and its fix."""

    def __str__(self) -> str:
        # Messages quote user input (keys, values, file names), which may hold line breaks.
        return super().__str__().replace("\r", "\\r").replace("\n", "\\n")


class DataError(GankitError):
    """Missing, corrupt or unreadable dataset files."""


class ConfigError(GankitError):
    """Unknown keys, wrong types or out-of-range values in a config or an override."""


class CheckpointError(GankitError):
    """A checkpoint that cannot be read, or that does not fit the run."""


class RunError(GankitError):
    """A run folder that is missing, incomplete or already exists."""


class WriteError(GankitError):
    """A file gankit had to write could not be: a full disk, a read-only folder, a file in the way."""
