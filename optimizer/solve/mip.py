"""Global optima with S-shaped curves, minimum buy-ins and a limit on active channels (refined MILPs).

Curves enter as piecewise-linear segments filled in order; where slopes still rise (the convex
start of an S-curve) binaries enforce that order, so the solver's answer is the global optimum of
the piecewise model. A buy-in makes spend 0 or at least ``min_buy_in`` through an on/off binary.

Certificate: the MILP's proven bound on the piecewise model, plus each channel's largest rise of
the true curve above its chords (times the objective's weight), bounds every plan on the TRUE
curves; the plan's true value is the lower bound. Breakpoints are refined until they meet. Each
piecewise model is solved only to a quarter of the tolerance, and starts from the best plan so far
(one of its breakpoints).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from optimizer.errors import SolverError
from optimizer.model.program import Approach, LinearObjective, Program, Status
from optimizer.solve.backends import Backend, Outcome
from optimizer.solve.breakpoints import chord_errors, initial_points, refine_points, upper_envelope
from optimizer.solve.segments import build
from optimizer.solve.solution import Solution

MAX_ROUNDS = 12
MIP_GAP = 1e-7  # the relative gap the solver must prove where the tolerance is absolute (it stops at either)


@dataclass(frozen=True)
class Ranges:
    """Where each channel's segments start, whether it may stay off, and its ceiling."""

    start: np.ndarray
    optional: np.ndarray
    program: Program  # with ceilings of 0 where a buy-in is above the ceiling


def integer_ranges(program: Program) -> Ranges:
    """Segments start at the buy-in where the channel may also be off, else at its floor."""
    lo, hi = program.lo, program.hi
    m = np.nan_to_num(program.buy_in, nan=0.0)
    hi = np.where((lo <= 0) & (m > hi), 0.0, hi)  # a buy-in above the ceiling: the channel stays off
    optional = (lo <= 0) & (m > 0) & (hi >= m)
    start = np.where(optional, m, np.maximum(lo, np.where(lo > 0, m, 0.0)))
    return Ranges(start, optional, replace(program, lo=lo, hi=hi))


def maximize_mip(program: Program, objective: LinearObjective, backend: Backend, rel_tol: float,
                 deadline: float | None = None, points: list[np.ndarray] | None = None,
                 scale: float | None = None) -> Solution:
    """Maximize ``objective`` over the true curves with buy-ins and S-curves, refining until certified.

    ``points`` (each channel's breakpoints) is refined in place, so repeated calls start where the
    last one ended; ``scale`` sets the absolute tolerance (default: the objective's own size);
    ``deadline`` (a ``time.monotonic()`` value) bounds every round together.
    """
    ranges = integer_ranges(program)
    program = ranges.program
    if points is None:
        points = []
    if not points:
        points += [initial_points(b, h, bool(c), turn=t) for b, h, c, t in
                   zip(ranges.start, program.hi, program.curves.concave, program.curves.inflection(), strict=True)]
    best = None
    gaps = (MIP_GAP, 0.25 * rel_tol * scale) if scale is not None else (0.25 * rel_tol, None)
    above = _above_applies(program, objective)
    turn = program.curves.inflection()
    for rounds in range(1, MAX_ROUNDS + 1):
        shapes = [upper_envelope(program.curves, i, p, turn[i]) for i, p in enumerate(points)] if above else None
        model = build(program, objective, [s[0] for s in shapes] if above else points, integer=True,
                      start=ranges.start, optional=ranges.optional, plan=None if best is None else best.spend,
                      values=[s[1] for s in shapes] if above else None)
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0 and best is not None:
            return _replace_status(best, Status.time_limit, rounds - 1)
        answer = backend.solve(model, None if left is None else max(left, 0.01), gaps[0], start=model.start,
                               abs_gap=gaps[1])
        if answer.outcome == Outcome.no_plan and best is not None:  # the finer model ran out of time
            return _replace_status(best, Status.time_limit, rounds - 1)
        if answer.outcome == Outcome.no_plan:
            raise SolverError("the solver found no plan within the time limit; allow more time with `time_limit`, "
                              "or use fewer S-curves, buy-ins or channels")
        if answer.outcome != Outcome.optimal and answer.outcome != Outcome.time_limit:
            return Solution(Status.infeasible, program.lo.copy(), np.nan, np.nan, Approach.refined_milp, rounds,
                            model=model)
        x = answer.spend(model)
        x = np.where(x < 1e-9 * max(program.hi.max(), 1.0), 0.0, x)
        value = objective.evaluate(program.curves.customers(x), x)
        weight = np.maximum(objective.alpha, 0)
        upper = answer.bound + (0.0 if above else float(weight @ chord_errors(program.curves, points)))
        status = Status.optimal if answer.outcome == Outcome.optimal else Status.time_limit
        if best is None or value > best.value:
            best = Solution(status, x, value, upper, Approach.refined_milp, rounds, model=model)
        best = Solution(best.status, best.spend, best.value, min(upper, best.upper), Approach.refined_milp, rounds,
                        model=model)
        target = rel_tol * (scale if scale is not None else max(abs(best.value), 1e-12))
        if status != Status.optimal or best.upper - best.value <= target:
            return best
        share = np.inf if above else 0.25 * target / max(len(points), 1)  # each channel's share of the error
        points[:] = [refine_points(program.curves, i, p, x[i], share / weight[i] if weight[i] > 0 else np.inf)
                     for i, p in enumerate(points)]
    return best


def _above_applies(program: Program, objective: LinearObjective) -> bool:
    """Whether a model of curves from above bounds the optimum: no row counts customers (a curve from above
    would loosen a floor on them but tighten a ceiling) and the objective values every customer."""
    rows = any(np.any(r.p) for r in program.rows) or any(b.has_customers for b in program.blocks)
    return not rows and bool(np.all(objective.alpha >= 0))


def _replace_status(sol: Solution, status: Status, rounds: int) -> Solution:
    return Solution(status, sol.spend, sol.value, sol.upper, sol.approach, rounds, model=sol.model)
