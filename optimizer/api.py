"""``optimize``: from a channel table and settings to a certified, explained plan."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.channels import Channels, read_channels
from optimizer.engine import Problem, Solution, maximize, maximize_ratio
from optimizer.errors import UsageError
from optimizer.explain import explain
from optimizer.export import write_lp
from optimizer.formatting import money
from optimizer.lagrangian import channel_coefficients
from optimizer.limits import Limits, budget_conflicts, channel_limits
from optimizer.lp import Grid, Objective, Row, build, lp_names
from optimizer.milp import MipSolution, needs_integers, solve_mip
from optimizer.plan import plan_frame
from optimizer.result import Portfolio, Result, RuleCheck
from optimizer.rules import GroupRule, RatioRule, RuleRow, rule_conflicts, rule_rows
from optimizer.settings import Objective as Goal
from optimizer.settings import Settings, parse_amount
from optimizer.solvers import resolve_solver


def optimize(
    channels: Channels | pd.DataFrame | str | Path,
    budget: float | str | None = None,
    objective: str = "ratio",
    budget_mode: str = "exact",
    max_change: float | None = None,
    min_ratio: float | None = None,
    fixed_costs: float = 0.0,
    solver: str | None = None,
    tolerance: float = 1e-6,
    method: str = "auto",
    rules: list[GroupRule | RatioRule] | None = None,
    max_active: int | None = None,
    time_limit: float | None = None,
    lp_file: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Recommend spend per channel that maximizes ``objective`` under the budget and rules.

    Parameters
    ----------
    channels
        A channel table: a path (CSV or Parquet), a DataFrame, or :func:`read_channels` output.
    budget
        Total budget; a number, a change of the current total (``"-20%"``) or None for the
        current total spend.
    objective
        ``ratio`` (portfolio LTV:CAC), ``value``, ``profit`` (value - spend) or ``customers``.
    budget_mode
        ``exact`` spends the whole budget; ``at-most`` may leave some unspent.
    max_change
        Keep each channel with spend today within (1 +- max_change) x its current spend.
    min_ratio
        Keep the portfolio LTV:CAC at or above this.
    fixed_costs
        Acquisition costs that are not media spend; added to the ratio's denominator.
    solver
        ``highs`` (default) or ``cbc``.
    tolerance
        Relative optimality the plan is proven to reach on the true curves.
    method
        ``auto`` solves a budget-only model exactly by its multiplier and everything else by
        refined LPs; ``lp`` always uses the LPs (to cross-check, or to use ``solver``).
    rules
        Group and ratio rules across channels (:class:`GroupRule`, :class:`RatioRule`).
    max_active
        At most this many channels may spend anything.
    time_limit
        Seconds the mixed-integer solver may take (S-curves, buy-ins, max_active); the plan found
        by then is returned with its proven gap and status ``time limit``.
    lp_file
        Where to write the final LP model, for reading or for another solver.
    progress
        Called with a short message after every LP round.

    Returns
    -------
    Result
        ``status`` optimal with the plan, or infeasible with a diagnosis.
    """
    table = channels if isinstance(channels, Channels) else read_channels(channels)
    current_total = float(table.spend.sum())
    amount = current_total if budget is None else parse_amount(budget, current_total)
    settings = Settings(objective, amount, budget_mode, max_change, min_ratio, fixed_costs, solver,
                        tolerance, method, max_active, time_limit)
    solver_name, solver_notes = resolve_solver(settings.solver)
    limits, conflicts = channel_limits(table, settings, amount)
    conflicts += budget_conflicts(table, limits)
    extra = rule_rows(list(rules or ()), table.names)
    problem = _problem(table, limits, settings, solver_name, extra)
    if not conflicts:
        conflicts += rule_conflicts(extra, limits.lo, limits.hi, problem.rows[0], solver_name)
    before = _portfolio(table, table.spend, settings.fixed_costs)
    notes = table.notes + solver_notes + _setting_notes(table, settings)
    base = dict(settings=settings, solver=solver_name, budget=amount, before=before, notes=notes, channels=table)
    if conflicts:
        _write_lp_anyway(lp_file, problem, table, limits)
        return Result("infeasible", diagnosis=tuple(conflicts), **base)
    run = _Run(table, limits, settings, problem, progress)
    outcome = run.solve()
    if lp_file is not None and outcome.solution is not None:
        run.write_lp(outcome.solution, lp_file)
    if outcome.diagnosis:
        return Result("infeasible", diagnosis=outcome.diagnosis, **base)
    return _result(table, limits, settings, outcome, base, extra)


