"""``optimize``: from a channel table and settings to a certified, explained plan.

The flow, one way: read and validate the table -> each channel's limits -> the program (budget,
rules, ratio floor) -> the strategy that solves it (closed form, refined LPs or refined MILPs) ->
the result with its explanation. A problem that cannot be solved is a result with a diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from optimizer.errors import UsageError
from optimizer.model.channels import Channels, read_channels
from optimizer.model.choices import Objective
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

    Returns
    -------
    Result
        ``status`` optimal with the plan, or infeasible with a diagnosis.
    """
    table = channels if isinstance(channels, Channels) else read_channels(channels)
    today = float(table.spend.sum())
    amount = today if budget is None else parse_amount(budget, today, "amount of budget")
    settings = Settings(objective, amount, budget_mode, max_change, min_ratio, fixed_costs, solver, tolerance,
                        method, max_active, time_limit, max_payback, organic_customers, organic_ltv, blended)
    return optimize_settings(table, settings, rules, lp_file, progress)


def optimize_settings(table: Channels, settings: Settings, rules: list[GroupRule | RatioRule] | None = None,
                      lp_file: str | Path | None = None, progress: Callable[[str], None] | None = None) -> Result:
    """:func:`optimize` for a validated table and a :class:`Settings` (scenarios and sweeps call this)."""
    amount = float(table.spend.sum()) if settings.budget is None else settings.budget
    if settings.objective == Objective.ratio and amount + settings.fixed_costs <= 0:
        why = "every channel spends 0 today and the budget is 0" if not table.spend.any() else "the budget is 0"
        raise UsageError(f"{why} and LTV:CAC (value over spend) is undefined at zero spend; give a `budget` "
                         "above 0, or `fixed_costs`")
    backend, solver_notes = resolve_backend(settings.solver)
    limits, conflicts = channel_limits(table, settings, amount)
    conflicts += budget_conflicts(table, limits)
    extra = rule_rows(list(rules or ()), table.names)
    program = formulate(table, limits, settings, extra)
    if not conflicts:
        conflicts += rule_conflicts(extra, limits.lo, limits.hi, program.rows[0], backend)
    before = portfolio(table, table.spend, settings.fixed_costs, settings)
    notes = table.notes + solver_notes + _setting_notes(table, settings)
    base = dict(settings=settings, solver=backend.name.value, budget=amount, before=before, notes=notes,
                channels=table)
    strategy = Strategy(table, limits, settings, program, backend, progress)
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


def _setting_notes(table: Channels, settings: Settings) -> tuple[str, ...]:
    notes = []
    if settings.max_change is not None and (table.spend == 0).any():
        notes.append("max-change does not apply to channels with no current spend; "
                     "their min_spend and max_spend limit them")
    return tuple(notes)
