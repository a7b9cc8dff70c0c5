"""Value over time per channel: the tidy timeline ``ltvcac ltv --timeline`` writes, read back, and turned
into the channel table's payback-ready ``value_<N>m`` columns.

The timeline has one row per channel and period end: ``channel, period, cumulative_value, low, high,
unit`` (the expected discounted margin of one new customer by the end of that period, period 0
being the first purchase, and its interval). Periods are in the LTV's own unit (days, weeks,
months); months for the channel table are converted with 365.25 / 12 days a month, and values
between period ends are interpolated linearly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.numbers import parse_numbers
from optimizer.files.ranges import AMOUNT, Allowed
from optimizer.files.tables import TextTable, read_table
from optimizer.model.choices import TimeUnit, choose, values
from optimizer.model.timeline import column_name, payback_months

COLUMNS = ("channel", "period", "cumulative_value", "low", "high", "unit")
_SLACK = 1e-9


def envelope(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Monotone interval bounds for a nondecreasing curve: a running maximum of the lower bounds and
    a running minimum (from the end) of the upper ones. The true curve never falls, so it lies above
    every earlier lower bound and below every later upper bound."""
    return np.maximum.accumulate(low), np.minimum.accumulate(high[::-1])[::-1]


def timeline_frame(curves: dict[str, tuple], unit: str) -> pd.DataFrame:
    """The tidy timeline of ``curves`` (channel -> periods, values, lows, highs)."""
    parts = [pd.DataFrame({"channel": name, "period": t, "cumulative_value": v, "low": lo, "high": hi, "unit": unit})
             for name, (t, v, lo, hi) in curves.items()]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def read_timeline(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, TimeUnit]:
    """A timeline file (as ``ltvcac ltv --timeline`` writes), validated: every problem at once.

    Raises
    ------
    InputError
        Missing columns, cells that are not numbers, values that fall over time or are negative,
        a missing or unknown unit.
    """
    table = read_table(source)
    frame = table.frame
    missing = [Problem(f"column {c!r} is missing; the timeline needs channel, period, cumulative_value and unit",
                       column=c) for c in ("channel", "period", "cumulative_value", "unit") if c not in frame.columns]
    if missing:
        raise InputError(table.source, missing)
    out = pd.DataFrame({"channel": frame["channel"].astype(str).str.strip(),
                        "period": parse_numbers(frame["period"], table.decimal),
                        "cumulative_value": parse_numbers(frame["cumulative_value"], table.decimal)})
    problems = _cell_problems(table, out)
    units = {str(u).strip().lower() for u in frame["unit"]}
    if len(units) != 1 or next(iter(units)) not in values(TimeUnit):
        problems.append(Problem(f"the unit must be one of {', '.join(values(TimeUnit))}, the same on every row "
                                f"(found {', '.join(sorted(units))})", column="unit"))
    if problems:
        raise InputError(table.source, problems)
    return out.sort_values(["channel", "period"], kind="stable").reset_index(drop=True), TimeUnit(units.pop())


def _cell_problems(table: TextTable, out: pd.DataFrame) -> list[Problem]:
    problems = []
    for column in ("period", "cumulative_value"):
        for pos in np.flatnonzero(AMOUNT.bad(out[column]))[:5]:
            problems.append(Problem(f"{table.frame[column].iloc[pos]!r} is not a number of {AMOUNT}",
                                    table.line(int(pos)), out["channel"].iloc[pos], column, table.line_word))
    if problems:
        return problems
    for name, rows in out.groupby("channel", sort=False):
        ordered = rows.sort_values("period", kind="stable")
        falls = np.flatnonzero(np.diff(ordered["cumulative_value"].to_numpy()) < -_SLACK * ordered[
            "cumulative_value"].abs().max())
        value, period = ordered["cumulative_value"].to_numpy(), ordered["period"].to_numpy()
        for k in falls[:3]:
            problems.append(Problem(f"cumulative_value {value[k + 1]:g} at period {period[k + 1]:g} is below "
                                    f"{value[k]:g} at period {period[k]:g}; cumulative value cannot fall over time",
                                    table.line(int(ordered.index[k + 1])), name, "cumulative_value", table.line_word))
        if ordered["period"].duplicated().any():
            problems.append(Problem("a period appears twice for this channel; keep one row per period",
                                    channel=name, column="period"))
    return problems


def default_months(horizon: float) -> list[float]:
    """Months for the channel table: 0 to 12 monthly, every 3 to 24, then every 6, up to ``horizon``."""
    grid = [*range(13), 15, 18, 21, 24, *range(30, 1201, 6)]
    return [float(m) for m in grid if m <= horizon + _SLACK]


def parse_months(text: str | None, horizon: float) -> list[float]:
    """``"0,3,6,12"`` as months (default: :func:`default_months`); each within ``horizon``."""
    if text is None:
        return default_months(horizon)
    try:
        months = sorted({float(m) for m in str(text).replace(";", ",").split(",") if m.strip()})
    except ValueError:
        raise UsageError(f"`months` {text!r} is not a list of months; write them such as 0,3,6,12,24") from None
    beyond = [m for m in months if Allowed(0.0, horizon * (1 + _SLACK)).bad([m])[0]]
    if not months or beyond:
        raise UsageError(f"`months` must lie between 0 and the timeline's horizon ({horizon:.4g} months); "
                         f"{', '.join(f'{m:g}' for m in beyond) or 'none given'}")
    return months


def value_columns(timeline: pd.DataFrame, unit: TimeUnit | str, months: str | list[float] | None = None
                  ) -> pd.DataFrame:
    """One row per channel with its cumulative value at each of ``months``, as value_<N>m columns."""
    per_month = TimeUnit.months.days_each / choose(TimeUnit, unit, "time unit").days_each  # units in a month
    horizon = float(timeline.groupby("channel")["period"].max().min()) / per_month
    chosen = months if isinstance(months, list) else parse_months(months, horizon)
    rows = []
    for name, part in timeline.groupby("channel", sort=False):
        t = part["period"].to_numpy(float) / per_month
        v = part["cumulative_value"].to_numpy(float)
        if t[0] > 0:
            t, v = np.concatenate([[0.0], t]), np.concatenate([[0.0], v])
        rows.append({"channel": name, **{column_name(m): float(np.interp(m, t, v)) for m in chosen}})
    return pd.DataFrame(rows)


def payback_from_timeline(timeline: pd.DataFrame, cac: dict[str, float] | float) -> pd.DataFrame:
    """Payback per channel at ``cac`` (one per channel, or the same for all), in the timeline's periods.

    ``payback`` from the estimate, ``payback_low`` from the upper curve (the soonest within the
    interval) and ``payback_high`` from the lower one; ``inf`` means not within the timeline.
    """
    rows = []
    for name, part in timeline.groupby("channel", sort=True):
        cost = cac[name] if isinstance(cac, dict) else cac
        t = part["period"].to_numpy(float)
        rows.append({"channel": name, "cac": cost, "payback": payback_months(t, part["cumulative_value"].to_numpy(),
                                                                            cost)}
                    | ({"payback_low": payback_months(t, part["high"].to_numpy(float), cost),
                        "payback_high": payback_months(t, part["low"].to_numpy(float), cost)}
                       if "low" in part.columns else {}))
    return pd.DataFrame(rows)
