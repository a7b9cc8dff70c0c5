"""Certified optimization over true concave curves by refining piecewise-linear LPs.

Each LP gives a plan (a lower bound: the plan's objective on the TRUE curves) and dual values.
With those duals the Lagrangian of the true problem separates by channel and is maximized in
closed form, which gives an upper bound on what any plan could reach. Breakpoints are added
where the plan and the Lagrangian maximizer sit until the two bounds meet within tolerance.
The ratio objective is solved by Dinkelbach iterations of such value problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pulp

from optimizer.curves import Curves
from optimizer.lagrangian import lagrangian_bound
from optimizer.lp import Grid, Objective, Row, build
from optimizer.multiplier import solve_budget_only
from optimizer.solvers import solve

MAX_ROUNDS = 60


@dataclass(frozen=True)
class Problem:
    """A separable concave program: objective, linear rules and spend intervals."""

    names: tuple[str, ...]  # LP-safe channel names
    curves: Curves
    lo: np.ndarray
    hi: np.ndarray
    rows: tuple[Row, ...]
    solver: str
    title: str = "ltvcac"
    method: str = "auto"  # auto: exact multiplier method where it applies; lp: always LPs


@dataclass(frozen=True)
class Solution:
    """A certified plan: ``upper - value`` bounds how far it can be from the optimum."""

    status: str  # optimal or infeasible
    spend: np.ndarray
    value: float  # objective on the true curves
    upper: float  # proven upper bound on the optimum
    duals: dict[str, float]
    rounds: int
    lp: pulp.LpProblem | None
    objective: Objective | None = None


def maximize(problem: Problem, objective: Objective, grid: Grid, rel_tol: float,
             abs_tol: float = 0.0, enough: Callable[[float, float], bool] | None = None,
             progress: Callable[[str], None] | None = None) -> Solution:
    """Maximize ``objective`` over the true curves, refining ``grid`` until certified.

    Stops when ``upper - value <= max(abs_tol, rel_tol * |value|)``, or when ``enough(value,
    upper)`` says the caller has learnt what it needs. Where the budget is the only row and
    ``problem.method`` allows, the exact multiplier method replaces the LPs.
    """
    if problem.method == "auto" and len(problem.rows) == 1 and problem.rows[0].name == "budget":
        return _by_multiplier(problem, objective, grid)
    best = None
    for rounds in range(1, MAX_ROUNDS + 1):
        prob, spend_vars = build(problem.title, problem.names, problem.curves, grid, objective, list(problem.rows))
        outcome = solve(prob, problem.solver, tuple(r.name for r in problem.rows))
        if outcome.status != "optimal":
            return Solution(outcome.status, problem.lo.copy(), float("nan"), float("nan"), {}, rounds, prob)
        x = _read_spend(spend_vars, problem)
        value = objective.evaluate(problem.curves.customers(x), x)
        upper, x_dual = lagrangian_bound(problem, objective, outcome.duals)
        if best is None or value > best.value:
            best = Solution("optimal", x, value, upper, outcome.duals, rounds, prob, objective)
        upper = min(upper, best.upper)
        best = Solution("optimal", best.spend, best.value, upper, outcome.duals, rounds, prob, objective)
        if progress:
            progress(f"round {rounds}: {grid.size()} segments, gap {upper - best.value:.3g}")
        if upper - best.value <= max(abs_tol, rel_tol * abs(best.value)):
            return best
        if enough is not None and enough(best.value, upper):
            return best
        grid.refine(x, x_dual)
    return best


def maximize_ratio(problem: Problem, value_weight: np.ndarray, fixed: float, grid: Grid,
                   rel_tol: float, denominator_floor: float,
                   progress: Callable[[str], None] | None = None) -> tuple[Solution, float]:
    """Maximize sum(value_weight * customers) / (sum(spend) + fixed) by Dinkelbach's method.

    Each round maximizes ``value - lambda * cost`` for the best ratio ``lambda`` found so far;
    its upper bound U proves ``ratio <= lambda + U / denominator_floor`` for every plan.
    Returns the plan with the best ratio (``value``: that ratio, ``upper``: the proven bound;
    ``duals``: those of the last round) and the ``lambda`` of that last round.
    """
    n = len(problem.lo)
    lam, best, sol = 0.0, None, None
    for _ in range(MAX_ROUNDS):
        used = lam
        objective = Objective(value_weight, np.full(n, used), -used * fixed)
        abs_tol = 0.5 * rel_tol * max(used, 1e-12) * denominator_floor

        def enough(value: float, upper: float) -> bool:
            return value > 0 and upper - value < value  # a better ratio exists: move lambda first

        sol = maximize(problem, objective, grid, 0.0, abs_tol, enough, progress)
        if sol.status != "optimal":
            return sol, used
        ratio = float(value_weight @ problem.curves.customers(sol.spend)) / (sol.spend.sum() + fixed)
        if best is None or ratio > lam:
            lam, best = ratio, sol.spend
        upper_ratio = used + max(sol.upper, 0.0) / denominator_floor
        if upper_ratio - lam <= rel_tol * max(lam, 1e-300):
            break
    return Solution("optimal", best, lam, upper_ratio, sol.duals, sol.rounds, sol.lp, sol.objective), used


def _by_multiplier(problem: Problem, objective: Objective, grid: Grid) -> Solution:
    x, mu = solve_budget_only(problem, objective)
    value = objective.evaluate(problem.curves.customers(x), x)
    duals = {"budget": mu}
    upper, _ = lagrangian_bound(problem, objective, duals)
    for i in np.flatnonzero(problem.hi > problem.lo):
        grid.add(i, [x[i]])  # so that a written LP holds this plan exactly
    return Solution("optimal", x, value, max(upper, value), duals, 0, None, objective)


def _read_spend(spend_vars: list, problem: Problem) -> np.ndarray:
    x = problem.lo.copy()
    for i, var in enumerate(spend_vars):
        if var is not None and var.varValue is not None:
            x[i] = var.varValue
    return np.clip(x, problem.lo, problem.hi)