class _Outcome:
    def __init__(self, solution: Solution | None, diagnosis: tuple[str, ...] = (), lam: float = 0.0,
                 solved_as: Goal | None = None, problem: Problem | None = None):
        self.solution, self.diagnosis, self.lam, self.solved_as = solution, diagnosis, lam, solved_as
        self.problem = problem  # the model whose multipliers the solution carries


class _Run:
    """One optimization: the grid it refines and the order of its solves."""

    def __init__(self, table: Channels, limits: Limits, settings: Settings, problem: Problem, progress):
        self.table, self.limits, self.settings, self.problem = table, limits, settings, problem
        self.progress = progress
        self.grid = Grid(limits.lo, limits.hi, table.spend)
        self.base_rows = tuple(r for r in problem.rows if r.name != "min_ratio")
        spend_floor = limits.budget if limits.exact else limits.lo.sum()
        self.floor = spend_floor + settings.fixed_costs  # the least cost any plan can have

    def solve(self) -> _Outcome:
        s = self.settings
        if needs_integers(self.table, s):
            return self.solve_integer()
        if s.min_ratio is not None and s.objective != Goal.ratio:
            unfloored = self.solve_plain(s.objective, rows=self.base_rows)
            if unfloored.solution is not None and self.ratio_of(unfloored.solution.spend) >= s.min_ratio:
                return unfloored  # the floor does not bind: this plan is optimal with it too
        if s.objective == Goal.ratio or s.min_ratio is not None:
            best = self.best_ratio()
            if best.diagnosis or s.min_ratio is None:
                return best
            reached = best.solution.value if best.solved_as is None else self.ratio_of(best.solution.spend)
            if reached < s.min_ratio * (1 - 1e-9):
                return _Outcome(None, (f"the best reachable LTV:CAC is {reached:.4g}, below the "
                                       f"minimum ratio {s.min_ratio:g}; lower --min-ratio, or change "
                                       "the budget or the channel limits",))
            if s.objective == Goal.ratio:
                return best
            for i in range(len(self.table)):
                self.grid.add(i, [best.solution.spend[i]])
        return self.solve_plain(s.objective)

    def best_ratio(self) -> _Outcome:
        if self.limits.exact:  # the cost is fixed, so the best ratio is the most value
            return self.solve_plain(Goal.value, rows=self.base_rows, solved_as=Goal.value)
        if self.floor <= 0:
            if self.settings.objective != Goal.ratio:  # spending next to nothing meets any floor
                return self._ratio_free()
            raise UsageError(
                "with objective ratio and budget mode at-most, the best LTV:CAC comes from spending "
                "next to nothing (the first unit of spend has the best ratio on these curves); add "
                "--fixed-costs (costs that do not scale with media spend), set min_spend on "
                "channels, or use --budget-mode exact"
            )
        problem = replace(self.problem, rows=self.base_rows)
        sol, lam = maximize_ratio(problem, self.table.ltv, self.settings.fixed_costs, self.grid,
                                  self.settings.tolerance, self.floor, self.progress)
        if sol.status != "optimal":
            return _Outcome(None, ("no plan keeps every rule",))
        return _Outcome(sol, lam=lam, problem=problem)

    def solve_integer(self) -> _Outcome:
        """S-curves, buy-ins or an active-channel limit: MILPs (Dinkelbach's iterations for the ratio)."""
        s, table = self.settings, self.table
        if s.min_ratio is not None:
            raise UsageError("--min-ratio is not yet supported with S-shaped curves, buy-ins or --max-active; "
                             "use --objective ratio, or leave out the ratio floor")
        tol = max(s.tolerance, 1e-4)
        problem = replace(self.problem, rows=self.base_rows)
        goal = Goal.value if s.objective == Goal.ratio and self.limits.exact else s.objective
        if goal != Goal.ratio:
            mip = solve_mip(problem, _linear_objective(goal, table), table.min_buy_in, s.max_active, tol, s.time_limit)
            return self._from_mip(mip, goal if goal == s.objective else Goal.value)
        if self.floor <= 0:
            raise UsageError("with objective ratio and budget mode at-most, add --fixed-costs or min_spend "
                             "(otherwise the best LTV:CAC comes from spending next to nothing)")
        lam, best, rounds, points = 0.0, None, 0, []
        n = len(table)
        deadline = None if s.time_limit is None else time.monotonic() + s.time_limit
        for step in range(1, 40):  # Dinkelbach: each MILP finds a better ratio until none exists
            rounds = step
            objective = Objective(table.ltv.astype(float), np.full(n, lam), -lam * s.fixed_costs)
            left = None if deadline is None else max(deadline - time.monotonic(), 0.01)
            mip = solve_mip(problem, objective, table.min_buy_in, s.max_active, tol * 0.5, left,
                            points, scale=max(lam, 1e-12) * self.floor)
            if mip.status == "infeasible":
                return self._from_mip(mip, None)
            ratio = self.ratio_of(mip.spend)
            if best is None or ratio > lam:
                best, lam = mip, max(ratio, lam)
            if mip.upper <= tol * lam * self.floor or mip.status == "time limit":
                break
        upper = lam + max(mip.upper, 0.0) / self.floor
        final = MipSolution(best.status, best.spend, lam, upper, rounds, best.lp)
        return self._from_mip(final, None, lam=lam)

    def _from_mip(self, mip: MipSolution, solved_as, lam: float = 0.0) -> _Outcome:
        if mip.status == "infeasible":
            return _Outcome(None, ("no plan keeps every rule together with the buy-ins and the active-channel "
                                   "limit; the mixed-integer model has no solution",))
        sol = Solution(mip.status, mip.spend, mip.value, mip.upper, {}, mip.rounds, mip.lp, None)
        return _Outcome(sol, solved_as=solved_as, lam=lam, problem=self.problem)

    def write_lp(self, sol: Solution, path) -> None:
        """The last LP solved, or, after the multiplier method, the LP of the same model."""
        if sol.lp is not None:
            write_lp(sol.lp, path)
        elif sol.objective is not None:
            p = self.problem
            write_lp(build(p.title, p.names, p.curves, self.grid, sol.objective, list(p.rows))[0], path)

    def _ratio_free(self) -> _Outcome:
        sol = Solution("optimal", self.limits.lo.copy(), math.inf, math.inf, {}, 0, None)
        return _Outcome(sol, solved_as=None)

    def solve_plain(self, goal: Goal, rows=None, solved_as: Goal | None = None) -> _Outcome:
        objective = _linear_objective(goal, self.table)
        problem = self.problem if rows is None else replace(self.problem, rows=tuple(rows))
        abs_tol = self.settings.tolerance * 1e-3 * (self.limits.budget + abs(objective.evaluate(
            self.table.curves.customers(self.table.spend), self.table.spend)))
        sol = maximize(problem, objective, self.grid, self.settings.tolerance, abs_tol, progress=self.progress)
        if sol.status != "optimal":
            return _Outcome(None, ("no plan keeps every rule together; the LP found no solution",))
        return _Outcome(sol, solved_as=solved_as or goal, problem=problem)

    def ratio_of(self, spend: np.ndarray) -> float:
        value = float(self.table.ltv @ self.table.curves.customers(spend))
        cost = spend.sum() + self.settings.fixed_costs
        return value / cost if cost > 0 else math.inf


