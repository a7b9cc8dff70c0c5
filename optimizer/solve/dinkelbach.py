"""The ratio objective by Dinkelbach's method, over refined LPs or refined MILPs alike.

To maximize value(x) / (spend(x) + fixed), each round maximizes value - lambda * cost for the best
ratio lambda found so far. If that round's optimum is proven to be at most U, then for every plan
value - lambda * cost <= U, so ratio <= lambda + U / cost <= lambda + U / (least possible cost):
a proven bound on the best ratio. Rounds stop when it meets the best ratio found.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from optimizer.model.program import LinearObjective, Status
from optimizer.solve.solution import Solution

MAX_ROUNDS = 60

# One round: maximize this objective to within abs_tol, on whatever model the caller refines.
ValueStep = Callable[[LinearObjective, float], Solution]


def maximize_ratio(step: ValueStep, weights: np.ndarray, fixed: float, least_cost: float, rel_tol: float,
                   ratio_of: Callable[[np.ndarray], float], max_rounds: int = MAX_ROUNDS) -> Solution:
    """Maximize sum(weights * customers) / (sum(spend) + fixed) by Dinkelbach's iterations.

    ``step`` solves one value problem; ``least_cost`` is the least cost any plan can have (> 0).
    Returns the plan with the best ratio: ``value`` is that ratio, ``upper`` the proven bound, and
    ``duals``, ``objective`` and ``lam`` those of the last round (they explain the plan).
    """
    n = len(weights)
    lam, best, last, upper = 0.0, None, None, math.inf
    rounds = 0
    for _ in range(max_rounds):
        used = lam
        objective = LinearObjective(weights, np.full(n, used), -used * fixed)
        last = step(objective, 0.5 * rel_tol * max(used, 1e-12) * least_cost)
        rounds += max(last.rounds, 1)
        if last.status == Status.infeasible:
            return last
        ratio = ratio_of(last.spend)
        if best is None or ratio > lam:
            lam, best = ratio, last
        upper = used + max(last.upper, 0.0) / least_cost
        if upper - lam <= rel_tol * max(lam, 1e-300) or last.status == Status.time_limit:
            break
    status = Status.time_limit if last.status == Status.time_limit else Status.optimal
    return Solution(status, best.spend, lam, max(upper, lam), last.approach, rounds, last.duals, last.objective,
                    last.model, used)
