"""User-facing errors: the CLI prints them as one line and exits non-zero (no traceback)."""

from __future__ import annotations


class CrnnOcrError(Exception):
    """A problem the user can fix (bad input, bad params, missing file)."""


class DataError(CrnnOcrError):
    """A dataset, file or row is unusable; the message names the file, row and reason."""
