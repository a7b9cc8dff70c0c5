"""What a job returns: text for the terminal, the files it wrote, and its result where it has one."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.results.result import Result

EXIT_BAD_INPUT, EXIT_INFEASIBLE = 1, 3


@dataclass(frozen=True)
class Job:
    """A finished job: what to show, what to warn about, what was written."""

    text: str = ""
    written: tuple[Path, ...] = ()
    result: Result | None = None
    notes: str = ""  # for stderr: notes about the data
    replaced: tuple[Path, ...] = ()  # of the files written, those that replaced an earlier file


@dataclass(frozen=True)
class Batch:
    """A finished batch of scenarios: lines to show (and whether each is a warning), files, exit code."""

    lines: list[tuple[str, bool]] = field(default_factory=list)
    written: tuple[Path, ...] = ()
    exit_code: int = 0
    replaced: tuple[Path, ...] = ()  # of the files written, those that replaced an earlier file


def written_lines(paths, replaced=()) -> list[str]:
    """One line per file written ("Replaced" for those in ``replaced``, which existed before); charts (PNG
    and SVG in one folder) on one line per folder."""
    paths = [Path(p) for p in paths]
    replaced = {Path(p) for p in replaced}
    charts: dict[Path, list[str]] = {}
    lines = []
    for path in paths:
        if path.suffix.lower() in (".png", ".svg"):
            charts.setdefault(path.parent, []).append(path.name)
        else:
            lines.append(f"{'Replaced' if path in replaced else 'Wrote'} {path}")
    lines += [f"Wrote charts to {folder}: {', '.join(names)}" for folder, names in charts.items()]
    return lines


def note_lines(notes) -> str:
    return "\n".join(f"note: {n}" for n in notes)


def existing(*paths) -> tuple[Path, ...]:
    """Those of ``paths`` that are files already (so writing them replaces them)."""
    return tuple(Path(p) for p in paths if p is not None and Path(p).is_file())


def within_time(scenario, started: float):
    """``scenario`` with its time limit counted from ``started`` (when the command began): what reading took is
    spent, and 5 % of the limit (and half a second) is kept for what follows the solve, so the limit covers the
    whole command."""
    limit = scenario.settings.time_limit
    if limit is None:
        return scenario
    left = limit - (time.monotonic() - started) - 0.05 * limit - 0.5
    return dataclasses.replace(scenario, settings=scenario.settings.replace(time_limit=max(left, 0.1)))
