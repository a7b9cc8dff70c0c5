"""Payback and blended figures as text: the portfolio's extra rows and the payback table per channel."""

from __future__ import annotations

import math

import pandas as pd

from optimizer.results.result import Result
from optimizer.words import count, money, ratio


def months(x: float) -> str:
    """Months in a table cell: '8.4', 'never' (not within the horizon) or '-' (unknown)."""
    if x is None or x != x:
        return "-"
    return "never" if math.isinf(x) else f"{x:.1f}"


def portfolio_rows(result: Result) -> list[tuple[str, str, str, float, float]]:
    """Rows (label, current, recommended, and their numbers) after the paid LTV:CAC: blended LTV:CAC,
    paid and blended CAC and organic customers (when there are any), and the payback."""
    b, a = result.before, result.after
    rows = []
    if b.organic_customers or a.organic_customers:  # under the paid LTV:CAC row
        rows += [("  blended", ratio(b.blended_ltv_cac), ratio(a.blended_ltv_cac), b.blended_ltv_cac,
                  a.blended_ltv_cac),
                 ("CAC paid", money(b.cac), money(a.cac), b.cac, a.cac),
                 ("  blended", money(b.blended_cac), money(a.blended_cac), b.blended_cac, a.blended_cac),
                 ("organic", count(b.organic_customers), count(a.organic_customers), math.nan, math.nan)]
    p = result.payback
    if p is not None:
        rows.append(("payback", _with_unit(p.current), _with_unit(p.recommended), p.current, p.recommended))
    return rows


def _with_unit(x: float) -> str:
    text = months(x)
    return text + " mo" if text not in ("-", "never") else text


def payback_lines(result: Result, max_rows: int = 40) -> list[str]:
    """The payback table: per channel today, in the plan and for the next customer, with the rules."""
    p, plan = result.payback, result.plan
    if p is None or "recommended_payback_months" not in plan.columns:
        return []
    horizon = plan["payback_horizon_months"].max()
    width = min(max(9, *(len(c) for c in plan["channel"])), 24)
    out = ["", f"Payback: months until a new customer's cumulative value covers its CAC (timelines to "
               f"{horizon:g} months; 'never': not within them)",
           f"{'Channel':<{width}}{'today':>9}{'recommended':>13}{'next customer':>15}  rule"]
    for r in plan.head(max_rows).itertuples():
        out.append(f"{r.channel[:width]:<{width}}{months(r.current_payback_months):>9}"
                   f"{months(r.recommended_payback_months):>13}{months(r.marginal_payback_months):>15}  "
                   f"{_channel_rule(r)}")
    out.append(f"{'Portfolio':<{width}}{months(p.current):>9}{months(p.recommended):>13}{'':>15}  "
               f"{_portfolio_rule(result)}")
    if p.missing:
        verb = "brings customers but has" if len(p.missing) == 1 else "bring customers but have"
        out.append(f"  the portfolio's payback is unknown: {', '.join(repr(m) for m in p.missing[:5])} {verb} "
                   "no value timeline (value_<N>m columns)")
    elif math.isinf(p.recommended):
        out.append(f"  the plan's customers do not pay back its cost within {p.horizon:g} months")
    return out


def _channel_rule(row) -> str:
    limit = getattr(row, "max_payback_months", math.nan)
    if limit != limit:
        return ""
    if row.limit == "max_payback":
        return f"<= {limit:g}, holds it" + (" at 0" if row.recommended_spend <= 0 else "")
    return f"<= {limit:g}"


def _portfolio_rule(result: Result) -> str:
    p = result.payback
    if p.limit is None:
        return ""
    check = next((r for r in result.rules if r.name == "max_payback"), None)
    if check is None or not check.binding:
        return f"<= {p.limit:g}, holds with room"
    worth = money(p.per_month) if abs(p.per_month) >= 1 else f"{p.per_month:.3g}"
    return (f"<= {p.limit:g}, binding: one more month allowed adds {worth} to the objective "
            f"(shadow price {check.shadow_price:.4g} per unit of cost not yet covered)")


def payback_frame(result: Result) -> pd.DataFrame | None:
    """The payback columns of the plan, for the report (None without timelines)."""
    if result.payback is None or "recommended_payback_months" not in result.plan.columns:
        return None
    keep = ["channel", "current_payback_months", "recommended_payback_months", "marginal_payback_months"]
    keep += [c for c in ("max_payback_months", "limit") if c in result.plan.columns]
    return result.plan[keep]
