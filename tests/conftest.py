"""Shared fixtures: the example table, small tables written in several spreadsheet dialects."""

from __future__ import annotations

import os
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


SLOW = "slow: runs in CI (CI=true, as .ci/run has it there) or with LTVCAC_SLOW=1; skipped otherwise"


def pytest_configure(config):
    config.addinivalue_line("markers", SLOW)


def pytest_collection_modifyitems(config, items):
    """Slow tests (the README's every command) run in CI and on request, so the default suite stays quick."""
    if os.environ.get("CI", "").lower() in ("1", "true") or os.environ.get("LTVCAC_SLOW"):
        return
    skip = pytest.mark.skip(reason=SLOW)
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