def _problem(table: Channels, limits: Limits, settings: Settings, solver: str, extra: list[RuleRow]) -> Problem:
    n = len(table)
    rows = [Row("budget", np.zeros(n), np.ones(n), "=" if limits.exact else "<=", limits.budget)]
    rows += [rr.row for rr in extra]
    if settings.min_ratio is not None:
        r = settings.min_ratio
        rows.append(Row("min_ratio", table.ltv.copy(), np.full(n, -r), ">=", r * settings.fixed_costs))
    title = f"ltvcac_{settings.objective.value}"
    return Problem(lp_names(table.names), table.curves, limits.lo, limits.hi, tuple(rows), solver, title,
                   settings.method)


def _linear_objective(goal: Goal, table: Channels) -> Objective:
    n = len(table)
    if goal == Goal.customers:
        return Objective(np.ones(n), np.zeros(n))
    return Objective(table.ltv.astype(float), np.ones(n) if goal == Goal.profit else np.zeros(n))


def _portfolio(table: Channels, spend: np.ndarray, fixed: float) -> Portfolio:
    customers = table.curves.customers(spend)
    return Portfolio(float(spend.sum()), float(customers.sum()), float(table.ltv @ customers), fixed)


def _setting_notes(table: Channels, settings: Settings) -> tuple[str, ...]:
    notes = []
    if settings.max_change is not None and (table.spend == 0).any():
        notes.append("max-change does not apply to channels with no current spend; "
                     "their min_spend and max_spend limit them")
    return tuple(notes)


def _write_lp_anyway(lp_file, problem: Problem, table: Channels, limits: Limits) -> None:
    if lp_file is None:
        return
    grid = Grid(limits.lo, limits.hi, table.spend)
    prob, _ = build(problem.title, problem.names, problem.curves, grid,
                    _linear_objective(Goal.value, table), list(problem.rows))
    write_lp(prob, lp_file)


