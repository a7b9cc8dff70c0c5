"""Global optima with S-shaped curves, minimum buy-ins and a limit on active channels (MILP).

Curves enter as piecewise-linear segments filled in order; where slopes still rise (the convex
start of an S-curve) binaries enforce that order, so the solver's answer is the global optimum of
the piecewise model. A buy-in makes spend 0 or at least ``min_buy_in`` through an on/off binary.

Certificate: the MILP's proven bound on the piecewise model, plus each channel's largest rise of
the true curve above its chords (times the objective's weight), bounds every plan on the TRUE
curves; the plan's true value is the lower bound. Breakpoints are refined until they meet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pulp

from optimizer.errors import SolverError
from optimizer.lp import Objective

SAMPLES = 48  # points per segment where the curve's rise above its chord is measured
MAX_ROUNDS = 12


@dataclass(frozen=True)
class MipSolution:
    """A plan, its true objective, a proven upper bound, and how the solver finished."""

    status: str  # optimal, time limit, infeasible
    spend: np.ndarray
    value: float
    upper: float
    rounds: int
    lp: pulp.LpProblem | None


def solve_mip(problem, objective: Objective, buy_in: np.ndarray, max_active: int | None, rel_tol: float,
              time_limit: float | None = None, points: list[np.ndarray] | None = None,
              scale: float | None = None) -> MipSolution:
    """Maximize ``objective`` over the true curves with buy-ins and S-curves, refining until certified.

    ``points`` (each channel's breakpoints) is refined in place, so repeated calls start where the
    last one ended; ``scale`` sets the absolute tolerance (default: the objective's own size).
    """
    deadline = None if time_limit is None else time.monotonic() + time_limit  # a total, across rounds
    base, lo, hi = _ranges(problem, buy_in)
    if points is None:
        points = []
    if not points:
        points += [_initial(b, h, problem.curves, i) for i, (b, h) in enumerate(zip(base, hi, strict=True))]
    best = None
    for rounds in range(1, MAX_ROUNDS + 1):
        prob, spend_vars = _build(problem, objective, points, base, lo, hi, max_active)
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0 and best is not None:
            return MipSolution("time limit", best.spend, best.value, best.upper, rounds - 1, best.lp)
        status, bound = _solve(prob, problem.solver, None if left is None else max(left, 0.01))
        if status == "no plan" and best is not None:  # the finer model ran out of time: keep the last plan
            return MipSolution("time limit", best.spend, best.value, best.upper, rounds - 1, best.lp)
        if status == "no plan":
            raise SolverError(f"HiGHS found no plan within the time limit of {time_limit:g} s; allow more time "
                              "with --time-limit, or fewer S-curves, buy-ins or channels")
        if status == "infeasible":
            return MipSolution("infeasible", lo.copy(), float("nan"), float("nan"), rounds, prob)
        x = np.array([v.varValue or 0.0 for v in spend_vars])
        x = np.where(x < 1e-9 * max(hi.max(), 1.0), 0.0, x)
        value = objective.evaluate(problem.curves.customers(x), x)
        error = float(np.maximum(objective.alpha, 0) @ _chord_error(problem.curves, points))
        upper = bound + error
        if best is None or value > best.value:
            best = MipSolution(status, x, value, upper, rounds, prob)
        best = MipSolution(best.status, best.spend, best.value, min(upper, best.upper), rounds, prob)
        target = rel_tol * (scale if scale is not None else max(abs(best.value), 1e-12))
        if status != "optimal" or best.upper - best.value <= target:
            return best
        share = 0.25 * target / max(len(points), 1)  # each channel's share of the allowed approximation error
        weight = np.maximum(objective.alpha, 0)
        points[:] = [_refine(problem.curves, i, p, x[i], share / weight[i] if weight[i] > 0 else np.inf)
                     for i, p in enumerate(points)]
    return best


def _ranges(problem, buy_in: np.ndarray):
    """Start of each channel's curve segments: its buy-in when it may also be off, else its floor."""
    lo, hi = problem.lo, problem.hi
    m = np.nan_to_num(buy_in, nan=0.0)
    hi = np.where((lo <= 0) & (m > hi), 0.0, hi)  # a buy-in above the ceiling: the channel stays off
    on_off = (lo <= 0) & (m > 0) & (hi >= m)
    base = np.where(on_off, m, np.maximum(lo, np.where(lo > 0, m, 0.0)))
    return base, np.where(on_off, 0.0, base), hi


def _initial(base: float, hi: float, curves, i: int, count: int = 16) -> np.ndarray:
    """Even breakpoints, plus geometric ones near the start of a concave curve (a power curve's slope
    is infinite at 0); an S-curve's flat start needs none, and each would cost a binary."""
    if hi <= base:
        return np.array([base])
    even = np.linspace(base, hi, count + 1)
    if not curves.concave[i]:
        return even
    return np.unique(np.concatenate([even, base + (hi - base) * np.logspace(-8, -1, 8)]))


def _refine(curves, i: int, pts: np.ndarray, x: float, allowed: float) -> np.ndarray:
    """Halve every segment whose chord error is above ``allowed``, and those next to the plan's spend."""
    if len(pts) < 2:
        return pts
    errors = _segment_errors(curves, i, pts)
    worst = np.flatnonzero(errors > allowed)
    new = list((pts[worst] + pts[worst + 1]) / 2)
    k = int(np.clip(np.searchsorted(pts, x), 1, len(pts) - 1))
    new += [(pts[k - 1] + x) / 2, (pts[k] + x) / 2, x]
    return np.unique(np.clip(np.concatenate([pts, new]), pts[0], pts[-1]))


def _segment_errors(curves, i: int, pts: np.ndarray) -> np.ndarray:
    t = np.linspace(0, 1, SAMPLES)
    xs = pts[:-1, None] + (pts[1:] - pts[:-1])[:, None] * t[None, :]
    c = curves.customers_along(i, xs.ravel()).reshape(xs.shape)
    chord = c[:, :1] + (c[:, -1:] - c[:, :1]) * t[None, :]
    return np.maximum(c - chord, 0.0).max(axis=1)


def _chord_error(curves, points: list[np.ndarray]) -> np.ndarray:
    """Per channel, the largest rise of the true curve above the piecewise model."""
    return np.array([_segment_errors(curves, i, p).max() if len(p) > 1 else 0.0 for i, p in enumerate(points)])


def _build(problem, objective: Objective, points, base, lo, hi, max_active):
    prob = pulp.LpProblem(problem.title, pulp.LpMaximize)
    obj_terms, row_terms, spend_vars, switches = [], [[] for _ in problem.rows], [], []
    constant = objective.constant
    for i, name in enumerate(problem.names):
        pts = points[i]
        x = prob.add_variable(f"spend_{name}", 0.0, float(hi[i]))
        spend_vars.append(x)
        c = problem.curves.customers_along(i, pts)
        on_off = base[i] > lo[i] or (max_active is not None and hi[i] > 0)
        u = prob.add_variable(f"on_{name}", 0, 1, cat="Binary") if on_off else None
        if u is not None:
            switches.append(u)
        start = float(base[i])
        steps = [prob.add_variable(f"{name}_step{j + 1}", 0.0, float(w)) for j, w in enumerate(np.diff(pts))]
        link = [(x, 1.0), *((s, -1.0) for s in steps)]
        if u is not None:
            link.append((u, -start))
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(x, 1.0), (u, -float(hi[i]))]),
                                                 pulp.LpConstraintLE, f"switch_{name}", 0.0))
            for s, w in zip(steps, np.diff(pts), strict=True):
                prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(s, 1.0), (u, -float(w))]),
                                                     pulp.LpConstraintLE, None, 0.0))
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(link), pulp.LpConstraintEQ, f"curve_{name}",
                                             0.0 if u is not None else start))
        _order(prob, name, steps, np.diff(pts), np.diff(c) / np.diff(pts) if len(pts) > 1 else np.array([]))
        slopes = np.diff(c) / np.diff(pts) if len(pts) > 1 else np.array([])
        a, b = float(objective.alpha[i]), float(objective.beta[i])
        first = a * float(c[0])
        if u is not None and first:
            obj_terms.append((u, first))
        else:
            constant += first
        obj_terms += [(s, a * float(k)) for s, k in zip(steps, slopes, strict=True) if a]
        if b:
            obj_terms.append((x, -b))
        for r, row in enumerate(problem.rows):
            if row.q[i]:
                row_terms[r].append((x, float(row.q[i])))
    prob.setObjective(pulp.LpAffineExpression(obj_terms, constant=constant))
    senses = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "=": pulp.LpConstraintEQ}
    for row, terms in zip(problem.rows, row_terms, strict=True):
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), senses[row.sense], row.name, row.rhs))
    if max_active is not None:
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(u, 1.0) for u in switches]),
                                             pulp.LpConstraintLE, "max_active", float(max_active)))
    return prob, spend_vars


