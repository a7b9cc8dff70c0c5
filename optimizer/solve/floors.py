"""Portfolio rules that are checked before a plan is sought: can they hold at all, and if not, by how much not.

- Payback within M months holds for some plan exactly when the most that any plan keeping every
  other rule can reach of value_M @ customers - spend is at least the fixed costs. The best plan's
  value by month t can only grow with t, so the fewest months any plan needs is found by
  bisection on t; that is the number the diagnosis names.
- A blended ratio floor R holds for some plan exactly when the most of ltv @ customers - R * spend
  is at least R * fixed costs - organic value. The best blended LTV:CAC any plan reaches is found by
  bisection on R (the most of that margin falls as R rises).

Each check is given ``best(alpha, beta)``: the most of alpha @ customers - beta * spend over the
plans that keep every rule but the one checked, with the plan that reaches it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from optimizer.words import money, ratio

Best = Callable[[np.ndarray, float], tuple[float, np.ndarray]]  # (alpha, beta) -> (most reached, its spend)
_MONTHS = 1e-6  # months: how finely the months needed are found (they are shown to 0.01)
_ROUNDS = 60


def payback_diagnosis(best: Best, value_at: Callable[[float], np.ndarray], months: float, horizon: float,
                      fixed: float, customers: Callable[[np.ndarray], np.ndarray]) -> tuple[str, ...]:
    """Why the portfolio cannot pay back within ``months`` (empty when some plan can).

    ``value_at(t)`` gives each channel's value per customer by month t; ``horizon`` is the last month
    every timeline reaches; ``customers(spend)`` each channel's customers.
    """
    def margin(t: float) -> tuple[float, np.ndarray]:
        reached, spend = best(value_at(t), 1.0)
        return reached - fixed, spend

    short, spend = margin(months)
    if short >= -1e-9 * max(fixed + spend.sum(), 1.0):
        return ()
    returned = float(value_at(months) @ customers(spend))
    cost = float(spend.sum() + fixed)
    head = (f"the portfolio cannot pay back within {months:g} months under the other rules: by month {months:g} its "
            f"customers return at most {money(returned)} against a cost of {money(cost)}")
    if margin(horizon)[0] < 0:
        return (f"{head}, and no plan pays back within the value timelines ({horizon:g} months); lower the budget or "
                "the channel floors, or move budget to channels whose customers pay back sooner",)
    low, high = months, horizon
    while high - low > _MONTHS:
        mid = 0.5 * (low + high)
        low, high = (low, mid) if margin(mid)[0] >= 0 else (mid, high)
    needed = math.ceil(high * 100 - 1e-3) / 100  # up to the next hundredth: enough, shown as it is
    return (f"{head}; the fastest plan needs {needed:.2f} months: raise `max_payback` to at least {needed:.2f}, "
            "or lower the budget or the channel floors",)


def blended_diagnosis(best: Best, ltv: np.ndarray, floor: float, fixed: float, organic: float,
                      exact_cost: float | None) -> tuple[str, ...]:
    """Why no plan reaches a blended LTV:CAC of ``floor`` (empty when some plan does).

    ``exact_cost`` is the cost every plan has when the budget must be spent in full (None otherwise).
    """
    def margin(r: float) -> tuple[float, np.ndarray]:
        reached, spend = best(ltv, r)
        return reached + organic - r * fixed, spend

    short, spend = margin(floor)
    if short >= -1e-9 * max(floor * (spend.sum() + fixed), 1.0):
        return ()
    if exact_cost is not None:
        reached = (best(ltv, 0.0)[0] + organic) / exact_cost
    else:
        low, high = 0.0, floor
        for _ in range(_ROUNDS):
            mid = 0.5 * (low + high)
            low, high = (mid, high) if margin(mid)[0] >= 0 else (low, mid)
            if high - low <= 1e-6 * floor:
                break
        reached = low
    return (f"the best reachable blended LTV:CAC (paid and organic customers' value over spend plus fixed costs) "
            f"is {ratio(reached)}, below the minimum ratio {floor:g}; lower `min_ratio`, or change the budget or "
            "the channel limits",)
