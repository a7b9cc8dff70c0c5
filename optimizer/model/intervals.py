"""Intervals around a channel's estimates: the columns that hold them, what makes one valid, and how
an interval moves to another level.

An interval ``<quantity>_low`` - ``<quantity>_high`` at ``interval_level`` (a column, else the
``interval_level`` setting, default 0.90) says where the quantity lies with that probability. Each
must contain its estimate, and every quantity here is positive. The uncertainty package turns them
into draws: a lognormal with its median at the estimate, one spread below and one above, so both ends
of the interval are matched (see :mod:`optimizer.uncertainty.draws`).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

QUANTITIES = ("ltv", "customers", "cac", "elasticity", "max_customers", "shape")
INTERVAL_COLUMNS = tuple(f"{q}_{end}" for q in QUANTITIES for end in ("low", "high"))
LEVEL_COLUMN = "interval_level"
DEFAULT_LEVEL = 0.9
UPPER = {"elasticity": 1.0, "shape": 10.0}  # the valid ranges' tops (a draw is truncated there)
CURVES = {"elasticity": ("power",), "max_customers": ("saturating", "hill"), "shape": ("hill",)}
_SLACK = 1e-9  # an estimate this close to an end (relatively) is inside: written files round


def z_of(level: float) -> float:
    """The standard normal quantile of a two-sided interval at ``level`` (1.645 for 0.90)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def interval_problems(v: dict, kind: str, bad: set) -> list[tuple[str, str]]:
    """(column, message) for every problem with the intervals of a parsed channel row ``v``.

    ``kind`` is the row's curve; ``bad`` the columns whose cells did not parse (already reported).
    """
    out = []
    level = v.get(LEVEL_COLUMN)
    if level is not None and not 0 < level < 1:
        out.append((LEVEL_COLUMN, f"{level:g} is not a fraction; write 0.9 for a 90 % interval"))
    given = {q for q in QUANTITIES if v.get(f"{q}_low") is not None or v.get(f"{q}_high") is not None}
    if {"customers", "cac"} <= given:
        out.append(("cac_low", "give customers_low/high or cac_low/high, not both (they are the same "
                               "uncertainty: customers = spend / cac)"))
    for q in sorted(given, key=QUANTITIES.index):
        if {f"{q}_low", f"{q}_high"} & bad:
            continue
        out += _one(q, v[f"{q}_low"], v[f"{q}_high"], _estimate(q, v, kind))
    return out


def _estimate(q: str, v: dict, kind: str) -> float | str:
    """The row's estimate of ``q``, or why it has none."""
    if q in CURVES and kind not in CURVES[q]:
        return f"a {kind} curve has no {q}; {q}_low/high apply to {' and '.join(CURVES[q])} curves"
    if q in ("customers", "cac") and not v.get("spend"):
        return (f"a channel with no spend has no {q} to vary; leave {q}_low/high blank (a draws table "
                "may vary its ref_customers)")
    if q == "cac" and v.get("cac") is None:
        customers = v.get("customers")
        return v["spend"] / customers if customers else "the channel has no customers, so no cac to vary"
    value = v.get(q)
    return value if value is not None else f"the row has no {q} for the interval to surround"


def _one(q: str, low: float | None, high: float | None, estimate: float | str) -> list[tuple[str, str]]:
    lo_col, hi_col = f"{q}_low", f"{q}_high"
    if low is None or high is None:
        missing = lo_col if low is None else hi_col
        return [(missing, f"{missing} is missing; an interval needs both ends")]
    if isinstance(estimate, str):
        return [(lo_col, estimate)]
    if low > high:
        return [(lo_col, f"{lo_col} {low:g} is above {hi_col} {high:g}; swap them")]
    if low <= 0:
        return [(lo_col, f"{low:g} must be above 0: {q} is positive and its draws are lognormal")]
    if q in UPPER and high > UPPER[q]:
        return [(hi_col, f"{high:g} is above {UPPER[q]:g}, the most a {q} can be")]
    if not low * (1 - _SLACK) <= estimate <= high * (1 + _SLACK):
        return [(lo_col, f"the interval {low:g} - {high:g} does not contain the estimate {q} = {estimate:g}; "
                         "an interval must surround its estimate (check the columns belong together)")]
    return []


def rescale(estimate: float, low: float, high: float, level: float, to: float) -> tuple[float, float]:
    """An interval at ``level`` restated at level ``to``, under the lognormal the draws use."""
    if level == to or not estimate > 0:
        return low, high
    factor = z_of(to) / z_of(level)
    return (estimate * math.exp(math.log(low / estimate) * factor),
            estimate * math.exp(math.log(high / estimate) * factor))


def carry_ltv_intervals(table: pd.DataFrame, ltv: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``table`` with ltv_low/ltv_high from an LTV table (channel, ltv, ltv_low, ltv_high, interval_level).

    Numeric columns are already parsed. A row that has other intervals keeps their level and the LTV
    interval is restated at it; otherwise the row takes the LTV table's level. Returns notes on
    intervals restated or left out.
    """
    if not {"ltv_low", "ltv_high"} <= set(ltv.columns):
        return table, ()
    by = ltv.assign(channel=ltv["channel"].astype(str).str.strip()).drop_duplicates("channel").set_index("channel")
    levels = by[LEVEL_COLUMN] if LEVEL_COLUMN in by else pd.Series(DEFAULT_LEVEL, index=by.index)
    out = table.copy()
    for column in ("ltv_low", "ltv_high", LEVEL_COLUMN):
        out[column] = out[column].astype(float) if column in out else np.nan
    others = [c for c in INTERVAL_COLUMNS if c in out and not c.startswith("ltv_")]
    notes = []
    for i, name in zip(out.index, out["channel"], strict=True):
        if name not in by.index:
            continue
        estimate, low, high = (float(by.at[name, c]) for c in ("ltv", "ltv_low", "ltv_high"))
        level = float(levels[name]) if np.isfinite(levels[name]) else DEFAULT_LEVEL
        if not 0 < low <= estimate <= high:
            notes.append(f"the LTV interval of {name!r} ({low:g} - {high:g}) does not surround a positive LTV; "
                         "left out")
            continue
        own = out.loc[i, others].notna().any() if others else False
        to = (out.at[i, LEVEL_COLUMN] if pd.notna(out.at[i, LEVEL_COLUMN]) else DEFAULT_LEVEL) if own else level
        out.loc[i, ["ltv_low", "ltv_high", LEVEL_COLUMN]] = [*rescale(estimate, low, high, level, to), to]
        if to != level:
            notes.append(f"the LTV interval of {name!r} restated from {level:g} to {to:g}, the level of the row's "
                         "other intervals")
    return out, tuple(notes)
