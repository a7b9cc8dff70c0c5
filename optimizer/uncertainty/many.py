"""Every draw re-optimized at once, where the budget is the only rule linking channels.

This is the closed form of :mod:`optimizer.solve.closed_form`, vectorized over draws: in draw d each
channel takes the spend where its marginal value equals the draw's budget multiplier mu_d (or a
limit), found by the certificate's own per-channel maximizer; bisection moves every draw's mu_d at
once until each draw spends its budget. The ratio objective with budget mode at-most runs
Dinkelbach's iterations on top, one ratio per draw. No LP is solved, so thousands of draws of
dozens of channels take seconds.
"""

from __future__ import annotations

import numpy as np

from optimizer.model.choices import Objective
from optimizer.model.program import LinearObjective, Program
from optimizer.solve.certificate import lagrangian_bound
from optimizer.uncertainty.draws import DrawSet

_ROUNDS = 200


def reoptimize(draws: DrawSet, lo: np.ndarray, hi: np.ndarray, budget: float, exact: bool, goal: Objective,
               fixed: float) -> np.ndarray:
    """Each draw's optimal spend (draws, channels) for ``goal`` under the budget and each channel's limits."""
    size, n = draws.ltv.shape
    stack = Program((), draws.curves, np.tile(lo, size), np.tile(hi, size), ())
    a = draws.weights(goal).ravel()
    beta = np.full(size * n, 1.0 if goal == Objective.profit else 0.0)
    if goal != Objective.ratio or exact:  # with the whole budget spent, the best ratio is the most value
        return _budget_only(stack, a, beta, budget, exact, (size, n))
    cost_floor = lo.sum() + fixed
    ratio = np.zeros(size)
    x = None
    for _ in range(60):  # Dinkelbach, one ratio per draw
        x = _budget_only(stack, a, np.repeat(ratio, n), budget, exact, (size, n))
        value = (draws.ltv * draws.customers(x)).sum(axis=1)
        new = value / np.maximum(x.sum(axis=1) + fixed, cost_floor)
        if np.all(np.abs(new - ratio) <= 1e-12 * np.abs(new)):
            break
        ratio = new
    return x


def _budget_only(stack: Program, a: np.ndarray, beta: np.ndarray, total: float, exact: bool,
                 shape: tuple[int, int]) -> np.ndarray:
    size, n = shape

    def spend(mu: np.ndarray) -> np.ndarray:
        return lagrangian_bound(stack, LinearObjective(a, beta + np.repeat(mu, n)), {})[1].reshape(shape)

    low, high = np.full(size, -1.0), np.ones(size)
    done = np.zeros(size, bool)
    if not exact:
        done = spend(np.zeros(size)).sum(axis=1) <= total  # the budget does not bind: mu = 0
        low = np.zeros(size)
    while True:  # widen each draw's bracket until spend(low) >= total >= spend(high)
        short = ~done & (spend(low).sum(axis=1) < total) & (low > -1e300)
        over = ~done & (spend(high).sum(axis=1) > total) & (high < 1e300)
        if not (short.any() or over.any()):
            break
        low, high = np.where(short, low * 4, low), np.where(over, high * 4, high)
    for _ in range(_ROUNDS):
        mid = 0.5 * (low + high)
        if np.all(done | (mid == low) | (mid == high)):
            break
        up = spend(mid).sum(axis=1) >= total
        low, high = np.where(up, mid, low), np.where(up, high, mid)
    low, high = np.where(done, 0.0, low), np.where(done, 0.0, high)
    x_low, x_high = spend(low), spend(high)
    rest = total - x_high.sum(axis=1)
    room = np.maximum(x_low - x_high, 0.0)
    share = np.where((rest > 0) & (room.sum(axis=1) > 0), np.minimum(1.0, rest / np.maximum(room.sum(axis=1), 1e-300)),
                     0.0)
    return x_high + room * share[:, None]
