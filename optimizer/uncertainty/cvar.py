"""A risk-aware plan that is still certified: the mean of the worst ALPHA share of draws (CVaR),
maximized over every draw's curves at once and proven within a gap like every other plan.

Rockafellar and Uryasev: CVaR_a(V) = max over t of t - sum_d (t - V_d)+ / (a D). Each draw's value
V_d is concave in spend, so maximizing over spend and t is one concave program, and with piecewise
curves one LP:

    maximize  t - sum_d u_d / (a D) - beta . spend + constant
    s.t.      u_d - t + V_d(steps) >= 0,  u_d >= 0      (row draw_<d>, column shortfall_<d>)
              the program's rows (budget, rules, a ratio floor on the expected curves)

Spend is cut at breakpoints shared by every draw, and step k of channel i buys, in draw d, that
draw's own slope on it. Every draw's curve is concave, so filling a later step first helps no draw:
steps fill in order and each draw's value is its piecewise curve. Where a channel's draws only
scale one curve (draws of LTV, customers, CAC), a column customers_<i> carries that curve and each
draw's row weighs it by the draw's LTV x scale: one entry per draw and channel, not one per step.

Certificate: for weights pi with 0 <= pi_d <= 1 / (a D) summing to 1, CVaR(V(x)) <= sum_d pi_d V_d(x)
(CVaR is the least such mixture). With the LP's duals as pi and the rows' multipliers y, the
Lagrangian sum_d pi_d V_d(x) - beta . x + y (rhs - rows(x)) bounds every plan; it separates by
channel into a weighted mixture of that channel's curves, concave, maximized in closed form or by
bisection (:mod:`.mixture`). The plan's value is its exact CVaR on the true curves. Breakpoints are
refined where the plan and the Lagrangian maximizer sit until the two meet.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from optimizer.errors import UsageError
from optimizer.model.channels import Channels
from optimizer.model.choices import Objective
from optimizer.model.limits import Limits
from optimizer.model.program import Approach, LinearObjective, Program, Status
from optimizer.model.settings import Settings
from optimizer.solve.backends import Backend, Outcome, write_lp
from optimizer.solve.breakpoints import Grid
from optimizer.solve.certificate import channel_coefficients, lagrangian_bound
from optimizer.solve.dinkelbach import maximize_ratio
from optimizer.solve.segments import SegmentModel, build
from optimizer.solve.solution import Solution
from optimizer.solve.strategy import Outcome as Planned
from optimizer.uncertainty.draws import DrawSet
from optimizer.uncertainty.mixture import mixture
from optimizer.uncertainty.summary import tail_mean

MAX_ROUNDS = 60
TOLERANCE = 1e-5  # the least relative gap asked of a CVaR plan (its LP has a row per draw)
INTEGERS = ("`risk` cvar is not yet supported with S-shaped curves, buy-ins or `max_active`; use `risk` expected, "
            "or plan on the point estimates")


class RiskStrategy:
    """One CVaR plan over ``draws``: the breakpoints it refines and its LPs (the interface of Strategy)."""

    def __init__(self, table: Channels, limits: Limits, settings: Settings, program: Program, backend: Backend,
                 progress: Callable[[str], None] | None, draws: DrawSet, alpha: float,
                 seeds: tuple[np.ndarray, ...] = ()):
        self.table, self.limits, self.settings, self.program = table, limits, settings, program
        self.backend, self.progress, self.draws, self.alpha = backend, progress, draws, alpha
        self.grid = Grid(limits.lo, limits.hi, table.spend)
        for seed in seeds:
            for i in range(len(table)):
                self.grid.add(i, [seed[i]])
        self.weights = draws.weights(settings.objective)
        self.mean_weights = draws.mean_weights(settings.objective)
        self.scaled = ~draws.shape_varies
        p1 = draws.curves.p1.reshape(draws.ltv.shape)
        top = p1.max(axis=0)
        self.factor = np.where(top > 0, p1 / np.where(top > 0, top, 1.0), 0.0)  # draw's scale of the top curve
        self.top = draws.curves.subset(np.argmax(p1, axis=0) * len(table) + np.arange(len(table)))
        self.tolerance = max(settings.tolerance, TOLERANCE)
        spend_floor = limits.budget if limits.exact else limits.lo.sum()
        self.least_cost = spend_floor + settings.fixed_costs

    def solve(self) -> Planned:
        if self.program.needs_integers:
            raise UsageError(INTEGERS)
        s = self.settings
        if s.objective == Objective.ratio and not self.limits.exact:
            sol = self._best_ratio()
        else:
            beta = np.full(len(self.table), 1.0 if s.objective == Objective.profit else 0.0)
            today = self.value(self.table.spend, beta, 0.0)
            sol = self.maximize(beta, 0.0, s.tolerance * 1e-3 * (self.limits.budget + abs(today)))
        if sol.status == Status.infeasible:
            return Planned(None, ("no plan keeps every rule (a ratio floor holds on the expected LTV:CAC)",))
        plain = Solution(sol.status, sol.spend, sol.value, sol.upper, Approach.risk_lp, sol.rounds, model=sol.model)
        return Planned(plain, solved_as=None if s.objective == Objective.ratio else s.objective, program=self.program)

    def _best_ratio(self) -> Solution:
        if self.least_cost <= 0:
            raise UsageError("with objective ratio and budget mode at-most, add `fixed_costs` or min_spend "
                             "(otherwise the best LTV:CAC comes from spending next to nothing)")

        def step(objective: LinearObjective, abs_tol: float) -> Solution:
            def enough(value: float, upper: float) -> bool:
                return value > 0 and upper - value < value  # a better ratio exists: move lambda first

            return self.maximize(objective.beta, objective.constant, abs_tol, enough)

        return maximize_ratio(step, self.table.ltv.astype(float), self.settings.fixed_costs, self.least_cost,
                              self.tolerance, self.ratio_of)

    def maximize(self, beta: np.ndarray, constant: float, abs_tol: float,
                 enough: Callable[[float, float], bool] | None = None) -> Solution:
        """Maximize CVaR(V) - beta . spend + constant over the true curves, refining until certified."""
        lo, hi = self.limits.lo, self.limits.hi
        best = None
        for rounds in range(1, MAX_ROUNDS + 1):
            model, draw_rows = self.model(beta, constant)
            answer = self.backend.solve(model)
            if answer.outcome != Outcome.optimal:
                return Solution(Status.infeasible, lo.copy(), math.nan, math.nan, Approach.risk_lp, rounds, model=model)
            x = np.clip(answer.spend(model), lo, hi)
            value = self.value(x, beta, constant)
            duals = {name: answer.dual(model, name) for name in model.rows}
            upper, x_dual = self.bound(_feasible(-answer.duals[draw_rows], self.alpha), duals, beta, constant)
            if best is None or value > best.value:
                best_x, best_value = x, value
            upper = upper if best is None else min(upper, best.upper)
            best = Solution(Status.optimal, best_x, best_value, upper, Approach.risk_lp, rounds, model=model)
            if self.progress:
                self.progress(f"risk round {rounds}: {self.grid.size()} segments, gap {upper - best_value:.3g}")
            if upper - best_value <= max(abs_tol, self.tolerance * abs(best_value)):
                return best
            if enough is not None and enough(best_value, upper):
                return best
            self.grid.refine(x, x_dual)
        return best

    def value(self, spend: np.ndarray, beta: np.ndarray, constant: float) -> float:
        """The objective of ``spend`` on the true curves: the tail mean of the draws' values."""
        per_draw = (self.weights * self.draws.customers(spend)).sum(axis=1)
        return float(tail_mean(per_draw, self.alpha)) - float(beta @ spend) + constant

    def ratio_of(self, spend: np.ndarray) -> float:
        cost = float(spend.sum()) + self.settings.fixed_costs
        return self.value(spend, np.zeros(len(spend)), 0.0) / cost if cost > 0 else math.inf

    def bound(self, pi: np.ndarray, duals: dict[str, float], beta: np.ndarray, constant: float
              ) -> tuple[float, np.ndarray]:
        """The Lagrangian bound for draw weights ``pi`` and row multipliers, and its maximizer per channel."""
        n = len(self.table)
        rows, b, const = channel_coefficients(self.program, LinearObjective(np.zeros(n), beta, constant), duals)
        weights = pi[:, None] * self.weights + rows[None, :] * self.mean_weights
        each = Program((), mixture(self.draws.curves, weights), self.limits.lo, self.limits.hi, ())
        return lagrangian_bound(each, LinearObjective(np.ones(n), b, const), {})

    def model(self, beta: np.ndarray, constant: float) -> tuple[SegmentModel, np.ndarray]:
        """The CVaR LP over the current breakpoints, and the indices of its draw rows."""
        n, size = len(self.table), self.draws.size
        base = build(self.program, LinearObjective(np.zeros(n), beta, constant), self.grid.points)
        column = {name: j for j, name in enumerate(base.column_names)}
        names = self.program.names
        steps = [np.array([column[f"{names[i]}_step{k + 1}"] for k in range(len(p) - 1)], dtype=np.int64)
                 for i, p in enumerate(self.grid.points)]
        levels = {i: self._draw_customers(i, self.grid.points[i]) for i in np.flatnonzero(~self.scaled)}
        offset = -sum((self.weights[:, i] * level[:, 0] for i, level in levels.items()), np.zeros(size))
        extra = _Blocks(base)
        t = extra.columns(["value_at_risk"], -np.inf, np.inf, 1.0)[0]
        shortfall = extra.columns([f"shortfall_{d + 1}" for d in range(size)], 0.0, np.inf, -1 / (self.alpha * size))
        draw_rows = extra.rows([f"draw_{d + 1}" for d in range(size)], offset, np.inf)
        extra.terms(draw_rows, shortfall, 1.0)
        extra.terms(draw_rows, np.full(size, t), -1.0)
        for i in range(n):
            pts = self.grid.points[i]
            if i in levels:  # the draws change this curve's shape: each draw's own slope on every step
                slopes = self.weights[:, i][:, None] * np.diff(levels[i], axis=1) / np.diff(pts)[None, :]
                extra.terms(np.repeat(draw_rows, len(steps[i])), np.tile(steps[i], size), slopes.ravel())
                continue
            level = self.top.customers_along(i, pts)
            own = extra.columns([f"customers_{names[i]}"], -np.inf, np.inf, 0.0)[0]
            count = extra.rows([f"count_{names[i]}"], level[0], level[0])[0]
            extra.terms(count, np.append(steps[i], own), np.append(-np.diff(level) / np.diff(pts), 1.0))
            extra.terms(draw_rows, np.full(size, own), self.weights[:, i] * self.factor[:, i])
        return extra.model(), draw_rows

    def _draw_customers(self, i: int, pts: np.ndarray) -> np.ndarray:
        n, size = len(self.table), self.draws.size
        index = np.repeat(np.arange(size) * n + i, len(pts))
        return self.draws.curves.subset(index).customers(np.tile(pts, size)).reshape(size, len(pts))

    def write_lp(self, sol: Solution, path) -> None:
        if sol.model is not None:
            write_lp(sol.model, path)

    def write_unsolved(self, path) -> None:
        write_lp(self.model(np.zeros(len(self.table)), 0.0)[0], path)


