"""Shared fixtures: the example table, small tables written in several spreadsheet dialects."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from optimizer.solve.backends import BACKENDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "channels.csv"
# Hypothesis: a few fixed examples per command in every run; thousands each with `pytest -m fuzz`.
# LTVCAC_FUZZ_EXAMPLES sets the number per command for either.
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("quick", max_examples=int(os.environ.get("LTVCAC_FUZZ_EXAMPLES", 3)), deadline=None,
                          derandomize=True, database=None, suppress_health_check=_SLOW)
settings.register_profile("fuzz", max_examples=int(os.environ.get("LTVCAC_FUZZ_EXAMPLES", 2000)), deadline=None,
                          suppress_health_check=_SLOW)


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
    settings.load_profile("fuzz" if "fuzz" in (config.option.markexpr or "") else "quick")


def pytest_collection_modifyitems(config, items):
    """Slow tests (the README's every command) run in CI and on request, so the default suite stays quick."""
    if os.environ.get("CI", "").lower() in ("1", "true") or os.environ.get("LTVCAC_SLOW"):
        return
    skip = pytest.mark.skip(reason=SLOW)
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
