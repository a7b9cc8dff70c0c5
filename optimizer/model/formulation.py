"""The user's question as a program: the budget row, the rules' rows, the ratio floor, the objective.

The budget row is always first and named ``budget``; a ratio floor LTV:CAC >= r is the linear row
ltv * customers - r * spend >= r * fixed costs, named ``min_ratio`` (blended: minus the organic value
on the right); a portfolio payback within M months is the row ``max_payback``
(:mod:`optimizer.model.payback`).
"""

from __future__ import annotations

import numpy as np

from optimizer.model.channels import Channels
from optimizer.model.choices import Objective
from optimizer.model.dims import active_sets, cell_lp_names, dimension_blocks
from optimizer.model.limits import Limits
from optimizer.model.organic import organic_totals
from optimizer.model.payback import check_payback_settings, payback_rule
from optimizer.model.program import LinearObjective, Program, Row, Sense, lp_names
from optimizer.model.rules import RuleRow
from optimizer.model.settings import Settings


def formulate(table: Channels, limits: Limits, settings: Settings, rules: list[RuleRow], dim_rules=()) -> Program:
    """The program of ``table`` under ``limits``, ``settings``, ``rules`` and rules over dimensions (cells)."""
    n = len(table)
    names = cell_lp_names(table.cells) if table.cells is not None else lp_names(table.names)
    blocks = tuple(dimension_blocks(dim_rules, table.cells, table.spend, limits.exact, names)) if dim_rules else ()
    rows = [Row("budget", np.zeros(n), np.ones(n), Sense.eq if limits.exact else Sense.le, limits.budget)]
    rows += [rr.row for rr in rules]
    payback = payback_rule(table, limits.hi, settings)
    if payback is not None:
        rows.append(payback.row)
    if settings.min_ratio is not None:
        r = settings.min_ratio
        organic = organic_totals(table, settings)[1] if settings.blended else 0.0
        rows.append(Row("min_ratio", table.ltv.copy(), np.full(n, -r), Sense.ge, r * settings.fixed_costs - organic))
    active = active_sets(dim_rules, table.cells, table.spend) if dim_rules else None
    program = Program(names, table.curves, limits.lo, limits.hi, tuple(rows), f"ltvcac_{settings.objective.value}",
                      _buy_in(table, limits), settings.max_active, blocks, active)
    check_payback_settings(settings, program.needs_integers)
    return program


def _buy_in(table: Channels, limits: Limits) -> np.ndarray:
    """The channels' buy-ins, raised where an S-curve's payback holds only from some spend on."""
    floor = limits.payback_floor
    if floor is None or not (floor > 0).any():
        return table.min_buy_in
    return np.fmax(table.min_buy_in, np.where(floor > 0, floor, np.nan))


def linear_objective(goal: Objective, table: Channels) -> LinearObjective:
    """The objective of ``goal`` as alpha * customers - beta * spend (the ratio is solved by Dinkelbach)."""
    n = len(table)
    if goal == Objective.customers:
        return LinearObjective(np.ones(n), np.zeros(n))
    return LinearObjective(table.ltv.astype(float), np.ones(n) if goal == Objective.profit else np.zeros(n))
