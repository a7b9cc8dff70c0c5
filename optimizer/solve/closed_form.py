"""Exact optimum when the budget is the only rule linking channels: one multiplier, found by bisection.

With a single budget row and per-channel limits, the optimum gives every channel the spend
where its marginal return equals the budget's multiplier mu (or a limit). Total spend falls as
mu rises, so bisection on mu meets the budget to machine precision; channels with constant
returns (linear curves) that tie at mu share what is left. The Lagrangian at mu is an upper
bound, so the result is certified like the LP path.
"""

from __future__ import annotations

import numpy as np

from optimizer.model.program import LinearObjective, Program, Sense
from optimizer.solve.certificate import lagrangian_bound

_ROUNDS = 200


def channel_best(program: Program, objective: LinearObjective, mu: float) -> np.ndarray:
    """Each channel's best spend when a unit of budget costs ``mu`` on top of its ``beta``."""
    return lagrangian_bound(program, objective, {"budget": mu})[1]


def solve_budget_only(program: Program, objective: LinearObjective) -> tuple[np.ndarray, float]:
    """The optimal spend and the budget multiplier, for a program whose only row is the budget."""
    row = program.rows[0]
    total = row.rhs
    if row.sense == Sense.le:
        free = channel_best(program, objective, 0.0)
        if free.sum() <= total:
            return free, 0.0
        low, high = 0.0, _upper_mu(program, objective, total)
    else:
        low, high = _lower_mu(program, objective, total), _upper_mu(program, objective, total)
    for _ in range(_ROUNDS):  # keep: spend(low) >= total >= spend(high)
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        if channel_best(program, objective, mid).sum() >= total:
            low = mid
        else:
            high = mid
    return _share_ties(program, objective, low, high, total), 0.5 * (low + high)


def _upper_mu(program: Program, objective: LinearObjective, total: float) -> float:
    mu = 1.0
    while channel_best(program, objective, mu).sum() > total and mu < 1e300:
        mu *= 4.0
    return mu


def _lower_mu(program: Program, objective: LinearObjective, total: float) -> float:
    mu = -1.0
    while channel_best(program, objective, mu).sum() < total and mu > -1e300:
        mu *= 4.0
    return mu


def _share_ties(program: Program, objective: LinearObjective, low: float, high: float, total: float) -> np.ndarray:
    """Spend at ``high`` plus the remainder, given to channels that would take more at ``low``."""
    x_low = channel_best(program, objective, low)
    x_high = channel_best(program, objective, high)
    rest = total - x_high.sum()
    room = np.maximum(x_low - x_high, 0.0)
    if rest <= 0 or room.sum() <= 0:
        return x_high
    return x_high + room * min(1.0, rest / room.sum())