def _feasible(pi: np.ndarray, alpha: float) -> np.ndarray:
    """``pi`` moved into {0 <= pi_d <= 1 / (alpha D), sum 1}, where every choice gives a valid bound."""
    cap = 1 / (alpha * len(pi))
    pi = np.clip(np.nan_to_num(pi), 0.0, cap)
    total = pi.sum()
    if total > 1:
        return pi / total
    room = cap - pi
    return pi + room * (1 - total) / room.sum()


class _Blocks:
    """Columns and rows appended to a segment model, as arrays (the model's own builder is private)."""

    def __init__(self, base: SegmentModel):
        self.base = base
        self.cols: list[tuple] = []
        self.row_blocks: list[list] = []
        self.entries: list[tuple] = []
        self.ncol, self.nrow = len(base.lower), len(base.row_lower)

    def columns(self, names: list[str], lower: float, upper: float, cost: float) -> np.ndarray:
        self.cols.append((names, lower, upper, cost))
        self.ncol += len(names)
        return np.arange(self.ncol - len(names), self.ncol)

    def rows(self, names: list[str], lower, upper) -> np.ndarray:
        self.row_blocks.append([names, np.broadcast_to(lower, len(names)).astype(float),
                                np.broadcast_to(upper, len(names)).astype(float)])
        self.nrow += len(names)
        return np.arange(self.nrow - len(names), self.nrow)

    def terms(self, rows, cols, values) -> None:
        rows, cols, values = np.broadcast_arrays(np.asarray(rows), np.asarray(cols), np.asarray(values, float))
        keep = values != 0
        self.entries.append((rows[keep].ravel(), cols[keep].ravel(), values[keep].ravel()))

    def model(self) -> SegmentModel:
        b = self.base
        names = [n for c in self.cols for n in c[0]]
        grow = [np.concatenate([getattr(b, k), *(np.full(len(c[0]), c[j]) for c in self.cols)])
                for k, j in (("lower", 1), ("upper", 2), ("cost", 3))]
        rows = [np.concatenate([getattr(b, k), *(blk[j] for blk in self.row_blocks)])
                for k, j in (("row_lower", 1), ("row_upper", 2))]
        a = [np.concatenate([getattr(b, k), *(e[j] for e in self.entries)]) for k, j in
             (("a_row", 0), ("a_col", 1), ("a_value", 2))]
        return SegmentModel(b.title, grow[0], grow[1], grow[2], np.concatenate([b.integer, np.zeros(len(names), bool)]),
                            b.constant, a[0].astype(np.int64), a[1].astype(np.int64), a[2].astype(float), rows[0],
                            rows[1], b.spend, b.rows,
                            lambda: ((*b.column_names, *names),
                                     (*b.row_names, *(n for blk in self.row_blocks for n in blk[0]))), b.blocks)
