"""Why each channel gets what it gets: the limit or rule that holds it, its shadow price, a reason
in words, and how far its LTV or CAC could move before its spend changes materially.

Everything here is read off the final multipliers, the same ones that certify the plan: a
channel's Lagrangian coefficients (a, b) price one more unit of its spend at a * marginal - b.
Ranges hold those multipliers fixed (first order): they answer "how wrong could this channel's
own estimate be before its spend moves by more than 10 % or leaves its limit".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.model.channels import Channels
from optimizer.model.choices import Objective
from optimizer.model.limits import Limits
from optimizer.words import money, ratio

MOVE = 0.10  # a spend change of 10 % counts as material
_WORDS = {"spend >= 0": "zero spend", "min_spend": "min_spend", "max_spend": "max_spend",
          "budget": "the budget", "locked": "locked"}


def explain(plan: pd.DataFrame, table: Channels, limits: Limits, coefficients: tuple[np.ndarray, np.ndarray],
            binding_rules: list[tuple[str, np.ndarray]], goal: Objective, cost: float,
            margin: float | None) -> pd.DataFrame:
    """``plan`` with held_by, limit_shadow_price, reason and the LTV and CAC ranges."""
    a, b = coefficients
    x = plan["recommended_spend"].to_numpy()
    marginal = table.curves.marginal(x)
    with np.errstate(invalid="ignore", over="ignore"):
        worth = a * marginal - b  # objective per extra unit of this channel's spend
    per_unit = 1 / cost if goal == Objective.ratio and cost > 0 else 1.0
    out = plan.copy()
    bound, limit = plan["bound"].to_numpy(object), plan["limit"].to_numpy(object)
    held = _held_by(bound, limit, plan, binding_rules)
    out["held_by"] = held
    out["limit_shadow_price"] = _shadow(bound, worth * per_unit)
    out["reason"] = _reasons(plan, bound, limit, held, goal, margin)
    low, high = _factor_range(table, limits, a, b, x, plan["bound"].to_numpy())
    cac_now = plan["current_cac"].fillna(plan["recommended_cac"]).to_numpy()  # a new channel: its planned CAC
    value_goal = goal != Objective.customers
    out["ltv_range_low"] = np.where(value_goal, table.ltv * low, np.nan)
    out["ltv_range_high"] = np.where(value_goal, table.ltv * high, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cac_range_low"] = cac_now / high
        out["cac_range_high"] = cac_now / low
    return out


def _held_by(bound: np.ndarray, limit: np.ndarray, plan: pd.DataFrame, binding_rules) -> np.ndarray:
    """What holds each channel: its own limit in words, else the binding rules it is in (joined by "; ")."""
    held = np.full(len(bound), "", dtype=object)
    free = np.flatnonzero((bound != "locked") & (limit != "max_payback") & (bound != "max") & (bound != "min"))
    for text, member in binding_rules:
        at = free[member[free] != 0]
        held[at] = np.where(held[at] == "", text, held[at] + "; " + text)
    limited = np.flatnonzero((bound == "max") | (bound == "min"))
    side = np.where(bound[limited] == "max", "max-change ceiling", "max-change floor")
    held[limited] = np.where(limit[limited] == "max-change", side, [_WORDS.get(x, x) for x in limit[limited]])
    payback = np.flatnonzero((limit == "max_payback") & (bound != "locked"))
    months = plan["max_payback_months"].to_numpy(float) if "max_payback_months" in plan else np.full(len(bound), np.nan)
    held[payback] = [f"{m:g}-month payback" for m in months[payback]]
    held[bound == "locked"] = "locked"
    return held


def _shadow(bound: np.ndarray, worth: np.ndarray) -> np.ndarray:
    """What moving each holding limit by one unit (the way the channel wants) adds to the objective."""
    with np.errstate(invalid="ignore"):
        value = np.select([bound == "max", bound == "min"], [np.where(worth < 0, 0.0, worth),
                                                              np.where(-worth < 0, 0.0, -worth)], np.abs(worth))
    value = np.where(np.isfinite(worth), value, np.inf)
    return np.where(np.isin(bound, ("min", "max", "locked")), value, 0.0)


def _reasons(plan: pd.DataFrame, bound: np.ndarray, limit: np.ndarray, held: np.ndarray, goal: Objective,
             margin: float | None) -> list[str]:
    """Each channel's reason in words: what holds it, and its next unit against the portfolio's margin."""
    if goal == Objective.customers:
        mine = [f"its next customer costs {money(x)}" for x in plan["marginal_cac"].tolist()]
        theirs = f"the portfolio's marginal CAC of {money(1 / margin)}" if margin else "the portfolio's margin"
    else:
        mine = [f"its next unit returns {ratio(x)}" for x in plan["marginal_ltv_cac"].tolist()]
        theirs = f"the portfolio margin of {ratio(margin)}" if margin is not None else "the portfolio margin"
    spend = plan["recommended_spend"].tolist()
    out = []
    for b, lim, h, x, m in zip(bound.tolist(), limit.tolist(), held.tolist(), spend, mine, strict=True):
        if b == "locked":
            out.append(f"locked at its current spend; {m} against {theirs}")
        elif b == "max" and lim == "max_payback" and x <= 0:
            out.append(f"held at zero by its {h}: at no spend would its customers pay back in time; {m}")
        elif b == "max":
            out.append(f"capped by its {h} ({money(x)}); {m}, better than {theirs}")
        elif b == "min":
            where = "cut to zero" if h == "zero spend" else f"held at its {h} ({money(x)})"
            out.append(f"{where}; {m}, worse than {theirs}")
        else:
            out.append(f"held by {h}; {m} against {theirs}" if h else f"free: spent until {m}, the same as {theirs}")
    return out


def _factor_range(table: Channels, limits: Limits, a: np.ndarray, b: np.ndarray, x: np.ndarray,
                  bound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factors on a channel's value per customer that keep its spend (within 10 %, or at its limit)."""
    curves = table.curves
    with np.errstate(divide="ignore", invalid="ignore"):
        def factor(at):
            return b / (a * curves.marginal(at))

        low_at = np.where(bound == "max", x, np.where(bound == "min", np.nan, np.maximum(x * (1 - MOVE), limits.lo)))
        high_at = np.where(bound == "min", x, np.where(bound == "max", np.nan, np.minimum(x * (1 + MOVE), limits.hi)))
        low = np.where(bound == "min", 0.0, factor(low_at))
        high = np.where(bound == "max", np.inf, factor(high_at))
    locked = bound == "locked"
    low = np.where(locked | ~(a > 0), np.nan, np.clip(low, 0.0, 1.0))
    high = np.where(locked | ~(a > 0), np.nan, np.maximum(high, 1.0))
    return low, high