def _order(prob, name: str, steps, widths, slopes) -> None:
    """Binaries that fill segments in order, wherever some later slope beats an earlier one.

    A concave curve needs none (the LP fills its steepest segments first anyway). Past an
    S-curve's peak the slopes fall, but they still beat its flat start, so every pair is chained.
    """
    if len(slopes) < 2 or np.all(np.diff(slopes) <= 1e-12 * max(abs(slopes).max(), 1e-300)):
        return
    for j in range(len(slopes) - 1):  # one missing link lets the solver skip ahead
        full = prob.add_variable(f"{name}_full{j + 1}", 0, 1, cat="Binary")
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(steps[j], 1.0), (full, -float(widths[j]))]),
                                             pulp.LpConstraintGE, None, 0.0))
        prob.addConstraint(pulp.LpConstraint(
            pulp.LpAffineExpression([(steps[j + 1], 1.0), (full, -float(widths[j + 1]))]),
            pulp.LpConstraintLE, None, 0.0))


def _solve(prob: pulp.LpProblem, solver: str, time_limit: float | None) -> tuple[str, float]:
    """Status and the proven upper bound on the piecewise model's optimum."""
    if solver == "highs":
        import highspy

        prob.solve(pulp.HiGHS(msg=False, gapRel=1e-7, timeLimit=time_limit))
        status = prob.solverModel.getModelStatus()
        info = prob.solverModel.getInfo()
        has_solution = prob.solverModel.getSolution().value_valid
        if status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", float("nan")
        if status == highspy.HighsModelStatus.kOptimal:
            return "optimal", max(pulp.value(prob.objective), -info.mip_dual_bound + prob.objective.constant)
        if status == highspy.HighsModelStatus.kTimeLimit and has_solution:
            return "time limit", -info.mip_dual_bound + prob.objective.constant
        if status == highspy.HighsModelStatus.kTimeLimit:
            return "no plan", float("nan")
        raise SolverError(f"HiGHS stopped without a plan ({prob.solverModel.modelStatusToString(status)})")
    from optimizer.solvers import SOLVERS

    solver_obj = SOLVERS[solver]()
    solver_obj.timeLimit, solver_obj.optionsDict["gapRel"] = time_limit, 1e-7
    prob.solve(solver_obj)
    if prob.status == pulp.LpStatusInfeasible:
        return "infeasible", float("nan")
    if prob.status != pulp.LpStatusOptimal:
        raise SolverError(f"CBC stopped without a plan ({pulp.LpStatus[prob.status]})")
    return "optimal", pulp.value(prob.objective) * (1 + 1e-7)



def needs_integers(table, settings) -> bool:
    """Whether the plan needs the mixed-integer model: S-curves, buy-ins or an active-channel limit."""
    return bool((~table.curves.concave).any() or (np.nan_to_num(table.min_buy_in) > 0).any()
                or settings.max_active is not None)
