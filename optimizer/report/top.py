"""Which channels a person reads: at most 40, those with the most spend or the largest change, the rest as one row.

The terminal, the HTML report and the charts show every channel of a plan of up to :data:`TOP` channels,
in the plan's order. A larger plan shows :data:`TOP` channels, taken in turn from the largest recommended
spend and the largest change of spend (so a channel cut to zero shows as well as one that grows), most
recommended spend first, and sums the rest into one row, "other N channels". The plan CSV always has
every channel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.words import whole

TOP = 40


def top_rows(plan: pd.DataFrame, most: int = TOP) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(The rows to show, the rest): the whole plan when it has at most ``most`` rows."""
    if len(plan) <= most:
        return plan, plan.iloc[:0]
    recommended = plan["recommended_spend"].to_numpy(float)
    change = np.abs(recommended - plan["current_spend"].to_numpy(float))
    by_spend, by_change = np.argsort(-recommended, kind="stable"), np.argsort(-change, kind="stable")
    chosen: dict[int, None] = {}
    for a, b in zip(by_spend, by_change, strict=True):
        chosen.update({int(a): None, int(b): None})
        if len(chosen) >= most:
            break
    keep = np.zeros(len(plan), bool)
    keep[list(chosen)[:most]] = True
    shown = plan[keep].sort_values("recommended_spend", ascending=False, kind="stable")
    return shown, plan[~keep]


def rest_row(rest: pd.DataFrame) -> dict:
    """The channels not shown, as one row: their spend, customers, value and LTV:CAC, today and recommended."""
    row = {"channel": f"other {whole(len(rest))} channels", "channels": len(rest)}
    for when in ("current", "recommended"):
        spend, customers = rest[f"{when}_spend"].sum(), rest[f"{when}_customers"].sum()
        value = float((rest["ltv"] * rest[f"{when}_customers"]).sum())
        row.update({f"{when}_spend": spend, f"{when}_customers": customers, f"{when}_value": value,
                    f"{when}_ltv_cac": value / spend if spend > 0 else np.nan})
    row["change_pct"] = (100 * (row["recommended_spend"] / row["current_spend"] - 1) if row["current_spend"] > 0
                         else np.nan)
    return row
