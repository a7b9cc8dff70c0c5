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
from optimizer.model.cells import CellIndex, dimension_columns
from optimizer.model.channel_rows import DEFAULT_CURVE, NUMERIC, TableParser  # noqa: F401  (NUMERIC: read from here)
from optimizer.model.choices import CurveKind
from optimizer.model.curves import Curves, curves_through
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
    parser = TableParser(table)
    values = parser.parse(dims)
    problems = parser.problems()
    if problems:
        raise InputError(table.source, problems)
    return _assemble(parser.names, values, table, dims)


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


def _assemble(names: np.ndarray, v: dict, table: TextTable, dims: tuple[str, ...] = ()) -> Channels:
    """The validated columns as a :class:`Channels`: each curve through its point, every cell's numbers."""
    given = v["curve"] != ""
    kind = np.where(given, v["curve"], DEFAULT_CURVE)
    spend, customers, cac = v["spend"], v["customers"], v["cac"]
    own, ref = spend > 0, ~np.isnan(v["ref_spend"])
    point_s = np.where(own, spend, np.where(ref, v["ref_spend"], cac))  # else linear with a known CAC
    point_c = np.where(own, customers, np.where(ref, v["ref_customers"], 1.0))
    code_of = {k.value: k.code for k in CurveKind}
    codes = np.array([code_of[k] for k in kind.tolist()], np.int8)
    curves = curves_through(codes, point_s, point_c, _or(v["elasticity"], 1.0), _or(v["max_customers"], 0.0),
                            _or(v["shape"], 1.0))
    notes = list(table.notes)
    if not given.all():
        notes.append(f"no curve given for {_list(list(names[~given]))}: assumed {DEFAULT_CURVE} (constant CAC, "
                     "no diminishing returns); add a 'curve' column to model saturation")
    silent = (spend > 0) & ~(customers > 0) & ~(customers < 0)
    if silent.any():
        notes.append(f"{_list(list(names[silent]))} acquired no customers at the current spend; "
                     "the optimizer treats them as bringing none at any spend")
    cells = CellIndex.from_values(list(names), {d: list(v["dims"][k]) for k, d in enumerate(dims)}) if dims else None
    return Channels(
        table=_canonical(names, v, dims),
        names=cells.names() if cells is not None else tuple(names),
        cells=cells,
        spend=spend.copy(),
        customers=_or(customers, 0.0),
        ltv=v["ltv"].copy(),
        min_spend=v["min_spend"].copy(),
        max_spend=v["max_spend"].copy(),
        locked=v["locked"].copy(),
        min_buy_in=np.where(v["min_buy_in"] == 0, np.nan, v["min_buy_in"]),
        observed_max=v["observed_max_spend"].copy(),
        timeline=Timeline(np.array([m for m, _c, _x in v["timeline"]], float), _timeline_values(v)),
        max_payback=v["max_payback"].copy(),
        organic=_or(v["organic_customers"], 0.0),
        curve_names=tuple(np.where(given, kind, np.char.add(kind.astype(str), " (default)")).tolist()),
        curves=curves,
        intervals=_intervals(v),
        source=table.source,
        notes=tuple(notes),
    )


def _or(x: np.ndarray, default: float) -> np.ndarray:
    """``x`` with blank (and zero) cells at ``default``, as ``cell or default`` reads a row."""
    return np.where(np.isnan(x) | (x == 0), default, x)


def _timeline_values(v: dict) -> np.ndarray:
    n = len(v["spend"])
    return np.column_stack([x for _m, _c, x in v["timeline"]]) if v["timeline"] else np.zeros((n, 0))


def _column(x: np.ndarray):
    """A numeric column for the canonical table: floats (NaN: blank), or all None when every cell is blank."""
    return [None] * len(x) if np.isnan(x).all() else x


def _canonical(names: np.ndarray, v: dict, dims: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows in input columns, every zero-spend channel with its reference point (and intervals, if any)."""
    ref_s, ref_c = v["ref_spend"], v["ref_customers"]
    cac_point = (v["spend"] == 0) & np.isnan(ref_s)  # linear with a known CAC
    ref_s, ref_c = np.where(cac_point, v["cac"], ref_s), np.where(cac_point, 1.0, ref_c)
    curve = [c or None for c in v["curve"].tolist()]
    numbers = {"spend": v["spend"], "customers": _or(v["customers"], 0.0), "ltv": v["ltv"],
               "min_spend": v["min_spend"], "max_spend": v["max_spend"]}
    later = {"elasticity": v["elasticity"], "max_customers": v["max_customers"], "ref_spend": ref_s,
             "ref_customers": ref_c, "shape": v["shape"], "min_buy_in": v["min_buy_in"],
             "observed_max_spend": v["observed_max_spend"], "max_payback": v["max_payback"],
             "organic_customers": v["organic_customers"], **{c: x for _m, c, x in v["timeline"]}}
    frame = pd.DataFrame({"channel": names.tolist(), **{d: v["dims"][k].tolist() for k, d in enumerate(dims)},
                          **{c: _column(x) for c, x in numbers.items()}, "locked": v["locked"], "curve": curve,
                          **{c: _column(x) for c, x in later.items()}})
    intervals = _intervals(v)
    return frame if intervals is None else pd.concat([frame, intervals], axis=1)


def _intervals(v: dict) -> pd.DataFrame | None:
    """The interval columns that any row fills, and the level column when given (None: no intervals)."""
    frame = pd.DataFrame({c: v[c] for c in (*INTERVAL_COLUMNS, LEVEL_COLUMN)}, dtype=float)
    frame = frame.loc[:, frame.notna().any()]
    return None if frame.columns.difference([LEVEL_COLUMN]).empty else frame


def _list(names: list[str], most: int = 4) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
