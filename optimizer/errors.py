"""The one error hierarchy of ltvcac: the library raises these, the command line prints them.

Messages speak of the library's own parameters, written in backquotes (`min_ratio`); the command
line shows them as its flags (--min-ratio) through :meth:`OptimizerError.render`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_PARAMETER = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")


def render(text: str, name_of: Callable[[str], str | None] | None = None) -> str:
    """``text`` with each `parameter` shown as ``name_of(parameter)`` (kept as it is when that is None)."""
    def show(match: re.Match) -> str:
        name = name_of(match.group(1)) if name_of else None
        return name or match.group(0)

    return _PARAMETER.sub(show, text)


class OptimizerError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1

    def render(self, name_of: Callable[[str], str | None] | None = None) -> str:
        """The message with each `parameter` shown as ``name_of(parameter)`` (kept as it is when None)."""
        return render(str(self), name_of)


class UsageError(OptimizerError):
    """Settings that cannot work together (the command line's exit code 2)."""

    exit_code = 2


class SolverError(OptimizerError):
    """The solver is missing or failed in a way that is not the model's fault."""


class OutputError(OptimizerError):
    """An output cannot be written (no such folder, not writable, would replace an input)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file: where it is and what would fix it."""

    message: str
    line: int | None = None
    channel: str | None = None
    column: str | None = None
    line_word: str = "line"
    key: str | None = None  # a scenario file's key, such as adjust[2].cac

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"{self.line_word} {self.line}")
        if self.channel is not None:
            where.append(f"channel {self.channel!r}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.key is not None:
            where.append(f"key {self.key!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InputError(OptimizerError):
    """An input file (or table) has problems; every problem found is listed."""

    def __init__(self, source: str, problems: list[Problem] | tuple[Problem, ...]):
        self.source = source
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"{source}: {count} problem{'s' if count != 1 else ''} found, nothing was written"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))
