"""``optimize``: from a channel table and settings to a certified, explained plan.

The flow, one way: read and validate the table -> each channel's limits -> the program (budget,
rules, ratio floor) -> the strategy that solves it (closed form, refined LPs or refined MILPs) ->
the result with its explanation. A problem that cannot be solved is a result with a diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.model.channels import Channels, read_channels
from optimizer.model.choices import Objective
from optimizer.model.dims import (
    ActivePeriods,
    CellRule,
    DimBudget,
    Flighting,
    active_conflicts,
    block_conflicts,
    default_budget,
    expand_channels,
)
from optimizer.model.formulation import formulate
from optimizer.model.limits import budget_conflicts, channel_limits
from optimizer.model.program import Status
from optimizer.model.rules import GroupRule, RatioRule, rule_rows
from optimizer.model.settings import Settings, parse_amount
from optimizer.results.assemble import assemble, portfolio
from optimizer.results.result import Result
from optimizer.solve.backends import resolve_backend
from optimizer.solve.diagnosis import rule_conflicts
from optimizer.solve.strategy import Strategy
from optimizer.uncertainty.draws import DrawSet
from optimizer.uncertainty.plan import plan_under_uncertainty, uncertain


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
    max_payback: float | None = None,
    organic_customers: float = 0.0,
    organic_ltv: float | None = None,
    blended: bool = False,
    dims: tuple[str, ...] | str | None = None,
    max_period_change: float | None = None,
    min_active_periods: int | None = None,
    budgets: str | tuple | None = None,
    draws: DrawSet | pd.DataFrame | str | Path | None = None,
    simulate: int | None = None,
    risk: str | None = None,
    seed: int = 0,
    target: float | None = None,
    interval_level: float = 0.9,
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
        Group and ratio rules across channels (:class:`GroupRule`, :class:`RatioRule`; over a table of cells
        their channels stand for all their cells), and rules over dimensions: :class:`DimBudget`,
        :class:`CellRule`, :class:`Flighting`, :class:`ActivePeriods`.
    max_active
        At most this many channels may spend anything.
    time_limit
        Seconds the whole solve may take; the best plan found by then is returned with its proven
        gap and status ``time limit``.
    lp_file
        Where to write the final LP model, for reading or for another solver.
    progress
        Called with a short message after every LP round.
    max_payback
        Months within which the cohort's cumulative value (the ``value_<N>m`` columns) must cover
        spend plus fixed costs.
    organic_customers, organic_ltv
        New customers who arrive whatever the budget, and the value of each; shown as blended
        LTV:CAC and CAC beside the paid ones, never in the objective.
    blended
        Apply ``min_ratio`` to the blended LTV:CAC (paid and organic value over spend) instead of the paid one.
    dims
        The channel table's dimension columns (default: ``market`` and ``period`` where present).
    max_period_change
        Flighting: each cell's spend within (1 +- this) x its spend in the previous period.
    min_active_periods
        Each channel is active (spends at least 1 % of its average per period there, and at least 1) in at
        least this many periods of each market; :class:`ActivePeriods` sets another level or some channels.
    budgets
        Budgets per dimension value, ``"market:NO=1200000,market:SE=+10%"`` or (dimension, value, amount)
        triples; with budgets for every value of a dimension and no ``budget``, the total is their sum.
    draws
        A draws table (a path or a DataFrame: ``draw, channel`` and any of customers, cac, ltv,
        elasticity, max_customers, shape, ref_customers), instead of the channel table's intervals.
    simulate
        Score today's and the recommended plan under this many draws, and re-optimize each draw for
        every channel's stability (``Result.risk``; stability columns in ``Result.plan``).
    risk
        ``expected`` (the best mean over the draws) or ``cvar:ALPHA`` (the best mean of the worst
        ALPHA share of draws), both certified; None plans on the estimates.
    seed
        Seed of the draws from intervals; the same seed gives the same draws.
    target
        An LTV:CAC target: the share of draws in which each plan reaches it.
    interval_level
        Level of the channel table's intervals where it has no ``interval_level`` column.

    Returns
    -------
    Result
        ``status`` optimal with the plan, or infeasible with a diagnosis.
    """
    in_memory = isinstance(draws, (pd.DataFrame, DrawSet))
    settings = Settings(objective=objective, budget_mode=budget_mode, max_change=max_change, min_ratio=min_ratio,
                        fixed_costs=fixed_costs, solver=solver, tolerance=tolerance, method=method,
                        max_active=max_active, time_limit=time_limit, max_payback=max_payback,
                        organic_customers=organic_customers, organic_ltv=organic_ltv, blended=blended, dims=dims,
                        max_period_change=max_period_change, min_active_periods=min_active_periods,
                        budgets=budgets, simulate=simulate, risk=risk,
                        seed=seed, target=target, draws=None if in_memory else draws, interval_level=interval_level)
    table = channels if isinstance(channels, Channels) else read_channels(channels, dims=settings.dims)
    today = float(table.spend.sum())
    if budget is not None:
        settings = settings.replace(budget=parse_amount(budget, today, "amount of budget"))
    return optimize_settings(table, settings, rules, lp_file, progress, draws if in_memory else None)


