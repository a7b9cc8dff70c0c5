"""The channel table: one row per acquisition channel, validated at the door.

Every problem in the table is collected and raised at once as an :class:`InputError` naming
the file, line, channel and column, so a user fixes the whole file in one pass.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem
from optimizer.files.tables import TextTable, read_table
from optimizer.model.cells import SEP, CellIndex, dimension_columns
from optimizer.model.channel_rows import DEFAULT_CURVE, NUMERIC, RowParser
from optimizer.model.curves import Curves, fit_through_point, make_curves
from optimizer.model.intervals import INTERVAL_COLUMNS, LEVEL_COLUMN
from optimizer.model.timeline import Timeline, column_month, misnamed, timeline_columns

REQUIRED = ("channel", "spend", "ltv")
KNOWN = (*REQUIRED, "customers", "cac", "min_spend", "max_spend", "locked", "curve", "elasticity",
         "max_customers", "ref_spend", "ref_customers", "shape", "min_buy_in", "observed_max_spend",
         "observed_min_spend", "r2", "periods", "max_payback", "organic_customers",  # and value_<N>m (timeline)
         "market", "period", *INTERVAL_COLUMNS, LEVEL_COLUMN)


@dataclass(frozen=True)
class Channels:
    """A validated channel table; arrays are aligned with ``names``."""

    names: tuple[str, ...]
    spend: np.ndarray
    customers: np.ndarray
    ltv: np.ndarray
    min_spend: np.ndarray  # NaN where not given
    max_spend: np.ndarray  # NaN where not given
    locked: np.ndarray
    curve_names: tuple[str, ...]
    curves: Curves
    source: str = "<table>"
    notes: tuple[str, ...] = field(default=())
    table: pd.DataFrame | None = None  # the input as understood, in input columns (for what-ifs)
    min_buy_in: np.ndarray | None = None  # spend is 0 or at least this (NaN: no buy-in)
    observed_max: np.ndarray | None = None  # the largest spend the curve was fitted on (NaN: unknown)
    timeline: Timeline | None = None  # cumulative value per customer by month (value_<N>m columns)
    max_payback: np.ndarray | None = None  # the channel's longest average payback, in months (NaN: none)
    organic: np.ndarray | None = None  # customers the channel brings at zero spend (brand search)
    cells: CellIndex | None = None  # channel and dimension values per row, when the table has dimensions
    intervals: pd.DataFrame | None = None  # interval columns and their level, one row per channel (None: none)

    def __post_init__(self) -> None:
        for name in ("min_buy_in", "observed_max", "max_payback"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.full(len(self.names), np.nan))
        if self.timeline is None:
            object.__setattr__(self, "timeline", Timeline.empty(len(self.names)))
        if self.organic is None:
            object.__setattr__(self, "organic", np.zeros(len(self.names)))

    def __len__(self) -> int:
        return len(self.names)

    def to_frame(self) -> pd.DataFrame:
        """The table as the optimizer understood it."""
        return pd.DataFrame({
            "channel": self.names, "curve": self.curve_names, "spend": self.spend,
            "customers": self.customers, "ltv": self.ltv, "min_spend": self.min_spend,
            "max_spend": self.max_spend, "locked": self.locked,
        })


def read_channels(source: str | Path | pd.DataFrame, name: str = "<DataFrame>",
                  dims: tuple[str, ...] | None = None) -> Channels:
    """Read and validate a channel table from a CSV or Parquet file, or a DataFrame.

    ``name`` is how messages refer to a DataFrame. ``dims`` names the dimension columns (default:
    ``market`` and ``period`` where present); with them each row is a cell, named "TV / NO / 2027-03".

    Raises
    ------
    InputError
        With every problem found (missing or misspelt columns, bad cells, duplicates, ...).
    """
    return channels_from_table(read_table(source, name), dims)


def channels_from_table(table: TextTable, dims: tuple[str, ...] | None = None) -> Channels:
    """Validate a :class:`TextTable` as a channel table (with dimension columns ``dims``)."""
    dims = dimension_columns(table.frame.columns, dims)
    problems = _column_problems(table, dims)
    if problems:
        raise InputError(table.source, problems)
    if table.frame.empty:
        raise InputError(table.source, [Problem("the table has a header but no channels; add one row per channel")])
    rows, problems = [], []
    seen: dict[str, int] = {}
    for pos, record in enumerate(table.frame.to_dict("records")):
        row = RowParser(table, pos, record)
        rows.append(row.parse(dims))
        problems.extend(row.problems)
        name = SEP.join([rows[-1]["channel"], *rows[-1]["dims"]])
        if rows[-1]["channel"] and name in seen:
            what = "cell" if dims else "channel name"
            row.problem("channel", f"duplicate {what} {name!r} (first on line {seen[name]}); "
                        "merge the rows or rename one")
            problems.append(row.problems[-1])
        seen.setdefault(name, row.line)
    if problems:
        raise InputError(table.source, problems)
    return _assemble(rows, table, dims)


def _column_problems(table: TextTable, dims: tuple[str, ...] = ()) -> list[Problem]:
    columns = list(table.frame.columns)
    problems = [Problem(f"required column {c!r} is missing; add it to the header", column=c)
                for c in (*REQUIRED, *dims) if c not in columns]
    if "customers" not in columns and "cac" not in columns:
        problems.append(Problem("needs a 'customers' or a 'cac' column (customers acquired at the "
                                "current spend, or spend per customer)"))
    repeated = {_repeat_of(c) for c in columns if _repeat_of(c) in columns}
    repeated |= {c for c in columns if columns.count(c) > 1}  # a DataFrame may hold exact repeats
    for column in columns:
        if misnamed(column):
            problems.append(Problem(f"unknown column {column!r}; value timeline columns are named value_<N>m for N "
                                    "months after acquisition, such as value_12m", column=column))
        if (column in KNOWN or column in dims or column_month(column) is not None or _repeat_of(column) in columns
                or misnamed(column)):
            continue
        close = difflib.get_close_matches(column, KNOWN, n=1, cutoff=0.75)
        if close and close[0] not in columns:
            problems.append(Problem(f"unknown column {column!r}; did you mean {close[0]!r}?", column=column))
    problems += [Problem(f"column {c!r} appears more than once; keep one", column=c) for c in sorted(repeated)]
    months = timeline_columns(columns)
    problems += [Problem(f"columns {a!r} and {b!r} are both month {m:g} of the value timeline; keep one", column=b)
                 for (m, a), (n, b) in itertools.pairwise(months) if m == n]
    return problems


def _repeat_of(column: str) -> str | None:
    """The header that ``column`` repeats: pandas renames a second 'spend' to 'spend.1'."""
    match = re.fullmatch(r"(.+)\.\d+", column)
    return match.group(1) if match else None


def _assemble(rows: list[dict], table: TextTable, dims: tuple[str, ...] = ()) -> Channels:
    params, curve_names, customers = [], [], []
    defaulted = [r["channel"] for r in rows if r["curve"] is None]
    for r in rows:
        kind = r["curve"] or DEFAULT_CURVE
        if r["spend"] > 0:
            s, c = r["spend"], r["customers"]
        elif r["ref_spend"] is not None:
            s, c = r["ref_spend"], r["ref_customers"]
        else:  # linear with a known CAC
            s, c = r["cac"], 1.0
        params.append(fit_through_point(kind, s, c, r["elasticity"] or 1.0, r["max_customers"] or 0.0,
                                        r["shape"] or 1.0))
        curve_names.append(kind if r["curve"] else f"{kind} (default)")
        customers.append(r["customers"] or 0.0)
    notes = list(table.notes)
    if defaulted:
        notes.append(f"no curve given for {_list(defaulted)}: assumed {DEFAULT_CURVE} (constant CAC, "
                     "no diminishing returns); add a 'curve' column to model saturation")
    silent = [r["channel"] for r in rows if r["spend"] > 0 and not r["customers"]]
    if silent:
        notes.append(f"{_list(silent)} acquired no customers at the current spend; "
                     "the optimizer treats them as bringing none at any spend")
    cells = CellIndex.from_values([r["channel"] for r in rows],
                                  {d: [r["dims"][k] for r in rows] for k, d in enumerate(dims)}) if dims else None
    return Channels(
        table=_canonical(rows, dims),
        names=cells.names() if cells is not None else tuple(r["channel"] for r in rows),
        cells=cells,
        spend=np.array([r["spend"] for r in rows], float),
        customers=np.array(customers, float),
        ltv=np.array([r["ltv"] for r in rows], float),
        min_spend=np.array([np.nan if r["min_spend"] is None else r["min_spend"] for r in rows]),
        max_spend=np.array([np.nan if r["max_spend"] is None else r["max_spend"] for r in rows]),
        locked=np.array([r["locked"] for r in rows], bool),
        min_buy_in=np.array([np.nan if not r["min_buy_in"] else r["min_buy_in"] for r in rows]),
        observed_max=np.array([np.nan if r["observed_max_spend"] is None else r["observed_max_spend"] for r in rows]),
        timeline=_timeline(rows),
        max_payback=np.array([np.nan if r["max_payback"] is None else r["max_payback"] for r in rows]),
        organic=np.array([r["organic_customers"] or 0.0 for r in rows]),
        curve_names=tuple(curve_names),
        curves=make_curves(params),
        intervals=_intervals(rows),
        source=table.source,
        notes=tuple(notes),
    )


def _canonical(rows: list[dict], dims: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows in input columns, every zero-spend channel with its reference point (and intervals, if any)."""
    out = []
    for r in rows:
        ref_s, ref_c = r["ref_spend"], r["ref_customers"]
        if r["spend"] == 0 and ref_s is None:  # linear with a known CAC
            ref_s, ref_c = r["cac"], 1.0
        out.append({"channel": r["channel"], "spend": r["spend"], "customers": r["customers"] or 0.0,
                    "ltv": r["ltv"], "min_spend": r["min_spend"], "max_spend": r["max_spend"],
                    "locked": r["locked"], "curve": r["curve"], "elasticity": r["elasticity"],
                    "max_customers": r["max_customers"], "ref_spend": ref_s, "ref_customers": ref_c,
                    "shape": r["shape"], "min_buy_in": r["min_buy_in"],
                    "observed_max_spend": r["observed_max_spend"], "max_payback": r["max_payback"],
                    "organic_customers": r["organic_customers"], **{c: x for _m, c, x in r["timeline"]},
                    **dict(zip(dims, r["dims"], strict=True))})
    timeline = [c for _m, c, _x in rows[0]["timeline"]] if rows else []
    frame = pd.DataFrame(out, columns=["channel", *dims, *NUMERIC[:1], "customers", "ltv", "min_spend", "max_spend",
                                       "locked", "curve", "elasticity", "max_customers", "ref_spend",
                                       "ref_customers", "shape", "min_buy_in", "observed_max_spend", "max_payback",
                                       "organic_customers", *timeline])
    intervals = _intervals(rows)
    return frame if intervals is None else pd.concat([frame, intervals], axis=1)


def _intervals(rows: list[dict]) -> pd.DataFrame | None:
    """The interval columns that any row fills, and the level column when given (None: no intervals)."""
    frame = pd.DataFrame([{c: r[c] for c in (*INTERVAL_COLUMNS, LEVEL_COLUMN)} for r in rows], dtype=float)
    frame = frame.loc[:, frame.notna().any()]
    return None if frame.columns.difference([LEVEL_COLUMN]).empty else frame


def _timeline(rows: list[dict]) -> Timeline:
    cells = rows[0]["timeline"] if rows else []
    values = np.array([[np.nan if x is None else x for _m, _c, x in r["timeline"]] for r in rows], float)
    return Timeline(np.array([m for m, _c, _x in cells], float), values.reshape(len(rows), len(cells)))


def _list(names: list[str], most: int = 4) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
