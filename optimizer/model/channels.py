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
from optimizer.files.numbers import parse_flag, parse_number
from optimizer.files.ranges import SIGNED
from optimizer.files.tables import TextTable, read_table
from optimizer.model.choices import CurveKind, values
from optimizer.model.curves import Curves, fit_through_point, make_curves
from optimizer.model.timeline import Timeline, check_max_payback, check_row, column_month, misnamed, timeline_columns

DEFAULT_CURVE = CurveKind.linear.value
CURVE_KINDS = values(CurveKind)
REQUIRED = ("channel", "spend", "ltv")
NUMERIC = ("spend", "customers", "cac", "ltv", "min_spend", "max_spend", "elasticity",
           "max_customers", "ref_spend", "ref_customers", "shape", "min_buy_in", "observed_max_spend",
           "max_payback", "organic_customers")
KNOWN = (*REQUIRED, "customers", "cac", "min_spend", "max_spend", "locked", "curve", "elasticity",
         "max_customers", "ref_spend", "ref_customers", "shape", "min_buy_in", "observed_max_spend",
         "observed_min_spend", "r2", "periods", "max_payback", "organic_customers")  # and value_<N>m (timeline)


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


def read_channels(source: str | Path | pd.DataFrame, name: str = "<DataFrame>") -> Channels:
    """Read and validate a channel table from a CSV or Parquet file, or a DataFrame.

    ``name`` is how messages refer to a DataFrame.

    Raises
    ------
    InputError
        With every problem found (missing or misspelt columns, bad cells, duplicates, ...).
    """
    return channels_from_table(read_table(source, name))


def channels_from_table(table: TextTable) -> Channels:
    """Validate a :class:`TextTable` as a channel table."""
    problems = _column_problems(table)
    if problems:
        raise InputError(table.source, problems)
    if table.frame.empty:
        raise InputError(table.source, [Problem("the table has a header but no channels; add one row per channel")])
    rows, problems = [], []
    seen: dict[str, int] = {}
    for pos, record in enumerate(table.frame.to_dict("records")):
        row = _Row(table, pos, record)
        rows.append(row.parse())
        problems.extend(row.problems)
        name = rows[-1]["channel"]
        if name and name in seen:
            row.problem("channel", f"duplicate channel name (first on line {seen[name]}); "
                        "merge the rows or rename one")
            problems.append(row.problems[-1])
        seen.setdefault(name, row.line)
    if problems:
        raise InputError(table.source, problems)
    return _assemble(rows, table)


def _column_problems(table: TextTable) -> list[Problem]:
    columns = list(table.frame.columns)
    problems = [Problem(f"required column {c!r} is missing; add it to the header", column=c)
                for c in REQUIRED if c not in columns]
    if "customers" not in columns and "cac" not in columns:
        problems.append(Problem("needs a 'customers' or a 'cac' column (customers acquired at the "
                                "current spend, or spend per customer)"))
    repeated = {_repeat_of(c) for c in columns if _repeat_of(c) in columns}
    repeated |= {c for c in columns if columns.count(c) > 1}  # a DataFrame may hold exact repeats
    for column in columns:
        if misnamed(column):
            problems.append(Problem(f"unknown column {column!r}; value timeline columns are named value_<N>m for N "
                                    "months after acquisition, such as value_12m", column=column))
        if column in KNOWN or column_month(column) is not None or _repeat_of(column) in columns or misnamed(column):
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


