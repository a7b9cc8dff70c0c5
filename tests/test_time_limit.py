"""A time limit covers the whole command: what reading took is spent, and some is kept for writing."""

from __future__ import annotations

import time

import pytest

from optimizer.jobs.job import within_time
from optimizer.whatif.scenario import load_source


def test_the_solver_gets_what_is_left_of_the_limit(example):
    scenario = load_source(example, {"time_limit": 10.0})
    started = time.monotonic() - 3.0  # as if reading had taken 3 seconds
    left = within_time(scenario, started).settings.time_limit
    assert left == pytest.approx(10.0 - 3.0 - 0.05 * 10.0 - 0.5, abs=0.5)  # minus the time this call took
    assert within_time(scenario, started - 60).settings.time_limit == 0.1  # late: the solver stops at once
    assert within_time(load_source(example, {}), started).settings.time_limit is None
