"""Payback and blended figures of a plan: per channel (plan columns) and for the portfolio.

Per channel, payback is read off the channel's value timeline at three costs per customer: today's
average CAC, the recommended average CAC, and the marginal CAC (when the *next* customer pays back).
The portfolio's payback is the first month the cohort's cumulative value (the customers the plan
buys, each channel on its own timeline) covers spend plus fixed costs. ``inf`` means "never within
the horizon"; NaN means there is no timeline to read it from. Organic customers do not count toward
payback: they arrive whatever the budget, so they repay nothing of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.model.channels import Channels
from optimizer.results.result import RuleCheck


@dataclass(frozen=True)
class Payback:
    """The portfolio's payback in months, today and in the plan, and its rule.

    ``inf``: never within ``horizon`` months (the shortest timeline among channels with customers);
    NaN: some channel with customers has no timeline (``missing`` names them). ``per_month`` is what
    one more month of allowed payback adds to the objective (0 when the rule has room).
    """

    current: float
    recommended: float
    horizon: float
    limit: float | None = None
    per_month: float | None = None
    missing: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"current_months": _finite(self.current), "recommended_months": _finite(self.recommended),
                "current": months_text(self.current, self.horizon), "recommended":
                    months_text(self.recommended, self.horizon), "horizon_months": _finite(self.horizon),
                "max_payback": self.limit, "objective_per_extra_month": self.per_month,
                "channels_without_timeline": list(self.missing)}


def months_text(months: float, horizon: float | None = None) -> str:
    """A payback in words: '8.4 months', 'never within 36 months', 'unknown'."""
    if months is None or months != months:
        return "unknown"
    if math.isinf(months):
        return f"never within {horizon:g} months" if horizon and horizon == horizon else "never within the horizon"
    return f"{months:.1f} months"


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def payback_columns(plan: pd.DataFrame, table: Channels) -> pd.DataFrame:
    """``plan`` with each channel's payback (months) at today's, the recommended and the marginal CAC."""
    timeline = table.timeline
    if not timeline.any:
        return plan
    out = plan.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["payback_horizon_months"] = timeline.horizon
        for name, cac in (("current", plan["current_cac"]), ("recommended", plan["recommended_cac"]),
                          ("marginal", plan["marginal_cac"])):
            out[f"{name}_payback_months"] = timeline.payback(cac.to_numpy(float))
    if not np.isnan(table.max_payback).all():
        out["max_payback_months"] = table.max_payback
    return out


def organic_columns(plan: pd.DataFrame, table: Channels) -> pd.DataFrame:
    """``plan`` with each channel's organic customers and blended CAC and LTV:CAC (when any channel has them)."""
    if not (table.organic > 0).any():
        return plan
    out = plan.copy()
    organic = table.organic
    out["organic_customers"] = organic
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in ("current", "recommended"):
            spend = plan[f"{name}_spend"].to_numpy(float)
            everyone = plan[f"{name}_customers"].to_numpy(float) + organic
            out[f"{name}_blended_cac"] = np.where(everyone > 0, spend / everyone, np.nan)
            out[f"{name}_blended_ltv_cac"] = np.where(spend > 0, table.ltv * everyone / spend, np.nan)
    return out


def portfolio_payback(table: Channels, current: np.ndarray, recommended: np.ndarray, fixed: float,
                      limit: float | None, check: RuleCheck | None) -> Payback | None:
    """The portfolio's payback today and in the plan (None when no channel has a timeline)."""
    timeline = table.timeline
    if not timeline.any:
        return None
    curves = table.curves
    now, new = curves.customers(current), curves.customers(recommended)
    missing = tuple(n for n, c, k in zip(table.names, new, timeline.known, strict=True) if c > 0 and not k)
    active = new > 0
    horizon = float(np.nanmin(timeline.horizon[active])) if (active & timeline.known).any() else math.nan
    per_month = None
    if check is not None and limit is not None:
        slope = np.nan_to_num(timeline.slope_at(limit))
        per_month = check.shadow_price * float(slope @ new) if check.binding else 0.0
    return Payback(timeline.cohort_payback(now, float(current.sum() + fixed)),
                   timeline.cohort_payback(new, float(recommended.sum() + fixed)), horizon, limit, per_month, missing)
