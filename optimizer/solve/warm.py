"""Warm starts between refinement rounds: the last LP's basis carried to the model on the finer grid.

A round only adds breakpoints, and the last plan is one of them, so on the new grid the plan is still
there: every step below a cell's spend full (at its upper bound), every step above it empty. The rows and
the spend columns are the same, and keep their statuses; a cell whose step was basic keeps one basic
step, the piece that ends at its spend (with only spend in the rows, every step of a cell is the same
column of the matrix, so the basis stays regular). The carried basis is primal feasible: HiGHS restarts
from the last plan instead of from scratch, and only the cells whose plan moves cost iterations.
"""

from __future__ import annotations

import numpy as np

from optimizer.solve.answer import Basis
from optimizer.solve.breakpoints import Grid

LOWER, BASIC, UPPER = 0, 1, 2  # HiGHS's basis status codes


def carry(basis: Basis | None, before: np.ndarray, grid: Grid, x: np.ndarray) -> Basis | None:
    """``basis``, of the LP over a grid of ``before`` points per cell, on ``grid`` (refined since, with the
    plan ``x`` among its points); None when it cannot be carried (the LP then starts from scratch)."""
    n = len(before)
    old_steps, new_steps = np.maximum(before - 1, 0), np.maximum(grid.counts - 1, 0)
    if basis is None or len(basis.columns) != n + old_steps.sum():
        return None
    basic = np.bincount(np.repeat(np.arange(n), old_steps), basis.columns[n:] == BASIC, minlength=n)
    if (basic > 1).any():  # customer terms in the rows make steps differ; do not guess
        return None
    owner = np.repeat(np.arange(n), new_steps)
    ends = np.delete(grid.flat, np.cumsum(grid.counts) - grid.counts)  # each step's right end
    tol = 1e-9 * np.maximum(grid.hi - grid.lo, 1.0)
    full = ends <= x[owner] + tol[owner]
    status = np.where(full, UPPER, LOWER).astype(np.int8)
    first = np.cumsum(new_steps) - new_steps
    filled = np.bincount(owner, full, minlength=n).astype(np.int64)
    cells = np.flatnonzero((basic == 1) & (new_steps > 0))
    status[first[cells] + np.clip(filled[cells] - 1, 0, new_steps[cells] - 1)] = BASIC
    return Basis(np.concatenate([basis.columns[:n], status]), basis.rows)
