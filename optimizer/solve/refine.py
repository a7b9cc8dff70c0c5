"""Certified optimization over true concave curves by refining piecewise-linear LPs.

Each LP gives a plan (a lower bound: the plan's objective on the TRUE curves) and dual values.
With those duals the Lagrangian of the true problem separates by channel and is maximized in
closed form, which gives an upper bound on what any plan could reach. Breakpoints are added
where the plan and the Lagrangian maximizer sit until the two bounds meet within tolerance.
The first grid is fine around a first plan (the few rules priced by their best multipliers,
:mod:`optimizer.solve.first_plan`), and each later LP starts from the last one's basis
(:mod:`optimizer.solve.warm`). Where the budget is the only row, the closed form replaces the LPs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from optimizer.model.program import Approach, LinearObjective, Program, Status
from optimizer.solve.backends import Backend, Outcome
from optimizer.solve.breakpoints import Grid
from optimizer.solve.certificate import lagrangian_bound
from optimizer.solve.closed_form import solve_budget_only
from optimizer.solve.first_plan import around, first_plan
from optimizer.solve.nested import Tree, nested_tree, solve_nested
from optimizer.solve.segments import build
from optimizer.solve.solution import Solution
from optimizer.solve.warm import carry

MAX_ROUNDS = 60


def maximize(program: Program, objective: LinearObjective, grid: Grid, backend: Backend, rel_tol: float,
             abs_tol: float = 0.0, enough: Callable[[float, float], bool] | None = None,
             progress: Callable[[str], None] | None = None, closed_form: bool = True) -> Solution:
    """Maximize ``objective`` over the true curves, refining ``grid`` until certified.

    Stops when ``upper - value <= max(abs_tol, rel_tol * |value|)``, or when ``enough(value,
    upper)`` says the caller has learnt what it needs. Where the budget is the only row and
    ``closed_form`` allows, the exact multiplier method replaces the LPs.
    """
    if closed_form and program.budget_only:
        return by_multiplier(program, objective, grid)
    tree = nested_tree(program) if closed_form and program.curves.concave.all() else None
    if tree is not None:
        return by_nested(program, objective, grid, *tree)
    best, carried, bound, bound_duals = None, None, np.inf, None
    if not grid.seeded and program.curves.concave.all():  # cut the curves finely where the optimum is likely
        x0, bound, bound_duals = first_plan(program, objective)
        grid.seed(around(x0))
    for rounds in range(1, MAX_ROUNDS + 1):
        model = build(program, objective, grid)
        answer = backend.solve(model, basis=carried)
        if answer.outcome != Outcome.optimal:
            return Solution(Status.infeasible, program.lo.copy(), np.nan, np.nan, Approach.refined_lp, rounds,
                            model=model)
        x = np.clip(answer.spend(model), program.lo, program.hi)
        value = objective.evaluate(program.curves.customers(x), x)
        duals = answer.multipliers(model)
        upper, x_dual = lagrangian_bound(program, objective, duals)
        if upper < bound:  # the plan is explained by the multipliers that certify it best
            bound, bound_duals = upper, duals
        if best is None or value > best.value:
            best_x, best_value = x, value
        best = Solution(Status.optimal, best_x, best_value, bound, Approach.refined_lp, rounds, bound_duals,
                        objective, model)
        upper = bound
        if progress:
            progress(f"round {rounds}: {grid.size()} segments, gap {upper - best.value:.3g}")
        if upper - best.value <= max(abs_tol, rel_tol * abs(best.value)):
            return best
        if enough is not None and enough(best.value, upper):
            return best
        before = grid.counts.copy()
        grid.refine(x, x_dual)
        carried = carry(answer.basis, before, grid, answer.spend(model))
    return best


def by_multiplier(program: Program, objective: LinearObjective, grid: Grid) -> Solution:
    """The closed form: bisection on the budget's multiplier."""
    x, mu = solve_budget_only(program, objective)
    value = objective.evaluate(program.curves.customers(x), x)
    duals = {"budget": mu}
    upper, _ = lagrangian_bound(program, objective, duals)
    grid.add_all(np.where(program.hi > program.lo, x, np.nan))  # so that a written LP holds this plan exactly
    return Solution(Status.optimal, x, value, max(upper, value), Approach.closed_form, 0, duals, objective)


def by_nested(program: Program, objective: LinearObjective, grid: Grid, tree: Tree, shares: dict) -> Solution:
    """Budgets in a tree: nested multipliers, exact, no LP."""
    x, duals = solve_nested(program, objective, tree, shares)
    if x is None:
        return Solution(Status.infeasible, program.lo.copy(), np.nan, np.nan, Approach.nested)
    value = objective.evaluate(program.curves.customers(x), x)
    upper, _ = lagrangian_bound(program, objective, duals)
    grid.add_all(np.where(program.hi > program.lo, x, np.nan))
    return Solution(Status.optimal, x, value, max(upper, value), Approach.nested, 0, duals, objective)