def _result(table: Channels, limits: Limits, settings: Settings, outcome: _Outcome, base: dict,
            extra: list[RuleRow]) -> Result:
    sol = outcome.solution
    spend = _polish(sol.spend, limits)
    after = _portfolio(table, spend, settings.fixed_costs)
    shadow, marginal = _budget_sensitivity(settings, limits, outcome, after)
    gap = _proven_gap(sol)
    plan = plan_frame(table, limits, spend)
    problem = outcome.problem
    checks = _rule_checks(extra, spend, sol.duals, settings, after)
    plan = _explained(plan, table, limits, problem, sol, extra, checks, settings, after, marginal)
    stretched = [f"{n!r} ({money(x)}, {x / m:.1f}x the most it was observed at)"
                 for n, x, m in zip(table.names, spend, table.observed_max, strict=True) if m > 0 and x > 1.5 * m]
    if stretched:
        base = {**base, "notes": base["notes"] + ("the plan extrapolates curves far beyond the spend their data "
                                                  "supports: " + ", ".join(stretched),)}
    if sol.objective is None and sol.duals == {}:
        base = {**base, "notes": base["notes"] + ("a mixed-integer plan (S-curves, buy-ins or max-active) has no "
                                                  "shadow prices or ranges; its gap includes the curve approximation",)}
    return Result(sol.status, plan=plan, after=after, shadow_price=shadow, marginal_value=marginal,
                  gap=gap, rounds=sol.rounds, rules=checks, **base)


def _explained(plan, table, limits, problem, sol, extra, checks, settings, after, marginal) -> pd.DataFrame:
    """The plan with what holds each channel, its shadow price, a reason and its LTV/CAC ranges."""
    if sol.objective is None:  # a plan that needed no solve has no multipliers to explain it by
        return plan
    a, b, _ = channel_coefficients(problem, sol.objective, sol.duals)
    binding = [(rr.text, (rr.row.q != 0) | (rr.row.p != 0)) for rr, c in zip(extra, checks, strict=True) if c.binding]
    floor = settings.min_ratio
    if floor is not None and abs(after.ltv_cac - floor) <= 1e-6 * floor:
        binding.append((f"the ratio floor LTV:CAC >= {floor:g}", np.ones(len(table), bool)))
    if marginal is None or not np.isfinite(marginal) or (not limits.exact and after.spend < limits.budget * (1 - 1e-9)):
        free = plan["bound"].to_numpy() == "none"
        marginal = float(np.median(plan["marginal_ltv_cac"][free])) if free.any() else marginal
    return explain(plan, table, limits, (a, b), binding, settings.objective, after.cost, marginal)


def _rule_checks(extra: list[RuleRow], spend: np.ndarray, duals: dict, settings: Settings,
                 after: Portfolio) -> tuple[RuleCheck, ...]:
    """Each rule's value in the plan, whether it binds, and what relaxing it by one unit is worth."""
    per_unit = 1 / after.cost if settings.objective == Goal.ratio else 1.0
    out = []
    for rr in extra:
        row = rr.row
        activity = float(row.q @ spend)
        binding = abs(activity - row.rhs) <= 1e-6 * max(after.spend, 1.0)
        y = duals.get(row.name, 0.0) * (1 if row.sense == "<=" else -1) * per_unit
        out.append(RuleCheck(row.name, rr.text, activity, row.rhs, binding, max(y, 0.0) if binding else 0.0))
    return tuple(out)


def _polish(spend: np.ndarray, limits: Limits) -> np.ndarray:
    """Clip to the limits and, for an exact budget, put a solver-sized remainder where it fits."""
    x = np.clip(spend, limits.lo, limits.hi)
    rest = limits.budget - x.sum()
    if limits.exact and rest != 0 and abs(rest) <= 1e-6 * max(limits.budget, 1.0):
        room = (limits.hi - x) if rest > 0 else (x - limits.lo)
        i = int(np.argmax(room))
        x[i] += np.sign(rest) * min(abs(rest), room[i])
    return x


def _proven_gap(sol: Solution) -> float:
    if not math.isfinite(sol.upper) or not math.isfinite(sol.value):
        return math.nan
    return max(0.0, sol.upper - sol.value) / max(abs(sol.value), 1e-300)


def _budget_sensitivity(settings: Settings, limits: Limits, outcome: _Outcome, after: Portfolio):
    """The budget's shadow price (objective per unit) and value per extra unit of budget."""
    y = outcome.solution.duals.get("budget")
    if y is None:
        return None, None
    if not limits.exact and limits.budget - after.spend > 1e-7 * max(limits.budget, 1.0):
        return 0.0, 0.0  # budget left unspent: more of it changes nothing
    goal, cost = settings.objective, after.cost
    if goal == Goal.value:
        return y, y
    if goal == Goal.customers:
        return y, None
    if goal == Goal.profit:
        return y, y + 1.0
    if outcome.solved_as == Goal.value:  # ratio with an exact budget, solved as value
        return (y - after.ltv_cac) / cost, y
    return y / cost, y + outcome.lam

