"""One row of a channel table, parsed and checked: every problem of the row, with its line and column."""

from __future__ import annotations

import difflib

import numpy as np

from optimizer.errors import Problem
from optimizer.files.numbers import parse_flag, parse_number
from optimizer.files.ranges import SIGNED
from optimizer.files.tables import TextTable
from optimizer.model.choices import CurveKind, values
from optimizer.model.intervals import INTERVAL_COLUMNS, LEVEL_COLUMN, interval_problems
from optimizer.model.timeline import check_max_payback, check_row, timeline_columns

DEFAULT_CURVE = CurveKind.linear.value
CURVE_KINDS = values(CurveKind)
NUMERIC = ("spend", "customers", "cac", "ltv", "min_spend", "max_spend", "elasticity",
           "max_customers", "ref_spend", "ref_customers", "shape", "min_buy_in", "observed_max_spend",
           "max_payback", "organic_customers", *INTERVAL_COLUMNS, LEVEL_COLUMN)


class RowParser:
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

    def parse(self, dims: tuple[str, ...] = ()) -> dict:
        if not self.name:
            self.problem("channel", "the channel name is empty; give every row a name")
        v = {c: self.number(c) for c in NUMERIC}
        v["channel"] = self.name
        v["dims"] = tuple(self._dimension(d) for d in dims)
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
        for column, message in interval_problems(v, v["curve"] or DEFAULT_CURVE, self._bad_columns()):
            self.problem(column, message)
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

    def _dimension(self, column: str) -> str:
        cell = self.record.get(column)
        text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell).strip()
        if not text:
            self.problem(column, f"the {column} is empty; give every row its {column}")
        return text

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
