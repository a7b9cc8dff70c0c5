"""Which method answers a program, and in what order: closed form, refined LPs or refined MILPs.

- S-curves, buy-ins or an active-channel limit need the mixed-integer model (refined MILPs).
- Otherwise the curves are concave: the closed form where the budget is the only row (unless the
  method says LPs), refined LPs for every other rule.
- The ratio objective is Dinkelbach's iterations over either (with an exact budget it is simply the
  most value). A ratio floor is checked first against the best ratio reachable under the other rules;
  if it cannot hold, the answer is a diagnosis, not a plan. So is a portfolio payback rule and a
  blended ratio floor (:mod:`optimizer.solve.floors`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from optimizer.errors import UsageError
from optimizer.model.channels import Channels
from optimizer.model.choices import Method, Objective
from optimizer.model.formulation import linear_objective
from optimizer.model.limits import Limits
from optimizer.model.organic import organic_totals
from optimizer.model.payback import shortest_horizon, values_by
from optimizer.model.program import Approach, LinearObjective, Program, Status
from optimizer.model.settings import Settings
from optimizer.solve.backends import Backend, write_lp
from optimizer.solve.breakpoints import Grid
from optimizer.solve.dinkelbach import maximize_ratio
from optimizer.solve.floors import blended_diagnosis, payback_diagnosis
from optimizer.solve.mip import maximize_mip
from optimizer.solve.refine import maximize
from optimizer.solve.segments import build
from optimizer.solve.solution import Solution

_NO_PLAN_MIP = ("no plan keeps every rule together with the buy-ins, the active-channel limit and the active "
                "periods; the mixed-integer model has no solution")


@dataclass(frozen=True)
class Outcome:
    """A solution (or the diagnosis of why there is none), what it was solved as, and its program."""

    solution: Solution | None
    diagnosis: tuple[str, ...] = ()
    solved_as: Objective | None = None  # the objective actually maximized (None: the ratio, by Dinkelbach)
    program: Program | None = None  # the program whose multipliers the solution carries
    notes: tuple[str, ...] = ()


class Strategy:
    """One optimization: the breakpoints it refines and the order of its solves."""

    def __init__(self, table: Channels, limits: Limits, settings: Settings, program: Program, backend: Backend,
                 progress: Callable[[str], None] | None = None):
        self.table, self.limits, self.settings, self.program = table, limits, settings, program
        self.backend, self.progress = backend, progress
        self.grid = Grid(limits.lo, limits.hi, table.spend)
        self.base = program.with_rows(r for r in program.rows if r.name != "min_ratio")
        spend_floor = limits.budget if limits.exact else limits.lo.sum()
        self.least_cost = spend_floor + settings.fixed_costs  # the least cost any plan can have
        self.deadline = None if settings.time_limit is None else time.monotonic() + settings.time_limit

    def solve(self) -> Outcome:
        s = self.settings
        if self.program.needs_integers:
            return self.solve_relaxed() or self.solve_integer()
        diagnosis = self.check_floors()
        if diagnosis:
            return Outcome(None, diagnosis)
        if s.min_ratio is not None and s.objective != Objective.ratio:
            unfloored = self.solve_plain(s.objective, self.base)
            if unfloored.solution is not None and self.floor_ratio(unfloored.solution.spend) >= s.min_ratio:
                return unfloored  # the floor does not bind: this plan is optimal with it too
        if s.objective != Objective.ratio and s.min_ratio is None:
            return self.solve_plain(s.objective, self.program)
        best = self.best_ratio()
        if best.diagnosis or s.min_ratio is None:
            return best
        reached = best.solution.value if best.solved_as is None else self.ratio_of(best.solution.spend)
        if not s.blended and reached < s.min_ratio * (1 - 1e-9):
            return Outcome(None, (f"the best reachable LTV:CAC is {reached:.4g}, below the minimum ratio "
                                  f"{s.min_ratio:g}; lower `min_ratio`, or change the budget or the channel limits",))
        if s.objective == Objective.ratio:
            if self.floor_ratio(best.solution.spend) >= s.min_ratio * (1 - 1e-9):
                return best
            return self.best_ratio(self.program)  # a blended floor that binds
        self.grid.add_all(best.solution.spend)
        return self.solve_plain(s.objective, self.program)

    def best_ratio(self, program: Program | None = None) -> Outcome:
        """The plan with the best LTV:CAC under every rule of ``program`` (default: all but the ratio floor)."""
        program = self.base if program is None else program
        if self.limits.exact:  # the cost is fixed, so the best ratio is the most value
            return self.solve_plain(Objective.value, program, solved_as=Objective.value)
        if self.least_cost <= 0:
            if self.settings.objective != Objective.ratio:  # spending next to nothing meets any floor
                sol = Solution(Status.optimal, self.limits.lo.copy(), math.inf, math.inf, Approach.closed_form)
                return Outcome(sol)
            raise UsageError(
                "with objective ratio and budget mode at-most, the best LTV:CAC comes from spending "
                "next to nothing (the first unit of spend has the best ratio on these curves); add "
                "`fixed_costs` (costs that do not scale with media spend), set min_spend on "
                "channels, or use budget mode exact"
            )

        def step(objective: LinearObjective, abs_tol: float) -> Solution:
            def enough(value: float, upper: float) -> bool:
                return value > 0 and upper - value < value  # a better ratio exists: move lambda first

            return maximize(program, objective, self.grid, self.backend, 0.0, abs_tol, enough, self.progress,
                            closed_form=self.settings.method == Method.auto)

        sol = maximize_ratio(step, self.table.ltv.astype(float), self.settings.fixed_costs, self.least_cost,
                             self.settings.tolerance, self.ratio_of)
        if sol.status == Status.infeasible:
            return Outcome(None, ("no plan keeps every rule",))
        return Outcome(sol, program=program)

    def solve_relaxed(self) -> Outcome | None:
        """Where active periods are the only integer rule: the plan of the other rules, if it keeps them.

        Every plan that keeps the active periods keeps the other rules, so the certified best plan of the other
        rules (refined LPs) that also keeps them is the best plan of all; else None (the mixed-integer model).
        """
        active, s = self.program.active, self.settings
        relaxed = replace(self.program, active=None)
        if active is None or relaxed.needs_integers or s.min_ratio is not None:
            return None
        outcome = Strategy(self.table, self.limits, s, relaxed, self.backend, self.progress).solve()
        sol = outcome.solution
        if sol is None or sol.status != Status.optimal or (active.active(sol.spend) < active.least).any():
            return None
        note = "the plan of the other rules already keeps the active periods, so it needs no mixed-integer model"
        return replace(outcome, program=replace(outcome.program, active=active), notes=(*outcome.notes, note))

    def check_floors(self) -> tuple[str, ...]:
        """Why the portfolio payback or a blended ratio floor cannot hold under the other rules (empty if they can)."""
        s, table, hi = self.settings, self.table, self.limits.hi
        out: tuple[str, ...] = ()
        if s.max_payback is not None:
            out += payback_diagnosis(self._best(("max_payback", "min_ratio")), lambda t: values_by(table, hi, t),
                                     s.max_payback, shortest_horizon(table, hi), s.fixed_costs, table.curves.customers)
        if s.blended and s.min_ratio is not None:
            exact = self.limits.budget + s.fixed_costs if self.limits.exact else None
            out += blended_diagnosis(self._best(("min_ratio",)), table.ltv.astype(float), s.min_ratio, s.fixed_costs,
                                     organic_totals(table, s)[1], exact)
        return out

    def _best(self, without: tuple[str, ...]):
        """The most of alpha @ customers - beta * spend (and its plan) under every row but ``without``."""
        program = self.program.with_rows(r for r in self.program.rows if r.name not in without)
        n = len(self.table)

        def best(alpha: np.ndarray, beta: float) -> tuple[float, np.ndarray]:
            objective = LinearObjective(np.asarray(alpha, float), np.full(n, float(beta)))
            scale = abs(objective.evaluate(self.table.curves.customers(self.table.spend), self.table.spend))
            sol = maximize(program, objective, self.grid, self.backend, self.settings.tolerance,
                           self.settings.tolerance * 1e-3 * (self.limits.budget + scale), progress=self.progress,
                           closed_form=self.settings.method == Method.auto)
            if sol.status != Status.optimal:  # the other rules cannot hold: the main solve says why
                return math.inf, program.lo.copy()
            return sol.value, sol.spend
        return best

    def floor_ratio(self, spend: np.ndarray) -> float:
        """The LTV:CAC the ratio floor applies to: paid, or blended (with the organic value) when asked."""
        organic = organic_totals(self.table, self.settings)[1] if self.settings.blended else 0.0
        cost = spend.sum() + self.settings.fixed_costs
        return self.ratio_of(spend) + (organic / cost if cost > 0 else math.inf)

    def solve_plain(self, goal: Objective, program: Program, solved_as: Objective | None = None) -> Outcome:
        """Maximize a linear objective (value, profit, customers) under ``program``'s rows."""
        objective = linear_objective(goal, self.table)
        abs_tol = self.settings.tolerance * 1e-3 * (self.limits.budget + abs(objective.evaluate(
            self.table.curves.customers(self.table.spend), self.table.spend)))
        sol = maximize(program, objective, self.grid, self.backend, self.settings.tolerance, abs_tol,
                       progress=self.progress, closed_form=self.settings.method == Method.auto)
        if sol.status != Status.optimal:
            return Outcome(None, ("no plan keeps every rule together; the LP found no solution",))
        return Outcome(sol, solved_as=solved_as or goal, program=program)

    def solve_integer(self) -> Outcome:
        """S-curves, buy-ins or an active-channel limit: MILPs (Dinkelbach's iterations for the ratio)."""
        s = self.settings
        if s.min_ratio is not None:
            raise UsageError("`min_ratio` is not yet supported with S-shaped curves, buy-ins or `max_active`; "
                             "use objective ratio, or leave out the ratio floor")
        tol = max(s.tolerance, 1e-4)
        goal = Objective.value if s.objective == Objective.ratio and self.limits.exact else s.objective
        if goal != Objective.ratio:
            sol = maximize_mip(self.base, linear_objective(goal, self.table), self.backend, tol, self.deadline)
            return self._integer_outcome(sol, goal)
        if self.least_cost <= 0:
            raise UsageError("with objective ratio and budget mode at-most, add `fixed_costs` or min_spend "
                             "(otherwise the best LTV:CAC comes from spending next to nothing)")
        points: list[np.ndarray] = []

        def step(objective: LinearObjective, abs_tol: float) -> Solution:
            return maximize_mip(self.base, objective, self.backend, 1.0, self.deadline, points, scale=abs_tol)

        sol = maximize_ratio(step, self.table.ltv.astype(float), s.fixed_costs, self.least_cost, tol,
                             self.ratio_of)
        return self._integer_outcome(sol, None)

    def _integer_outcome(self, sol: Solution, solved_as: Objective | None) -> Outcome:
        if sol.status == Status.infeasible:
            return Outcome(None, (_NO_PLAN_MIP,))
        return Outcome(sol, solved_as=solved_as, program=self.base)

    def write_lp(self, sol: Solution, path) -> None:
        """The last model solved, or, after the closed form, the LP of the same program."""
        if sol.model is not None:
            write_lp(sol.model, path)
        elif sol.objective is not None:
            write_lp(build(self.program, sol.objective, self.grid), path)

    def write_unsolved(self, path) -> None:
        """The LP of a program that has no plan (for reading why)."""
        write_lp(build(self.program, linear_objective(Objective.value, self.table), self.grid), path)

    def ratio_of(self, spend: np.ndarray) -> float:
        value = float(self.table.ltv @ self.table.curves.customers(spend))
        cost = spend.sum() + self.settings.fixed_costs
        return value / cost if cost > 0 else math.inf
