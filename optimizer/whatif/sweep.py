"""Many budgets at once where the budget is the only rule linking channels: one multiplier per budget.

For such a plan the optimum at budget B gives every channel the spend where its marginal value equals
the budget's multiplier mu_B, or a limit (:mod:`optimizer.solve.closed_form`). A frontier asks this for
hundreds of budgets of the same channels, so here every budget's mu is bisected at once: each round
evaluates each channel's spend at its budget's mid mu for a block of budgets (channels x budgets
arrays), and channels with constant returns that tie at mu share what is left, as in the closed form.
A frontier of 400 budgets of 10 000 channels takes seconds instead of 400 separate solves.

Only plain sweeps come here (every budget spent in full, value or ratio objective, no rules, ratio
floor, payback rule, S-curves, buy-ins, cells or draws); :func:`budget_only_sweep` says None to the
rest, which the frontier solves budget by budget.
"""

from __future__ import annotations

import numpy as np

from optimizer.model.channels import Channels
from optimizer.model.choices import BudgetMode, Method, Objective
from optimizer.model.limits import channel_limits
from optimizer.model.settings import Settings

_ROUNDS = 200
_BLOCK = 1_000_000  # channels x budgets evaluated in one array


def sweepable(table: Channels, settings: Settings, rules) -> bool:
    """Whether every budget of a sweep has the closed-form optimum (the budget is the only linking rule)."""
    s = settings
    return (s.method == Method.auto and s.budget_mode == BudgetMode.exact and s.objective in (Objective.value,
            Objective.ratio) and s.min_ratio is None and s.max_payback is None and s.max_active is None
            and s.risk is None and not rules and table.cells is None and bool(table.curves.concave.all())
            and not (np.nan_to_num(table.min_buy_in) > 0).any() and not table.timeline.any
            and not s.organic_customers and not table.organic.any())


def budget_only_sweep(table: Channels, settings: Settings, budgets: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each budget: every channel's optimal spend (budgets x channels), the budget's multiplier (customer
    value per extra unit of budget) and whether the channels' limits can meet it (False: no plan)."""
    budgets = np.asarray(budgets, float)
    limits, _ = channel_limits(table, settings, float(budgets.max()))
    lo, hi_all = limits.lo, limits.hi
    feasible = (budgets >= lo.sum() * (1 - 1e-12)) & (budgets <= np.minimum(hi_all[None, :], budgets[:, None])
                                                      .sum(axis=1) * (1 + 1e-12))
    spend, mu = np.full((len(budgets), len(lo)), np.nan), np.full(len(budgets), np.nan)
    block = max(1, _BLOCK // max(len(lo), 1))
    for start in range(0, len(budgets), block):
        rows = np.flatnonzero(feasible[start:start + block]) + start
        if len(rows):
            spend[rows], mu[rows] = _bisect(table, lo, hi_all, budgets[rows])
    return spend, mu, feasible


def _bisect(table: Channels, lo: np.ndarray, hi_all: np.ndarray, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    size, n = len(totals), len(lo)
    curves = table.curves.subset(np.tile(np.arange(n), size))
    ltv = np.tile(table.ltv.astype(float), size)
    lo_b, hi_b = np.tile(lo, size), np.minimum(np.tile(hi_all, size), np.repeat(totals, n))

    def spend(mu: np.ndarray) -> np.ndarray:
        m = np.repeat(mu, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(ltv > 0, curves.spend_at_marginal(m / np.where(ltv > 0, ltv, 1.0)), np.where(m > 0, 0, np.inf))
        return np.clip(x, lo_b, hi_b).reshape(size, n)

    low, high = np.full(size, -1.0), np.ones(size)
    while True:  # widen each bracket until spend(low) >= total >= spend(high)
        over = (spend(high).sum(axis=1) > totals) & (high < 1e300)
        if not over.any():
            break
        high = np.where(over, high * 4, high)
    for _ in range(_ROUNDS):  # to 1e-14 of mu: the ties' share below makes each budget's spend exact
        mid = 0.5 * (low + high)
        if np.all((high - low <= 1e-14 * np.maximum(np.abs(low), np.abs(high))) | (mid == low) | (mid == high)):
            break
        up = spend(mid).sum(axis=1) >= totals
        low, high = np.where(up, mid, low), np.where(up, high, mid)
    x_low, x_high = spend(low), spend(high)
    rest = totals - x_high.sum(axis=1)
    room = np.maximum(x_low - x_high, 0.0)
    share = np.where((rest > 0) & (room.sum(axis=1) > 0),
                     np.minimum(1.0, rest / np.maximum(room.sum(axis=1), 1e-300)), 0.0)
    return x_high + room * share[:, None], 0.5 * (low + high)
