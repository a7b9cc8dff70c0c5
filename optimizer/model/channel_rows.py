"""The rules of a channel table's cells, checked a column at a time: every problem, with its line and column.

Each rule below is evaluated over whole columns (numbers parsed by :func:`parse_numbers`), so that a
table of 100 000 cells is checked in a few array operations; only the rows that break a rule are
visited one by one, to write their messages. Problems come out in the order a reader meets them: by
line, and within a line in the order of the rules. A rule may skip a row whose cell in a column it
reads was already reported (``self.bad``), so that one mistake gives one message.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import numpy as np
import pandas as pd

from optimizer.errors import Problem
from optimizer.files.numbers import parse_flag, parse_number, parse_numbers
from optimizer.files.ranges import LARGEST, SIGNED, SMALLEST
from optimizer.files.tables import TextTable
from optimizer.model.cells import SEP
from optimizer.model.choices import CurveKind, values
from optimizer.model.intervals import INTERVAL_COLUMNS, LEVEL_COLUMN, interval_problems
from optimizer.model.timeline import check_max_payback, check_row, timeline_columns

DEFAULT_CURVE = CurveKind.linear.value
CURVE_KINDS = values(CurveKind)
NUMERIC = ("spend", "customers", "cac", "ltv", "min_spend", "max_spend", "elasticity",
           "max_customers", "ref_spend", "ref_customers", "shape", "min_buy_in", "observed_max_spend",
           "max_payback", "organic_customers", *INTERVAL_COLUMNS, LEVEL_COLUMN)
_NONNEGATIVE = ("spend", "customers", "min_spend", "max_spend", "ltv", "ref_customers", "min_buy_in",
                "organic_customers")


def _native(cell: object) -> object:
    """A cell as a row of the table would hold it: numpy scalars as Python numbers."""
    return cell.item() if isinstance(cell, np.generic) else cell


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, float) and cell != cell)


class TableParser:
    """Parses every row of a table at once, collecting every problem instead of stopping at the first.

    After :meth:`parse`, ``values`` holds each numeric column as floats (NaN where blank or wrong),
    and ``problems()`` every problem found, in reading order.
    """

    def __init__(self, table: TextTable):
        self.table, self.frame = table, table.frame
        self.n = len(table.frame)
        self.lines = np.arange(self.n) + (2 if table.source_is_file else 1)
        self.names = self.strings("channel")
        self.bad: dict[str, np.ndarray] = {}  # column -> rows whose cell there was reported
        self._found: list[tuple[int, int, Problem]] = []  # (position, rule, problem)

    def cells(self, column: str) -> list:
        """The column's cells as Python values (None for every cell of a missing column)."""
        if column not in self.frame:
            return [None] * self.n
        return [_native(c) for c in self.frame[column].tolist()]

    def strings(self, column: str, lower: bool = False) -> np.ndarray:
        """Each cell as stripped (and ``lower``-cased) text; blank for a missing cell (None or NaN)."""
        def text(cell: object) -> str:
            return "" if _blank(cell) else str(cell).strip().lower() if lower else str(cell).strip()

        if column in self.frame and pd.api.types.is_string_dtype(self.frame[column].dtype) \
                and self.frame[column].dtype != object:  # text or missing only: each distinct text once
            codes, distinct = pd.factorize(self.frame[column], use_na_sentinel=True)
            return np.array([*map(text, distinct.tolist()), ""], dtype=object)[codes]
        return np.array([text(c) for c in self.cells(column)], dtype=object)

    def problem(self, rows, column: str | None, message: Callable[[int], str] | str) -> None:
        """A problem in ``column`` at each of ``rows`` (a mask or positions); ``message(i)`` words row i's."""
        if isinstance(message, str):
            message = (lambda text: lambda i: text)(message)
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows, np.int64)
        if not len(rows):
            return
        if column is not None:
            self.bad.setdefault(column, np.zeros(self.n, bool))[rows] = True
        rule, word = len(self._found), self.table.line_word
        self._found += [(int(i), rule, Problem(message(i), int(self.lines[i]), self.names[i] or None, column, word))
                        for i in rows]

    def was_bad(self, column: str) -> np.ndarray:
        return self.bad.get(column, np.zeros(self.n, bool))

    def problems(self) -> list[Problem]:
        """Every problem, by line, and within a line in the order of the rules."""
        return [p for _, _, p in sorted(self._found, key=lambda f: (f[0], f[1]))]

    def number(self, column: str) -> np.ndarray:
        """The column as numbers (NaN where blank or wrong), reporting cells that are not plain finite numbers."""
        if column not in self.frame:
            return np.full(self.n, np.nan)
        decimal = self.table.decimal
        value = parse_numbers(self.frame[column], decimal).to_numpy(float, copy=True)
        odd = np.flatnonzero(np.isnan(value))  # blank, or not a number: the one-cell parser tells which
        cells = self.frame[column].iloc[odd].tolist() if len(odd) else []
        wrong, known = [], {}
        for i, cell in zip(odd, map(_native, cells), strict=True):
            key = cell if isinstance(cell, str) else (type(cell), repr(cell))
            if key not in known:
                try:
                    known[key] = parse_number(cell, decimal)
                except ValueError:
                    known[key] = ValueError
            if known[key] is ValueError:
                wrong.append((i, cell))
            elif known[key] is not None:
                value[i] = known[key]
        example = "125000,50" if decimal == "," else "125000.50"
        texts = {i: f"{str(cell)!r} is not a number; write a plain number such as {example}" for i, cell in wrong}
        self.problem([i for i, _ in wrong], column, texts.__getitem__)
        infinite = np.flatnonzero(np.isinf(value))
        if len(infinite):
            raw = dict(zip(infinite, map(_native, self.frame[column].iloc[infinite].tolist()), strict=True))
            self.problem(infinite, column, lambda i: f"{raw[i]!r} is not a finite number; it must be {SIGNED} "
                                                     "(check the units)")
        value[infinite] = np.nan
        large = np.abs(value) > LARGEST
        self.problem(large, column, lambda i: f"{value[i]:g} is too large to plan with; it must be {SIGNED} "
                                              "(check the units)")
        value[large] = np.nan
        tiny = (value != 0) & (np.abs(value) < SMALLEST)
        self.problem(tiny, column, lambda i: f"{value[i]:g} is too small to plan with; write 0, or a number of at "
                                             f"least {SMALLEST:g} (check the units)")
        value[tiny] = np.nan
        return value

    def parse(self, dims: tuple[str, ...] = ()) -> dict:
        """Every row's values: numeric columns as float arrays (NaN: none), ``dims`` texts, ``locked``,
        ``curve`` (blank: not given) and ``timeline``."""
        self.problem(self.names == "", "channel", lambda i: "the channel name is empty; give every row a name")
        v = {c: self.number(c) for c in NUMERIC}
        v["dims"] = tuple(self._dimension(d) for d in dims)
        v["locked"] = self._locked()
        v["curve"] = self._curve()
        for column in _NONNEGATIVE:
            x = v[column]
            self.problem(x < 0, column, lambda i, x=x: f"{x[i]:g} is negative; it must be 0 or more")
            x[x < 0] = np.nan
        self.problem(np.isnan(v["spend"]) & ~self.was_bad("spend"), "spend",
                     lambda i: "the current spend is missing; write 0 for a channel to test")
        self._check_customers(v)
        self._check_limits(v)
        self._check_curve(v)
        self._timeline(v)
        self._intervals(v)
        self._duplicates(v["dims"])
        return v

    def _dimension(self, column: str) -> np.ndarray:
        text = self.strings(column)
        self.problem(text == "", column, lambda i: f"the {column} is empty; give every row its {column}")
        return text

    def _locked(self) -> np.ndarray:
        cells = self.cells("locked")
        known: dict = {}
        flags = [known[k] if (k := (type(c), str(c))) in known else known.setdefault(k, parse_flag(c)) for c in cells]
        wrong = np.array([f is None for f in flags], bool)
        text = self.strings("locked", lower=True) if wrong.any() else None
        self.problem(wrong, "locked", lambda i: f"{text[i]!r} is not true or false; "
                                                "write true to keep the current spend")
        return np.array([bool(f) for f in flags], bool)

    def _curve(self) -> np.ndarray:
        text = self.strings("curve", lower=True)
        words = {}
        for kind in pd.unique(text[(text != "") & ~np.isin(text, CURVE_KINDS)]):
            close = difflib.get_close_matches(kind, CURVE_KINDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            words[kind] = f"unknown curve {kind!r}; use one of {', '.join(CURVE_KINDS)}{hint}"
        self.problem(np.isin(text, list(words)), "curve", lambda i: words[text[i]])
        return text

    def _check_customers(self, v: dict) -> None:
        spend, customers, cac = v["spend"], v["customers"], v["cac"]
        self.problem(cac <= 0, "cac", lambda i: f"{cac[i]:g} is not a cost per customer; it must be above 0")
        cac[cac <= 0] = np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            derive = np.isnan(customers) & ~np.isnan(cac) & ~np.isnan(spend)
            customers[derive] = spend[derive] / cac[derive]
            both = ~derive & ~np.isnan(customers) & ~np.isnan(cac) & (spend != 0) & ~np.isnan(spend)
            apart = both & (np.abs(spend / cac - customers) > 1e-6 * np.maximum(1.0, customers))
            implied = np.where(customers != 0, spend / customers, np.inf)
        self.problem(apart, "cac", lambda i: f"cac {cac[i]:g} disagrees with spend / customers = {implied[i]:g}; "
                                             "give one of the two")
        self.problem(np.isnan(customers) & ~self.was_bad("customers") & ~self.was_bad("cac"), "customers",
                     lambda i: "customers (or cac) is missing for this channel")
        self.problem((spend == 0) & (customers != 0) & ~np.isnan(customers), "customers",
                     lambda i: f"{customers[i]:g} customers at zero spend; set customers to 0 "
                               "and describe the channel with ref_spend and ref_customers")

    def _check_limits(self, v: dict) -> None:
        lo, hi, buy_in, ltv = v["min_spend"], v["max_spend"], v["min_buy_in"], v["ltv"]
        self.problem(lo > hi, "min_spend", lambda i: f"min_spend {lo[i]:g} is above max_spend {hi[i]:g}; "
                                                     "swap or correct them")
        self.problem(buy_in > hi, "min_buy_in", lambda i: f"min_buy_in {buy_in[i]:g} is above max_spend {hi[i]:g}; "
                                                          "the channel could never run")
        missing = np.isnan(ltv) & ~self.was_bad("ltv")
        self.problem(missing, "ltv", "the lifetime value is missing")
        self.problem(~missing & (ltv == 0) & ~v["locked"] & (hi != 0), "ltv",
                     lambda i: "ltv must be above 0 for a channel that can receive budget; "
                               "give its value, or set locked=true or max_spend=0")

    def _check_curve(self, v: dict) -> None:
        kind = np.where(v["curve"] == "", DEFAULT_CURVE, v["curve"])
        spend, ref_s, ref_c, customers = v["spend"], v["ref_spend"], v["ref_customers"], v["customers"]
        zero = spend == 0
        no_point = np.isnan(ref_s) | np.isnan(ref_c)
        known_cac = (kind == "linear") & ~np.isnan(v["cac"]) & (v["cac"] != 0)
        self.problem(zero & no_point & ~known_cac, "ref_spend",
                     lambda i: "a channel with zero spend needs a reference point: give "
                               "ref_spend and ref_customers (customers expected at that spend)")
        self.problem(zero & ~(no_point & ~known_cac) & (ref_s <= 0), "ref_spend",
                     lambda i: f"{ref_s[i]:g} must be above 0")
        self.problem(~zero & ~(np.isnan(ref_s) & np.isnan(ref_c)), "ref_spend",
                     lambda i: "ref_spend and ref_customers are only for channels with zero "
                               "current spend; this channel's curve passes through its current spend")
        point = np.where(zero, ref_c, customers)
        for curve, column, need, outside in (
                ("power", "elasticity", "a power curve needs an elasticity in (0, 1]",
                 lambda e: f"{e:g} is outside (0, 1]; above 1 returns would grow, at 0 spend would not matter"),
                ("hill", "shape", "a hill curve needs its shape (1 or less: falling returns; above 1: S-shaped)",
                 lambda s: f"{s:g} is outside (0, 10]; 2 to 3 is a typical S-curve")):
            x, top = v[column], 1.0 if curve == "power" else 10.0
            mine = kind == curve
            self.problem(mine & np.isnan(x) & ~self.was_bad(column), column, lambda i, need=need: need)
            self.problem(mine & ~np.isnan(x) & ~((x > 0) & (x <= top)), column,
                         lambda i, x=x, outside=outside: outside(x[i]))
        m, mine = v["max_customers"], np.isin(kind, ("saturating", "hill"))
        self.problem(mine & np.isnan(m) & ~self.was_bad("max_customers"), "max_customers",
                     lambda i: f"a {kind[i]} curve needs max_customers (the most customers any spend could bring)")
        self.problem(mine & (m <= point), "max_customers",
                     lambda i: f"{m[i]:g} must be above the customers at the reference point ({point[i]:g})")

    def _timeline(self, v: dict) -> None:
        """The value_<N>m cells: never negative, never falling; max_payback within them."""
        columns = timeline_columns(self.frame.columns)
        v["timeline"] = [(m, c, self.number(c)) for m, c in columns]
        stack = np.column_stack([x for _, _, x in v["timeline"]]) if columns else np.full((self.n, 0), np.nan)
        max_payback = v["max_payback"]
        for i in np.flatnonzero(~np.isnan(stack).all(axis=1) | ~np.isnan(max_payback)):
            cells = [(m, c, None if np.isnan(x[i]) else float(x[i])) for m, c, x in v["timeline"]]
            for column, message in check_row(cells):
                self.problem([i], column, message)
            message = check_max_payback(None if np.isnan(max_payback[i]) else float(max_payback[i]), cells)
            if message:
                self.problem([i], "max_payback", message)

    def _intervals(self, v: dict) -> None:
        """Intervals around estimates (rows that give any), checked by :func:`interval_problems`."""
        columns = (*INTERVAL_COLUMNS, LEVEL_COLUMN)
        given = ~np.isnan(np.column_stack([v[c] for c in columns])).all(axis=1)
        read = (*columns, "spend", "customers", "cac", "ltv", "elasticity", "max_customers", "shape")
        for i in np.flatnonzero(given):
            row = {c: None if np.isnan(v[c][i]) else float(v[c][i]) for c in read}
            bad = {c for c, rows in self.bad.items() if rows[i]}
            for column, message in interval_problems(row, v["curve"][i] or DEFAULT_CURVE, bad):
                self.problem([i], column, message)

    def _duplicates(self, dims: tuple[np.ndarray, ...]) -> None:
        """Each channel (each cell, with dimension columns) once: a repeat names its first line."""
        names = self.names
        for text in dims:
            names = names + SEP + text
        codes, _ = pd.factorize(pd.Series(names, dtype=object))
        first = np.full(codes.max() + 1 if len(codes) else 0, self.n, np.int64)
        np.minimum.at(first, codes, np.arange(self.n))
        what = "cell" if dims else "channel name"
        self.problem((first[codes] < np.arange(self.n)) & (self.names != ""), "channel",
                     lambda i: f"duplicate {what} {names[i]!r} (first on line {self.lines[first[codes[i]]]}); "
                               "merge the rows or rename one")
