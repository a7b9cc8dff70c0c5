"""A channel's value over time, and the payback it implies.

A channel table may carry the expected cumulative value of one new customer (discounted gross
margin, the same units as ``ltv``) at several ages, in columns named ``value_<N>m`` for N months
after acquisition: ``value_0m`` (the first purchase), ``value_3m``, ``value_12m``, ... Between
those months the value is interpolated linearly; before the first given month it starts at 0 at
acquisition (unless ``value_0m`` says otherwise). A chord lies below a concave cumulative curve,
so interpolation never makes a payback look sooner than the timeline's own points say.

Payback at a cost per customer c is the first month t with value(t) >= c: months until a new
customer's cumulative value covers what it cost to acquire them. When value at the channel's last
month is below c, the answer is "never within the horizon" (``inf``).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import numpy as np

PATTERN = re.compile(r"value_(\d+(?:\.\d+)?)m")
PREFIX = "value_"
_SLACK = 1e-9


def column_month(column: str) -> float | None:
    """The month of a timeline column (``value_12m`` -> 12.0); None for any other column."""
    match = PATTERN.fullmatch(column)
    return float(match.group(1)) if match else None


def column_name(month: float) -> str:
    """The timeline column of ``month`` (12 -> ``value_12m``)."""
    return f"{PREFIX}{month:g}m"


def timeline_columns(columns) -> list[tuple[float, str]]:
    """The timeline columns among ``columns``, as (month, name), earliest first."""
    return list(_timeline_columns(tuple(columns)))


@functools.lru_cache(maxsize=32)  # every row of a table asks about the same header
def _timeline_columns(columns: tuple[str, ...]) -> tuple[tuple[float, str], ...]:
    found = [(column_month(c), c) for c in columns]
    return tuple(sorted((m, c) for m, c in found if m is not None))


def misnamed(column: str) -> bool:
    """A column that looks meant as a timeline column but is not named like one (``value_12``)."""
    return column.startswith(PREFIX) and column_month(column) is None


def payback_months(t: np.ndarray, v: np.ndarray, cost: float) -> float:
    """The first time the piecewise-linear cumulative value through (t, v) reaches ``cost``.

    ``inf`` when the value at the last point is below ``cost`` (never within the horizon), NaN when
    ``cost`` is NaN. ``v`` must be nondecreasing.
    """
    if cost != cost:
        return math.nan
    if cost <= v[0] + _SLACK * max(abs(cost), 1.0):
        return float(t[0])
    if v[-1] < cost * (1 - _SLACK):
        return math.inf
    j = int(np.argmax(v >= cost * (1 - _SLACK)))
    step = v[j] - v[j - 1]
    share = 1.0 if step <= 0 else min((cost - v[j - 1]) / step, 1.0)
    return float(t[j - 1] + share * (t[j] - t[j - 1]))


def check_row(cells: list[tuple[float, str, float | None]]) -> list[tuple[str, str]]:
    """Problems of one channel's timeline cells (month, column, value), as (column, message)."""
    problems, last = [], None
    for _month, column, value in cells:
        if value is None:
            continue
        if value < 0:
            problems.append((column, f"{value:g} is negative; cumulative value per customer is 0 or more"))
            continue
        if last is not None and value < last[1] * (1 - _SLACK) - _SLACK:
            problems.append((column, f"{value:g} is below {last[0]} ({last[1]:g}); cumulative value per customer "
                                     "cannot fall over time: check the values and their months"))
        last = (column, value)
    return problems


