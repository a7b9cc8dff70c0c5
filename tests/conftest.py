"""Shared fixtures: the example table, small tables written in several spreadsheet dialects."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.solve.backends import BACKENDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "channels.csv"
SOLVERS = [name.value for name, backend in BACKENDS.items() if backend.available()]


@pytest.fixture
def example() -> Path:
    return EXAMPLE


@pytest.fixture
def write(tmp_path):
    """Write text to a file in a temporary folder (bytes are written as they are)."""
    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