def optimize_settings(table: Channels, settings: Settings, rules: list | None = None,
                      lp_file: str | Path | None = None, progress: Callable[[str], None] | None = None,
                      draws: DrawSet | pd.DataFrame | None = None) -> Result:
    """:func:`optimize` for a validated table and a :class:`Settings` (scenarios and sweeps call this).

    ``draws`` (a draws table in memory) stands in for ``settings.draws``.
    """
    if not uncertain(settings, draws):
        return _solve(table, settings, rules, lp_file, progress)

    def solve(one: Channels, plain: Settings, strategy=None, write: bool = False) -> Result:
        return _solve(one, plain, rules, lp_file if write else None, progress, strategy)

    return plan_under_uncertainty(table, settings, solve, draws, rules)


def _solve(table: Channels, settings: Settings, rules: list | None, lp_file: str | Path | None,
           progress: Callable[[str], None] | None, make_strategy=None) -> Result:
    """One plan on ``table`` as it is; ``make_strategy`` (default :class:`Strategy`) solves the program."""
    channel_rules, dim_rules = split_rules(table, settings, rules)
    implied = default_budget(dim_rules, table.cells, table.spend)
    amount = settings.budget if settings.budget is not None else implied if implied is not None else float(
        table.spend.sum())
    if settings.objective == Objective.ratio and amount + settings.fixed_costs <= 0:
        why = "every channel spends 0 today and the budget is 0" if not table.spend.any() else "the budget is 0"
        raise UsageError(f"{why} and LTV:CAC (value over spend) is undefined at zero spend; give a `budget` "
                         "above 0, or `fixed_costs`")
    if not (table.curves.customers(np.full(len(table.names), max(amount, 1.0))) > 0).any():
        raise InputError(table.source, [Problem("no channel acquires any customers at any spend (every channel's "
                                                "customers, and ref_customers, is 0): there is nothing to plan; "
                                                "give the customers each channel brings", column="customers")])
    backend, solver_notes = resolve_backend(settings.solver)
    limits, conflicts = channel_limits(table, settings, amount)
    conflicts += budget_conflicts(table, limits)
    extra = rule_rows(channel_rules, table.names)
    program = formulate(table, limits, settings, extra, dim_rules)
    conflicts += block_conflicts(program.blocks, limits) + active_conflicts(program.active, limits.hi)
    if not conflicts:
        conflicts += rule_conflicts(extra, limits.lo, limits.hi, program.rows[0], backend)
    before = portfolio(table, table.spend, settings.fixed_costs, settings)
    notes = table.notes + solver_notes + _setting_notes(table, settings)
    base = dict(settings=settings, solver=backend.name.value, budget=amount, before=before, notes=notes,
                channels=table)
    strategy = (make_strategy or Strategy)(table, limits, settings, program, backend, progress)
    if conflicts:
        if lp_file is not None:
            strategy.write_unsolved(lp_file)
        return Result(Status.infeasible, diagnosis=tuple(conflicts), **base)
    outcome = strategy.solve()
    if lp_file is not None and outcome.solution is not None:
        strategy.write_lp(outcome.solution, lp_file)
    if outcome.diagnosis:
        return Result(Status.infeasible, diagnosis=outcome.diagnosis, **base)
    return assemble(table, limits, settings, outcome, base, extra)


DIMENSION_RULES = (DimBudget, CellRule, Flighting, ActivePeriods)


def split_rules(table: Channels, settings: Settings, rules) -> tuple[list, list]:
    """Rules across channels (over a table of cells, a channel stands for all its cells) and rules over
    dimensions, with those the settings make (``max_period_change``, ``budgets``)."""
    rules = list(rules or ())
    dim_rules = [r for r in rules if isinstance(r, DIMENSION_RULES)]
    if settings.max_period_change is not None:
        dim_rules.append(Flighting(settings.max_period_change))
    if settings.min_active_periods is not None:
        dim_rules.append(ActivePeriods(settings.min_active_periods))
    dim_rules += [DimBudget(dim, value, amount) for dim, value, amount in settings.budgets or ()]
    if dim_rules and table.cells is None:
        raise UsageError("budgets per market or period, limits over cells, `max_period_change` and "
                         "`min_active_periods` need dimension "
                         "columns in the channel table (market, period, or name them with `dims`)")
    plain = [r for r in rules if not isinstance(r, DIMENSION_RULES)]
    if table.cells is not None:
        plain = [expand_channels(r, table) for r in plain]
    return plain, dim_rules


def _setting_notes(table: Channels, settings: Settings) -> tuple[str, ...]:
    notes = []
    if settings.max_change is not None and (table.spend == 0).any():
        notes.append("max-change does not apply to channels with no current spend; "
                     "their min_spend and max_spend limit them")
    return tuple(notes)
