"""What the budget and each rule are worth: shadow prices read off the multipliers that certify a plan.

The budget's shadow price is in the objective's units per unit of budget; for the ratio objective it is
also given as customer value per unit (what the next unit of budget buys), which is what people read.
"""

from __future__ import annotations

import numpy as np

from optimizer.model.choices import Objective
from optimizer.model.limits import Limits
from optimizer.model.program import Sense
from optimizer.model.rules import RuleRow
from optimizer.model.settings import Settings
from optimizer.results.result import Portfolio, RuleCheck
from optimizer.solve.solution import Solution


def budget_sensitivity(settings: Settings, limits: Limits, sol: Solution, solved_as: Objective | None,
                       after: Portfolio) -> tuple[float | None, float | None]:
    """The budget's shadow price (objective per unit) and the value per extra unit of budget."""
    y = sol.duals.get("budget")
    if y is None:
        return None, None
    if not limits.exact and limits.budget - after.spend > 1e-7 * max(limits.budget, 1.0):
        return 0.0, 0.0  # budget left unspent: more of it changes nothing
    goal, cost = settings.objective, after.cost
    if goal == Objective.value:
        return y, y
    if goal == Objective.customers:
        return y, None
    if goal == Objective.profit:
        return y, y + 1.0
    if solved_as == Objective.value:  # ratio with an exact budget, solved as value
        return (y - after.ltv_cac) / cost, y
    return y / cost, y + sol.lam


def rule_checks(rules: list[RuleRow], spend: np.ndarray, duals: dict[str, float], settings: Settings,
                after: Portfolio, customers: np.ndarray | None = None) -> tuple[RuleCheck, ...]:
    """Each rule's value in the plan, whether it binds, and what relaxing it by one unit is worth.

    ``customers`` (per channel, in the plan) is needed for rules over customers, such as the payback.
    """
    per_unit = 1 / after.cost if settings.objective == Objective.ratio else 1.0
    out = []
    for rr in rules:
        row = rr.row
        activity = float(row.q @ spend) + (float(row.p @ customers) if customers is not None else 0.0)
        binding = abs(activity - row.rhs) <= 1e-6 * max(after.spend, 1.0)
        y = duals.get(row.name, 0.0) * (1 if row.sense == Sense.le else -1) * per_unit
        out.append(RuleCheck(row.name, rr.text, activity, row.rhs, binding, max(y, 0.0) if binding else 0.0))
    return tuple(out)
