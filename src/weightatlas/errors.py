"""Errors that name the input at fault.

Every problem with user-supplied or source data is raised as :class:`InputError`
with the file, the line and the field, so the CLI can print one clear message
and exit with code 2 without leaving anything half-written.
"""

from __future__ import annotations

from pathlib import Path


class WeightatlasError(Exception):
    """Base class for errors the CLI reports without a traceback."""


class InputError(WeightatlasError):
    """Bad input: a file, a line in it, and the field that is wrong."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.message = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
