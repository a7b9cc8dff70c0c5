"""The efficient frontier: for each budget, the best plan any set of channels can reach.

With the default settings each point spends its budget in full and maximizes value, which with a
fixed cost also gives the best LTV:CAC for that budget; every other setting of the scenario (rules,
max-change, ratio floor, active-channel limit, objective, budget mode) applies at every point; a time
limit covers the whole sweep (each point gets a share of what is left). The
budget where that LTV:CAC crosses a target (3 by default) is found by bisection between the points
that bracket it. With value timelines each point has its portfolio payback (``inf``: never within
them); with organic customers, its blended LTV:CAC.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import UsageError
from optimizer.files.ranges import AMOUNT, Allowed, check_number
from optimizer.model.channels import Channels, read_channels
from optimizer.model.program import Status
from optimizer.model.rules import GroupRule, RatioRule
from optimizer.model.settings import Settings, parse_amount
from optimizer.optimization import optimize_settings
from optimizer.results.result import Result
from optimizer.whatif.sweep import budget_only_sweep, sweepable

MAX_STEPS = 2_000
STEPS = Allowed(2, MAX_STEPS, whole=True, words=f"a whole number of budgets from 2 to {MAX_STEPS}")
TARGET = Allowed(0.0, 1e6, low_open=True, words="an LTV:CAC above 0, such as 3")


@dataclass(frozen=True)
class Frontier:
    """Frontier points (one row per budget, with each channel's spend), and the target crossing."""

    points: pd.DataFrame
    target: float
    crossing: float | None  # the budget where the best LTV:CAC equals the target, if in range
    current: Result  # the best plan at today's total spend

    def to_frame(self) -> pd.DataFrame:
        return self.points.copy()


def frontier(channels: Channels | pd.DataFrame | str | Path, start: float | str = "-50%", stop: float | str = "+50%",
             steps: int = 21, target: float = 3.0, progress: Callable[[int, int], None] | None = None,
             settings: Settings | None = None, rules: list[GroupRule | RatioRule] | None = None,
             **options) -> Frontier:
    """Sweep the budget from ``start`` to ``stop`` (amounts or changes of today's total spend).

    ``settings`` (or ``options``, the keywords of :func:`optimizer.optimize`) apply at every point;
    only the budget changes.
    """
    table = channels if isinstance(channels, Channels) else read_channels(channels)
    settings = settings if settings is not None else Settings(**options)
    today = float(table.spend.sum())
    low, high = parse_amount(start, today, "amount of budget"), parse_amount(stop, today, "amount of budget")
    problems = [p for p in (check_number("start", low, AMOUNT), check_number("stop", high, AMOUNT),
                            check_number("steps", steps, STEPS), check_number("target", target, TARGET)) if p]
    if low >= high:
        problems.append(f"`start` must be below `stop` (got {low:g} to {high:g})")
    if problems:
        raise UsageError("the sweep: " + "; ".join(problems))

    sweep = settings.replace(simulate=None, draws=settings.draws if settings.risk else None)
    deadline = None if settings.time_limit is None else time.monotonic() + settings.time_limit

    def best(budget: float, shares: int = 4) -> Result:  # risk-aware plans at every budget; simulations only today
        if deadline is None:
            return optimize_settings(table, sweep.replace(budget=budget), rules)
        left = max((deadline - time.monotonic()) / shares, 0.1)  # the time limit covers the whole sweep
        return optimize_settings(table, sweep.replace(budget=budget, time_limit=left), rules)

    budgets = np.linspace(low, high, steps)
    if sweepable(table, sweep, rules):  # every budget at once, in closed form
        points, ratio_at = _swept(table, sweep, budgets), lambda b: _swept(table, sweep, np.array([b]))["ltv_cac"][0]
        if progress:
            progress(steps, steps)
    else:
        rows = []
        for k, budget in enumerate(budgets):
            result = best(float(budget), steps - k + 2)  # one at a time: a plan of many channels is large
            rows.append({**_point(float(budget), result, table.names), **_extra(result, table, settings)})
            if progress:
                progress(k + 1, steps)
        points = pd.DataFrame(rows)

        def ratio_at(budget: float) -> float:
            r = best(budget)
            return r.after.ltv_cac if r.ok else np.nan
    crossing = _crossing(points, target, ratio_at)
    left = None if deadline is None else max(deadline - time.monotonic(), 0.1)
    return Frontier(points, target, crossing, optimize_settings(table, settings.replace(
        budget=today, time_limit=left), rules))


def _swept(table: Channels, settings: Settings, budgets: np.ndarray) -> pd.DataFrame:
    """The frontier's points from :func:`budget_only_sweep` (one multiplier per budget, no LP)."""
    spend, mu, ok = budget_only_sweep(table, settings, budgets)
    bought = np.array([table.curves.customers(x) for x in np.nan_to_num(spend)]).reshape(spend.shape)
    value, customers = (bought * table.ltv).sum(axis=1), bought.sum(axis=1)
    total = spend.sum(axis=1)
    head = pd.DataFrame({"budget": budgets, "status": np.where(ok, Status.optimal.value, Status.infeasible.value),
                         "spend": total, "customers": np.where(ok, customers, np.nan),
                         "value": np.where(ok, value, np.nan), "ltv_cac": value / (total + settings.fixed_costs),
                         "marginal_value": mu})
    return pd.concat([head, pd.DataFrame(spend, columns=[f"spend: {n}" for n in table.names])], axis=1)


def _point(budget: float, result: Result, names: tuple[str, ...]) -> dict:
    row = {"budget": budget, "status": result.status.value}
    a = result.after
    row.update({"spend": a.spend if a else np.nan, "customers": a.customers if a else np.nan,
                "value": a.value if a else np.nan, "ltv_cac": a.ltv_cac if a else np.nan,
                "marginal_value": result.marginal_value if a else np.nan})
    spend = result.plan.set_index("channel")["recommended_spend"] if a else {}
    row.update({f"spend: {n}": spend.get(n, np.nan) if a else np.nan for n in names})
    return row


def _extra(result: Result, table: Channels, settings: Settings) -> dict:
    """The point's payback (with timelines) and blended LTV:CAC (with organic customers)."""
    a, row = result.after, {}
    if table.timeline.any:
        row["payback_months"] = result.payback.recommended if a is not None and result.payback else np.nan
    if settings.organic_customers or table.organic.any():
        row["blended_ltv_cac"] = a.blended_ltv_cac if a is not None else np.nan
    return row


def _crossing(points: pd.DataFrame, target: float, ratio_at: Callable[[float], float]) -> float | None:
    """The first budget where the best LTV:CAC crosses ``target``, to 1e-6 relative."""
    gap = points["ltv_cac"].to_numpy() - target
    budgets = points["budget"].to_numpy()
    for k in range(len(gap) - 1):
        if np.isfinite(gap[k]) and np.isfinite(gap[k + 1]) and gap[k] * gap[k + 1] <= 0 and gap[k] != gap[k + 1]:
            lo, hi, sign = budgets[k], budgets[k + 1], np.sign(gap[k])
            while hi - lo > 1e-6 * max(hi, 1.0):
                mid = 0.5 * (lo + hi)
                r = ratio_at(mid)
                if np.isfinite(r) and np.sign(r - target) == sign:
                    lo = mid
                else:
                    hi = mid
            return 0.5 * (lo + hi)
    return None
