"""A plan under uncertainty, end to end: the draws, the point plan, the risk-aware plan, how sure it is.

- Draws come from a draws table (``draws``) or from the channel table's intervals (``simulate`` of
  them, 1 000 for a risk-aware plan by default), with ``seed``.
- The point plan is the plan on the estimates, as without draws.
- ``risk`` expected: the point problem on the draws' mean curves (a mean of concave curves is
  concave), solved and certified by the usual strategy. ``risk`` cvar:ALPHA: the refined CVaR LP
  (:mod:`.cvar`). Either plan's portfolio figures are the draws' means.
- Today's plan, the point plan and the recommended plan are scored on the same draws, and with
  ``simulate`` every draw is re-optimized for each channel's stability.

The solver itself is handed in (``solve``), so this package needs nothing above the solve stack.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import UsageError
from optimizer.model.channels import Channels
from optimizer.model.choices import Method, RiskMeasure
from optimizer.model.formulation import formulate
from optimizer.model.limits import channel_limits
from optimizer.model.rules import GroupRule, RatioRule, rule_rows
from optimizer.model.settings import Settings, parse_risk
from optimizer.results.result import Result
from optimizer.uncertainty.cvar import INTEGERS, RiskStrategy
from optimizer.uncertainty.draws import DrawSet, draws_from_intervals
from optimizer.uncertainty.mixture import MixtureCurves
from optimizer.uncertainty.simulate import price_of_safety, summarize
from optimizer.uncertainty.stability import draw_plans, stability
from optimizer.uncertainty.summary import STABILITY_COLUMNS, Uncertainty
from optimizer.uncertainty.table import read_draws

DEFAULT_DRAWS = 1_000  # draws for a risk-aware plan when `simulate` does not say
TAIL = 0.10  # the share of worst draws reported when no cvar share is given
CVAR_NOTE = ("a cvar plan's portfolio is the draws' mean; it has no shadow prices or per-channel reasons yet "
             "(rules show 0), but its gap is proven like any plan's")
STABILITY_TOLERANCE = 1e-5  # each draw's own plan, when it is solved one by one

# Solve a table under settings, optionally with a strategy factory (as Strategy's constructor) and
# writing the LP file; returns the result.
Solve = Callable[..., Result]


def uncertain(settings: Settings, draws=None) -> bool:
    """Whether ``settings`` (or a draws table handed in) ask for draws."""
    return settings.simulate is not None or settings.risk is not None or settings.draws is not None or (
        draws is not None)


def make_draws(table: Channels, settings: Settings, draws: DrawSet | pd.DataFrame | str | Path | None = None
               ) -> DrawSet:
    """The draws the settings ask for: a draws table, else the channel table's intervals."""
    source = draws if draws is not None else settings.draws
    if source is None:
        if table.intervals is None:
            raise UsageError("`simulate` and `risk` need uncertain inputs: interval columns in the channel table "
                             "(ltv_low/ltv_high, customers_low/high, ...) or a draws table (`draws`)")
        return draws_from_intervals(table, settings.simulate or DEFAULT_DRAWS, settings.seed, settings.interval_level)
    found = source if isinstance(source, DrawSet) else read_draws(source, table)
    if settings.simulate is not None:
        if settings.simulate > found.size:
            raise UsageError(f"`simulate` asks for {settings.simulate} draws but the draws table has {found.size}")
        found = found.thinned(settings.simulate)
    return found


def plan_under_uncertainty(table: Channels, settings: Settings, solve: Solve,
                           draws: DrawSet | pd.DataFrame | str | Path | None = None,
                           rules: list[GroupRule | RatioRule] | None = None) -> Result:
    """The point or risk-aware plan for ``table`` under ``rules``, with how sure it is over the draws.

    ``solve(table, settings, strategy=None, write=False)`` solves one table with these rules.
    """
    measure, alpha = parse_risk(settings.risk) if settings.risk else (None, None)
    integers = (~table.curves.concave).any() or (np.nan_to_num(table.min_buy_in) > 0).any() or settings.max_active
    if measure == RiskMeasure.cvar and integers:
        raise UsageError(INTEGERS)
    found = make_draws(table, settings, draws)
    plain = settings.replace(simulate=None, risk=None, draws=None)
    point = solve(table, plain, write=measure is None)
    if not point.ok or measure is None:
        result = point
    else:
        mean = found.mean_channels(table, settings.objective)
        if measure == RiskMeasure.expected:
            curved = isinstance(mean.curves, MixtureCurves)  # its closed form would bisect inside a bisection
            result = solve(mean, plain.replace(method=Method.lp) if curved else plain, write=True)
        else:
            spend = point.plan["recommended_spend"].to_numpy()

            def strategy(*args):
                return RiskStrategy(*args, draws=found, alpha=alpha, seeds=(spend,))

            result = solve(mean, plain, strategy=strategy, write=True)
            result = dataclasses.replace(result, notes=(*result.notes, CVAR_NOTE))
    if not result.ok:
        return dataclasses.replace(result, settings=settings)
    given = draws is not None or settings.draws is not None
    steady = settings.simulate is not None or (given and settings.risk is None)  # a draws table alone simulates
    return _with_uncertainty(table, settings, plain, found, point, result, solve, alpha, list(rules or ()), steady)


def _with_uncertainty(table: Channels, settings: Settings, plain: Settings, found: DrawSet, point: Result,
                      result: Result, solve: Solve, alpha: float | None, rules: list, steady: bool) -> Result:
    recommended = result.plan["recommended_spend"].to_numpy()
    plans = {"today": table.spend}
    if settings.risk is not None:
        plans["point"] = point.plan["recommended_spend"].to_numpy()
    plans["recommended"] = recommended
    tail = alpha or TAIL
    frame, per_draw = summarize(found, plans, settings.objective, settings.fixed_costs, settings.target, tail)
    notes, spread, plan = [], None, result.plan
    if steady:
        spread, note = _stability(table, plain, found, recommended, solve, rules)
        notes += [note] if note else []
        plan = pd.concat([plan.reset_index(drop=True), spread[list(STABILITY_COLUMNS)].reset_index(drop=True)], axis=1)
    if not found.varies:
        notes.append("no input varies between the draws (every interval has zero width): the draws are the estimates")
    report = Uncertainty(found.origin, found.size, found.varies, settings.risk, tail, settings.target, frame,
                         per_draw, spread, price_of_safety(frame, tail) if settings.risk else None, tuple(notes))
    return dataclasses.replace(result, settings=settings, plan=plan, uncertainty=report)


def _stability(table: Channels, plain: Settings, found: DrawSet, recommended: np.ndarray, solve: Solve,
               rules: list) -> tuple[pd.DataFrame, str | None]:
    budget = float(table.spend.sum()) if plain.budget is None else plain.budget
    limits, _ = channel_limits(table, plain, budget)
    program = formulate(table, limits, plain, rule_rows(rules, table.names))
    quick = plain.replace(tolerance=max(plain.tolerance, STABILITY_TOLERANCE))

    def one(draw: Channels, settings: Settings) -> np.ndarray | None:
        got = solve(draw, settings)
        return got.plan["recommended_spend"].to_numpy() if got.ok else None

    plans, note = draw_plans(found, table, quick, program, limits, one)
    return stability(plans, table.names, recommended, table.spend, budget), note
