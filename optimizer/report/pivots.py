"""Plans over cells summed up per channel, per market, per period (any dimension): what people read
instead of 60 000 rows, in the terminal, in CSV files and in scenario comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.words import money, ratio, whole

FIGURES = ("current_spend", "recommended_spend", "current_customers", "recommended_customers",
           "current_value", "recommended_value")


def dimensions(plan: pd.DataFrame) -> tuple[str, ...]:
    """The columns a plan over cells may be pivoted on: channel, then its dimensions (none for channels)."""
    if plan is None or "cell" not in plan.columns:
        return ()
    start = list(plan.columns).index("channel")
    end = list(plan.columns).index("curve")
    return tuple(plan.columns[start:end])


def pivot(plan: pd.DataFrame, dim: str) -> pd.DataFrame:
    """Spend, customers, value and LTV:CAC per value of ``dim`` (current and recommended), in plan order."""
    frame = plan.assign(current_value=plan["ltv"] * plan["current_customers"],
                        recommended_value=plan["ltv"] * plan["recommended_customers"])
    out = frame.groupby(dim, sort=False)[list(FIGURES)].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["change_pct"] = np.where(out["current_spend"] > 0,
                                     (out["recommended_spend"] / out["current_spend"] - 1) * 100, np.nan)
        out["current_ltv_cac"] = out["current_value"] / out["current_spend"]
        out["recommended_ltv_cac"] = out["recommended_value"] / out["recommended_spend"]
    return out.reset_index()


def pivots(plan: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every pivot of a plan over cells, by dimension name."""
    return {dim: pivot(plan, dim) for dim in dimensions(plan)}


def format_pivot(table: pd.DataFrame, dim: str, most: int = 24) -> list[str]:
    """One pivot as aligned text (the first ``most`` rows)."""
    width = min(max(10, *(len(str(v)) for v in table[dim])), 28)
    out = [f"{dim.capitalize():<{width}}{'current':>13}{'recommended':>13}{'change':>10}{'LTV:CAC':>9}"]
    for r in table.head(most).itertuples():
        change = "-" if np.isnan(r.change_pct) else f"{r.change_pct:+.1f} %"
        out.append(f"{str(getattr(r, dim))[:width]:<{width}}{money(r.current_spend):>13}"
                   f"{money(r.recommended_spend):>13}{change:>10}{ratio(r.recommended_ltv_cac):>9}")
    if len(table) > most:
        out.append(f"... and {whole(len(table) - most)} more (see the pivot CSV)")
    return out


def format_pivots(plan: pd.DataFrame) -> list[str]:
    """Every pivot of a plan over cells as text, one block per dimension."""
    out = []
    for dim, table in pivots(plan).items():
        out += [*format_pivot(table, dim), ""]
    return out[:-1]
