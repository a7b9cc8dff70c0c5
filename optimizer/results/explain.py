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
    held, shadow, reasons = [], [], []
    for i, row in enumerate(plan.itertuples()):
        name = _held_by(row, i, binding_rules)
        held.append(name)
        shadow.append(_shadow(row.bound, worth[i] * per_unit) if row.bound in ("min", "max", "locked") else 0.0)
        reasons.append(_reason(row, name, goal, margin))
    out["held_by"] = held
    out["limit_shadow_price"] = shadow
    out["reason"] = reasons
    low, high = _factor_range(table, limits, a, b, x, plan["bound"].to_numpy())
    cac_now = plan["current_cac"].fillna(plan["recommended_cac"]).to_numpy()  # a new channel: its planned CAC
    value_goal = goal != Objective.customers
    out["ltv_range_low"] = np.where(value_goal, table.ltv * low, np.nan)
    out["ltv_range_high"] = np.where(value_goal, table.ltv * high, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cac_range_low"] = cac_now / high
        out["cac_range_high"] = cac_now / low
    return out


def _held_by(row, i: int, binding_rules) -> str:
    if row.bound == "locked":
        return "locked"
    if row.limit == "max_payback":
        return f"{getattr(row, 'max_payback_months', float('nan')):g}-month payback"
    if row.bound in ("max", "min"):
        side = "ceiling" if row.bound == "max" else "floor"
        return f"max-change {side}" if row.limit == "max-change" else _WORDS.get(row.limit, row.limit)
    return "; ".join(text for text, member in binding_rules if member[i] != 0)


def _shadow(bound: str, worth: float) -> float:
    """What moving the holding limit by one unit (the way the channel wants) adds to the objective."""
    if not np.isfinite(worth):
        return float("inf")
    return max(worth, 0.0) if bound == "max" else max(-worth, 0.0) if bound == "min" else abs(worth)


def _reason(row, held: str, goal: Objective, margin: float | None) -> str:
    if goal == Objective.customers:
        mine, theirs = f"its next customer costs {money(row.marginal_cac)}", (
            f"the portfolio's marginal CAC of {money(1 / margin)}" if margin else "the portfolio's margin")
    else:
        mine, theirs = f"its next unit returns {ratio(row.marginal_ltv_cac)}", (
            f"the portfolio margin of {ratio(margin)}" if margin is not None else "the portfolio margin")
    if row.bound == "locked":
        return f"locked at its current spend; {mine} against {theirs}"
    if row.bound == "max" and row.limit == "max_payback" and row.recommended_spend <= 0:
        return f"held at zero by its {held}: at no spend would its customers pay back in time; {mine}"
    if row.bound == "max":
        return f"capped by its {held} ({money(row.recommended_spend)}); {mine}, better than {theirs}"
    if row.bound == "min":
        where = "cut to zero" if held == "zero spend" else f"held at its {held} ({money(row.recommended_spend)})"
        return f"{where}; {mine}, worse than {theirs}"
    if held:
        return f"held by {held}; {mine} against {theirs}"
    return f"free: spent until {mine}, the same as {theirs}"


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
