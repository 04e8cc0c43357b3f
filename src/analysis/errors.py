"""User-facing errors: raised with a Chinese message, printed by the CLI without a traceback."""
from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input or invocation; `str(err)` is the Chinese message."""

    exit_code = 2


class DataFileError(UserError):
    """A project data file (catalog, registry) is malformed."""


class InputError(UserError):
    """Input that cannot be used (a missing store, refused data): exit code 1, where a usage mistake gives 2."""

    exit_code = 1
