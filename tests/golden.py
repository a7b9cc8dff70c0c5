"""Regenerate the golden LP file of the example: ``python tests/golden.py``; then read the diff.

The golden file changes only when the mathematics or the naming of the model does.
"""

from __future__ import annotations

import re
from pathlib import Path

import optimizer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "channels.csv"
GOLDEN = ROOT / "tests" / "data" / "example.lp"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def write_example_lp(path: Path) -> Path:
    """The LP model of the example at the optimum (closed form, so no solver decides it)."""
    optimizer.optimize(EXAMPLE, lp_file=path)
    return path


def tokens(text: str) -> list[str | float]:
    """The LP file as words and numbers (numbers as floats, to compare with a tolerance)."""
    return [float(t) if _NUMBER.match(t) else t for t in text.split()]


if __name__ == "__main__":
    write_example_lp(GOLDEN)
    print(f"Wrote {GOLDEN}")