def check_max_payback(max_payback: float | None, cells: list[tuple[float, str, float | None]]) -> str | None:
    """Why a channel's ``max_payback`` cannot work with its timeline cells (None when it can)."""
    if max_payback is None:
        return None
    if max_payback <= 0:
        return f"{max_payback:g} is not a number of months; give the longest payback allowed, such as 12"
    given = [m for m, _c, v in cells if v is not None]
    if not given:
        return ("max_payback needs the channel's value over time: add value_<N>m columns (cumulative value per "
                "customer N months after acquisition), or write them with 'ltvcac set-ltv --timeline'")
    if max_payback > given[-1] * (1 + _SLACK):
        return (f"{max_payback:g} months is beyond the channel's value timeline (its last column is "
                f"{column_name(given[-1])}); add value columns up to {max_payback:g} months or lower max_payback")
    return None


@dataclass(frozen=True)
class Timeline:
    """Cumulative value per new customer by month, per channel: ``values[i, j]`` at ``months[j]``.

    NaN where a channel has no value at that month; a channel with no values has no timeline.
    """

    months: np.ndarray
    values: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Timeline:
        return cls(np.zeros(0), np.zeros((n, 0)))

    @property
    def any(self) -> bool:
        """Whether any channel has a timeline."""
        return bool(self.known.any())

    @property
    def known(self) -> np.ndarray:
        """Channels with a timeline."""
        return ~np.isnan(self.values).all(axis=1) if self.values.shape[1] else np.zeros(len(self.values), bool)

    @property
    def horizon(self) -> np.ndarray:
        """Each channel's last month with a value (NaN without a timeline)."""
        out = np.full(len(self.values), np.nan)
        for i in np.flatnonzero(self.known):
            out[i] = self.months[~np.isnan(self.values[i])][-1]
        return out

    def points(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Channel ``i``'s (months, values), starting at acquisition (0, 0) unless month 0 is given."""
        given = ~np.isnan(self.values[i])
        t, v = self.months[given], self.values[i][given]
        if not len(t) or t[0] > 0:
            t, v = np.concatenate([[0.0], t]), np.concatenate([[0.0], v])
        return t, v

    def value_at(self, month: float) -> np.ndarray:
        """Each channel's cumulative value per customer at ``month`` (NaN beyond its timeline)."""
        out = np.full(len(self.values), np.nan)
        for i in np.flatnonzero(self.known):
            t, v = self.points(i)
            if month <= t[-1] * (1 + _SLACK):
                out[i] = float(np.interp(month, t, v))
        return out

    def slope_at(self, month: float) -> np.ndarray:
        """Each channel's value gained per month just after ``month`` (NaN beyond its timeline)."""
        out = np.full(len(self.values), np.nan)
        for i in np.flatnonzero(self.known):
            t, v = self.points(i)
            j = int(np.searchsorted(t, month, side="right"))
            if 0 < j < len(t):
                out[i] = (v[j] - v[j - 1]) / (t[j] - t[j - 1])
        return out

    def payback(self, cost: np.ndarray) -> np.ndarray:
        """Months until each channel's customers cover ``cost`` each (inf: never within its timeline)."""
        out = np.full(len(self.values), np.nan)
        for i in np.flatnonzero(self.known):
            out[i] = payback_months(*self.points(i), float(cost[i]))
        return out

    def cohort(self, customers: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The cohort's cumulative value by month (months, values), or None when a channel with
        customers has no timeline. The cohort's timeline ends where the shortest of theirs ends."""
        active = customers > 0
        if (active & ~self.known).any():
            return None
        if not active.any():
            return np.zeros(1), np.zeros(1)
        ends = self.horizon[active].min()
        grid = np.unique(np.concatenate([[0.0], *(self.points(i)[0] for i in np.flatnonzero(active))]))
        grid = grid[grid <= ends * (1 + _SLACK)]
        total = sum(customers[i] * np.interp(grid, *self.points(i)) for i in np.flatnonzero(active))
        return grid, np.maximum.accumulate(total)

    def cohort_payback(self, customers: np.ndarray, cost: float) -> float:
        """Months until the cohort's cumulative value covers ``cost`` (NaN when a timeline is missing)."""
        cohort = self.cohort(customers)
        return math.nan if cohort is None else payback_months(*cohort, cost)
