"""Errors the coach reports to people: each says what happened and what to do.

The CLI prints `str(error)` without a traceback and exits with `error.exit_code`;
the windows show the same text in a dialog.
"""

from __future__ import annotations

from pathlib import Path


class CoachError(Exception):
    """Base class: `problem` says what happened, `hint` what to do about it."""

    exit_code = 1

    def __init__(self, problem: str, hint: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.problem}\n  {self.hint}" if self.hint else self.problem


class InputError(CoachError):
    """A file or device given by the user cannot be used (missing, unreadable, corrupt)."""

    exit_code = 2


class NoPersonError(CoachError):
    """The pose model found nobody in the whole input."""

    exit_code = 3


class ModelError(CoachError):
    """The pose model file is missing or cannot be loaded."""

    exit_code = 4


class DefinitionError(CoachError):
    """An exercise definition (poses/*.toml) is malformed or inconsistent."""

    exit_code = 2

    def __init__(self, path: Path | str, field: str, problem: str, hint: str = "") -> None:
        self.path = Path(path)
        self.field = field
        where = f'{self.path}, field "{field}"' if field else str(self.path)
        self._args = (path, field, problem, hint)
        super().__init__(f"{where}:\n  {problem}", hint)

    def __reduce__(self):  # noqa: ANN204 - errors cross process pools (coach regress --jobs)
        return (type(self), self._args)
