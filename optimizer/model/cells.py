"""Cells: a channel table whose rows are channel x market x period (or any dimension columns).

A channel table may carry dimension columns: ``market`` and ``period`` are recognized by name, any
other column is one when named in ``dims``. Each row is then a cell with its own curve, limits and
LTV, named "Search / NO / 2027-03". :class:`CellIndex` holds each cell's channel and dimension
values as integer codes, so that rules over dimensions build their rows for every cell at once.

Periods are ordered in time when every period reads as a month (2027-03), a date (2027-03-01) or an
ISO week (2027-W05), and in the order of the table otherwise; quarters ("2027-Q1") come from dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_DIMS = ("market", "period")
TIME = "period"  # the dimension flighting follows
SEP = " / "
QUARTER = "quarter"  # a dimension derived from the period: budgets per quarter
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^\d{4}-\d{1,2}$")


def dimension_columns(columns, dims: tuple[str, ...] | None) -> tuple[str, ...]:
    """The dimension columns of a table: ``dims`` where given, else ``market`` and ``period`` if present."""
    if dims:
        return tuple(dims)
    return tuple(d for d in DEFAULT_DIMS if d in columns)


def period_dates(values) -> pd.Series | None:
    """Each period's first day, or None when some period is not a month, a date or an ISO week."""
    text = pd.Series([str(v).strip() for v in values], dtype=object)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    week = text.str.match(_WEEK.pattern, case=False)
    if week.any():
        parts = text[week].str.extract(_WEEK.pattern, flags=re.IGNORECASE)
        out[week] = pd.to_datetime(parts[0] + "-W" + parts[1].str.zfill(2) + "-1", format="%G-W%V-%u",
                                   errors="coerce")
    month = text.str.match(_MONTH.pattern)
    out[month] = pd.to_datetime(text[month] + "-01", format="%Y-%m-%d", errors="coerce")
    rest = ~(week | month)
    out[rest] = pd.to_datetime(text[rest], format="ISO8601", errors="coerce")
    return None if out.isna().any() else out


@dataclass(frozen=True)
class CellIndex:
    """Each cell's channel and dimension values, as codes into ordered levels."""

    dims: tuple[str, ...]
    channel: np.ndarray  # code into ``channels``
    channels: tuple[str, ...]
    codes: dict[str, np.ndarray]  # dimension -> code per cell
    levels: dict[str, tuple[str, ...]]  # dimension -> values, periods in time order

    def __len__(self) -> int:
        return len(self.channel)

    @classmethod
    def from_values(cls, channels: list[str], values: dict[str, list[str]]) -> CellIndex:
        """The index of cells given each cell's channel and dimension values (in table order)."""
        ch_codes, ch_levels = pd.factorize(pd.Series(channels, dtype=object), sort=False)
        codes, levels = {}, {}
        for dim, column in values.items():
            c, lev = pd.factorize(pd.Series(column, dtype=object), sort=False)
            if dim == TIME:
                dates = period_dates(lev)
                if dates is not None:  # order periods in time
                    order = np.argsort(dates.to_numpy(), kind="stable")
                    rank = np.empty(len(order), int)
                    rank[order] = np.arange(len(order))
                    c, lev = rank[c], lev[order]
            codes[dim], levels[dim] = c.astype(np.int64), tuple(str(v) for v in lev)
        return cls(tuple(values), ch_codes.astype(np.int64), tuple(str(v) for v in ch_levels), codes, levels)

    def names(self) -> tuple[str, ...]:
        """Cell names as people read them: "Search / NO / 2027-03"."""
        parts = [np.asarray(self.channels, dtype=object)[self.channel]]
        parts += [np.asarray(self.levels[d], dtype=object)[self.codes[d]] for d in self.dims]
        joined = parts[0]
        for part in parts[1:]:
            joined = joined + SEP + part
        return tuple(joined)

    def values(self, dim: str) -> np.ndarray:
        """Each cell's value of ``dim`` (``channel`` for the channel) as text."""
        if dim == "channel":
            return np.asarray(self.channels, dtype=object)[self.channel]
        codes, levels = self.grouping(dim)
        return np.asarray(levels, dtype=object)[codes]

    def grouping(self, dim: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """Each cell's code in ``dim`` and the levels: a dimension, ``channel`` or ``quarter``.

        Raises
        ------
        ValueError
            When ``dim`` is none of these, or quarters are asked of periods that are not dates.
        """
        if dim == "channel":
            return self.channel, self.channels
        if dim in self.codes:
            return self.codes[dim], self.levels[dim]
        if dim == QUARTER and TIME in self.codes:
            dates = period_dates(self.levels[TIME])
            if dates is None:
                raise ValueError("quarters need periods that are months, dates or ISO weeks (2027-03, "
                                 "2027-03-01, 2027-W05)")
            labels = [f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in dates]
            q_codes, q_levels = pd.factorize(pd.Series(labels, dtype=object), sort=True)
            return q_codes[self.codes[TIME]].astype(np.int64), tuple(q_levels)
        known = ", ".join(["channel", *self.dims, *([QUARTER] if TIME in self.dims else [])])
        raise ValueError(f"no dimension {dim!r}; the table has {known}")

    def chains(self) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (cell, the same channel and other dimensions in the previous period), for flighting."""
        if TIME not in self.codes:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        others = [self.channel] + [self.codes[d] for d in self.dims if d != TIME]
        key = np.ravel_multi_index(others, [max(int(c.max()) + 1, 1) for c in others]) if len(others) > 1 \
            else others[0]
        t = self.codes[TIME]
        order = np.lexsort((t, key))
        same = key[order][1:] == key[order][:-1]
        follows = t[order][1:] == t[order][:-1] + 1
        keep = same & follows
        return order[1:][keep], order[:-1][keep]