class _Row:
    """Parses one row, collecting its problems instead of stopping at the first."""

    def __init__(self, table: TextTable, pos: int, record: dict):
        self.table, self.record, self.problems = table, record, []
        self.line = table.line(pos)
        name = record.get("channel")
        self.name = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name).strip()

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(message, self.line, self.name or None, column, self.table.line_word))

    def number(self, column: str) -> float | None:
        cell = self.record.get(column)
        try:
            value = parse_number(cell, self.table.decimal)
        except ValueError:
            example = "125000,50" if self.table.decimal == "," else "125000.50"
            self.problem(column, f"{str(cell)!r} is not a number; write a plain number such as {example}")
            return None
        if value is not None and SIGNED.bad([value])[0]:
            shown = f"{value:g} is too large to plan with" if np.isfinite(value) else f"{cell!r} is not a finite number"
            self.problem(column, f"{shown}; it must be {SIGNED} (check the units)")
            return None
        return value

    def parse(self) -> dict:
        if not self.name:
            self.problem("channel", "the channel name is empty; give every row a name")
        v = {c: self.number(c) for c in NUMERIC}
        v["channel"] = self.name
        v["locked"] = self._locked()
        v["curve"] = self._curve()
        for column in ("spend", "customers", "min_spend", "max_spend", "ltv", "ref_customers", "min_buy_in",
                       "organic_customers"):
            if v[column] is not None and v[column] < 0:
                self.problem(column, f"{v[column]:g} is negative; it must be 0 or more")
                v[column] = None
        if v["spend"] is None and "spend" not in self._bad_columns():
            self.problem("spend", "the current spend is missing; write 0 for a channel to test")
        self._check_customers(v)
        self._check_limits(v)
        self._check_curve(v)
        self._timeline(v)
        return v

    def _timeline(self, v: dict) -> None:
        """The value_<N>m cells: never negative, never falling; max_payback within them."""
        cells = [(m, c, self.number(c)) for m, c in timeline_columns(self.record)]
        v["timeline"] = cells
        for column, message in check_row(cells):
            self.problem(column, message)
        message = check_max_payback(v["max_payback"], cells)
        if message:
            self.problem("max_payback", message)

    def text(self, column: str) -> str:
        """A text cell, lower-cased; blank for a missing cell (None or NaN)."""
        cell = self.record.get(column)
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            return ""
        return str(cell).strip().lower()

    def _bad_columns(self) -> set[str]:
        return {p.column for p in self.problems}

    def _locked(self) -> bool:
        flag = parse_flag(self.record.get("locked"))
        if flag is None:
            self.problem("locked", f"{self.text('locked')!r} is not true or false; "
                         "write true to keep the current spend")
            return False
        return flag

    def _curve(self) -> str | None:
        text = self.text("curve")
        if not text:
            return None
        if text not in CURVE_KINDS:
            close = difflib.get_close_matches(text, CURVE_KINDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.problem("curve", f"unknown curve {text!r}; use one of {', '.join(CURVE_KINDS)}{hint}")
        return text

    def _check_customers(self, v: dict) -> None:
        spend, customers, cac = v["spend"], v["customers"], v["cac"]
        if cac is not None and cac <= 0:
            self.problem("cac", f"{cac:g} is not a cost per customer; it must be above 0")
            cac = v["cac"] = None
        if customers is None and cac is not None and spend is not None:
            v["customers"] = customers = spend / cac
        elif customers is not None and cac is not None and spend:
            if abs(spend / cac - customers) > 1e-6 * max(1.0, customers):
                implied = spend / customers if customers else float("inf")
                self.problem("cac", f"cac {cac:g} disagrees with spend / customers = {implied:g}; give one of the two")
        if customers is None and not ({"customers", "cac"} & self._bad_columns()):
            self.problem("customers", "customers (or cac) is missing for this channel")
        if spend == 0 and customers:
            self.problem("customers", f"{customers:g} customers at zero spend; set customers to 0 "
                         "and describe the channel with ref_spend and ref_customers")

    def _check_limits(self, v: dict) -> None:
        lo, hi = v["min_spend"], v["max_spend"]
        if lo is not None and hi is not None and lo > hi:
            self.problem("min_spend", f"min_spend {lo:g} is above max_spend {hi:g}; swap or correct them")
        buy_in = v["min_buy_in"]
        if buy_in is not None and hi is not None and buy_in > hi:
            self.problem("min_buy_in", f"min_buy_in {buy_in:g} is above max_spend {hi:g}; the channel could never run")
        can_receive = not v["locked"] and hi != 0
        if v["ltv"] is None and "ltv" not in self._bad_columns():
            self.problem("ltv", "the lifetime value is missing")
        elif v["ltv"] == 0 and can_receive:
            self.problem("ltv", "ltv must be above 0 for a channel that can receive budget; "
                         "give its value, or set locked=true or max_spend=0")

    def _check_curve(self, v: dict) -> None:
        kind = v["curve"] or DEFAULT_CURVE
        spend, ref_s, ref_c = v["spend"], v["ref_spend"], v["ref_customers"]
        if spend == 0:
            if (ref_s is None or ref_c is None) and not (kind == "linear" and v["cac"]):
                self.problem("ref_spend", "a channel with zero spend needs a reference point: give "
                             "ref_spend and ref_customers (customers expected at that spend)")
            elif ref_s is not None and ref_s <= 0:
                self.problem("ref_spend", f"{ref_s:g} must be above 0")
        elif ref_s is not None or ref_c is not None:
            self.problem("ref_spend", "ref_spend and ref_customers are only for channels with zero "
                         "current spend; this channel's curve passes through its current spend")
        point = ref_c if spend == 0 else v["customers"]
        if kind == "power":
            e = v["elasticity"]
            if e is None and "elasticity" not in self._bad_columns():
                self.problem("elasticity", "a power curve needs an elasticity in (0, 1]")
            elif e is not None and not 0 < e <= 1:
                self.problem("elasticity", f"{e:g} is outside (0, 1]; above 1 returns would grow, "
                             "at 0 spend would not matter")
        if kind == "hill":
            s = v["shape"]
            if s is None and "shape" not in self._bad_columns():
                self.problem("shape", "a hill curve needs its shape (1 or less: falling returns; above 1: S-shaped)")
            elif s is not None and not 0 < s <= 10:
                self.problem("shape", f"{s:g} is outside (0, 10]; 2 to 3 is a typical S-curve")
        if kind in ("saturating", "hill"):
            m = v["max_customers"]
            if m is None and "max_customers" not in self._bad_columns():
                self.problem("max_customers", f"a {kind} curve needs max_customers (the most "
                             "customers any spend could bring)")
            elif m is not None and point is not None and m <= point:
                self.problem("max_customers", f"{m:g} must be above the customers at the reference "
                             f"point ({point:g})")


def _assemble(rows: list[dict], table: TextTable) -> Channels:
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
    return Channels(
        table=_canonical(rows),
        names=tuple(r["channel"] for r in rows),
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
        source=table.source,
        notes=tuple(notes),
    )


def _canonical(rows: list[dict]) -> pd.DataFrame:
    """The rows in input columns, every zero-spend channel with its reference point."""
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
                    "organic_customers": r["organic_customers"], **{c: x for _m, c, x in r["timeline"]}})
    timeline = [c for _m, c, _x in rows[0]["timeline"]] if rows else []
    return pd.DataFrame(out, columns=["channel", *NUMERIC[:1], "customers", "ltv", "min_spend", "max_spend",
                                      "locked", "curve", "elasticity", "max_customers", "ref_spend",
                                      "ref_customers", "shape", "min_buy_in", "observed_max_spend", "max_payback",
                                      "organic_customers", *timeline])


def _timeline(rows: list[dict]) -> Timeline:
    cells = rows[0]["timeline"] if rows else []
    values = np.array([[np.nan if x is None else x for _m, _c, x in r["timeline"]] for r in rows], float)
    return Timeline(np.array([m for m, _c, _x in cells], float), values.reshape(len(rows), len(cells)))


def _list(names: list[str], most: int = 4) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
