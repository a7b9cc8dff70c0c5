"""The plan table: one row per channel, current against recommended, and what holds it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.model.channels import Channels
from optimizer.model.limits import Limits


def plan_frame(table: Channels, limits: Limits, spend: np.ndarray) -> pd.DataFrame:
    """Current and recommended figures per channel, with marginal returns and binding limits."""
    curves, s = table.curves, table.spend
    now, new = curves.customers(s), curves.customers(spend)
    marginal = curves.marginal(spend)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame = pd.DataFrame({
            "channel": table.names,
            "curve": table.curve_names,
            "current_spend": s,
            "recommended_spend": spend,
            "change": spend - s,
            "change_pct": np.where(s > 0, (spend - s) / s * 100, np.nan),
            "current_customers": now,
            "recommended_customers": new,
            "ltv": table.ltv,
            "current_cac": np.where(now > 0, s / now, np.nan),
            "recommended_cac": np.where(new > 0, spend / new, np.nan),
            "marginal_cac": np.where(marginal > 0, 1 / marginal, np.nan),
            "current_ltv_cac": np.where(s > 0, table.ltv * now / s, np.nan),
            "recommended_ltv_cac": np.where(spend > 0, table.ltv * new / spend, np.nan),
            "marginal_ltv_cac": table.ltv * marginal,
        })
    bound, limit = _bounds(table, limits, spend)
    frame["bound"] = bound
    frame["limit"] = limit
    frame["min_allowed"] = limits.lo
    frame["max_allowed"] = limits.hi
    if table.cells is not None:  # a cell's name, then its channel and dimensions as columns to pivot on
        frame.insert(0, "cell", frame["channel"])
        frame["channel"] = table.cells.values("channel")
        for k, dim in enumerate(table.cells.dims):
            frame.insert(2 + k, dim, table.cells.values(dim))
    return frame


def _bounds(table: Channels, limits: Limits, spend: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which limit holds each channel: none, min, max or locked, and the rule behind it."""
    eps = 1e-7 * max(limits.budget, 1.0)
    x, lo_rule, hi_rule = spend, np.asarray(limits.lo_rule, object), np.asarray(limits.hi_rule, object)
    locked = np.asarray(table.locked, bool)
    payback = ~locked & (hi_rule == "max_payback") & (x >= limits.hi - eps)  # its payback holds it, even at 0
    low = ~locked & ~payback & (x <= limits.lo + eps)
    high = ~locked & ~payback & ~low & (x >= limits.hi - eps) & (hi_rule != "budget")
    bound = np.select([locked, payback, low, high], ["locked", "max", "min", "max"], "none").astype(object)
    off = low & (table.min_buy_in > 0) & (x <= eps)
    rule = np.select([locked, payback, off, low, high], ["locked", "max_payback", "min_buy_in (off)", lo_rule, hi_rule],
                     "")
    return bound, rule.astype(object)


# Plan columns where an infinite number means "no bound on that side": a file shows that as an empty cell,
# which a spreadsheet skips, rather than the text "inf" (payback months keep inf, documented as "never").
UNBOUNDED = ("ltv_range_low", "ltv_range_high", "cac_range_low", "cac_range_high", "limit_shadow_price")


def plan_for_file(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan as written to a CSV file: an unbounded range end or shadow price is an empty cell."""
    out = plan.copy()
    for column in (c for c in UNBOUNDED if c in out.columns):
        out[column] = out[column].where(np.isfinite(out[column].astype(float)))
    return out
