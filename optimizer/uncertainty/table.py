"""A draws table: joint draws of uncertain inputs (posterior samples of an MMM, bootstrap replicates).

One row per draw and channel: ``draw`` (any label), ``channel`` (as in the channel table) and any of
the columns that describe a channel's response and value: ``customers`` or ``cac``, ``ltv``,
``elasticity``, ``max_customers``, ``shape``, ``ref_customers`` (for a channel with no spend). A
blank cell keeps the channel table's estimate. Channels the table does not name keep their
estimates in every draw; a channel it names needs a row in every draw. As in the channel table,
customers (or cac, or ref_customers) set the curve's level, and every other customer figure of the
curve moves with it unless the draw gives it (a draw's max_customers is in that draw's customers).
Every problem is reported at once, with the file, line, channel and column.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem
from optimizer.files.numbers import parse_numbers
from optimizer.files.ranges import SIGNED
from optimizer.files.tables import TextTable, read_table
from optimizer.model.channels import KNOWN, Channels
from optimizer.model.choices import CurveKind
from optimizer.model.intervals import CURVES, UPPER
from optimizer.uncertainty.draws import DrawSet, base_quantities, curves_of

UNCERTAIN = ("customers", "cac", "ltv", "elasticity", "max_customers", "shape", "ref_customers")
MOST = 20  # problems listed per column; the rest are counted


def read_draws(source: str | Path | pd.DataFrame, table: Channels) -> DrawSet:
    """Read and validate a draws table for the channels of ``table``.

    Raises
    ------
    InputError
        With every problem found: columns, unknown channels, repeated or missing draws, bad cells.
    """
    text = read_table(source, "<draws DataFrame>")
    problems = _column_problems(text)
    if problems:
        raise InputError(text.source, problems)
    frame = text.frame
    channel = frame["channel"].astype(str).str.strip()
    draw = frame["draw"].astype(str).str.strip()
    problems += _key_problems(text, channel, draw, table.names)
    values = {c: parse_numbers(frame[c], text.decimal).to_numpy(float) for c in UNCERTAIN if c in frame}
    problems += _cell_problems(text, frame, values, channel, table)
    if problems:
        raise InputError(text.source, problems)
    return _assemble(table, channel, draw, values, str(text.source))


def _column_problems(text: TextTable) -> list[Problem]:
    columns = list(text.frame.columns)
    problems = [Problem(f"required column {c!r} is missing; a draws table has draw, channel and the columns "
                        "that vary", column=c) for c in ("draw", "channel") if c not in columns]
    for c in columns:
        if c in ("draw", "channel") or c in UNCERTAIN:
            continue
        if c in KNOWN:
            problems.append(Problem(f"{c!r} is the plan's, not an uncertain input; draws may vary "
                                    f"{', '.join(UNCERTAIN)}", column=c))
        else:
            close = difflib.get_close_matches(c, UNCERTAIN, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; draws may vary {', '.join(UNCERTAIN)}"
            problems.append(Problem(f"unknown column {c!r}{hint}", column=c))
    if not problems and not set(columns) & set(UNCERTAIN):
        problems.append(Problem(f"no column varies; add one of {', '.join(UNCERTAIN)}"))
    if {"customers", "cac"} <= set(columns):
        problems.append(Problem("give customers or cac, not both (customers = spend / cac)", column="cac"))
    return problems


def _key_problems(text: TextTable, channel: pd.Series, draw: pd.Series, names: tuple[str, ...]) -> list[Problem]:
    out = []
    known = set(names)
    for pos in np.flatnonzero(~channel.isin(known).to_numpy())[:MOST]:
        close = difflib.get_close_matches(channel.iloc[pos], names, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else "; every channel must be in the channel table"
        out.append(Problem(f"no channel {channel.iloc[pos]!r} in the channel table{hint}", text.line(int(pos)),
                           channel.iloc[pos], "channel", text.line_word))
    for pos in np.flatnonzero(draw.eq("").to_numpy() | draw.str.lower().eq("nan").to_numpy())[:MOST]:
        out.append(Problem("the draw is empty; label every row with its draw", text.line(int(pos)),
                           channel.iloc[pos], "draw", text.line_word))
    repeated = pd.DataFrame({"c": channel, "d": draw}).duplicated(keep="first").to_numpy()
    for pos in np.flatnonzero(repeated)[:MOST]:
        out.append(Problem(f"a second row for draw {draw.iloc[pos]!r} and this channel; keep one",
                           text.line(int(pos)), channel.iloc[pos], "draw", text.line_word))
    every = pd.unique(draw)
    for name in pd.unique(channel[channel.isin(known)]):
        have = set(draw[channel == name])
        missing = [d for d in every if d not in have]
        if missing:
            shown = ", ".join(repr(d) for d in missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5
                                                               else "")
            out.append(Problem(f"no row for draw {shown}; a channel in the draws table needs a row in every draw",
                               channel=name, column="draw"))
    return out


def _cell_problems(text: TextTable, frame: pd.DataFrame, values: dict, channel: pd.Series,
                   table: Channels) -> list[Problem]:
    index = {name: i for i, name in enumerate(table.names)}
    row_of = channel.map(index).to_numpy(float)
    known = ~np.isnan(row_of)
    at = np.where(known, row_of, 0).astype(int)
    kind = np.array([CurveKind(k.split(" ")[0]).value for k in table.curve_names])[at]
    zero = table.spend[at] == 0
    out = []
    for column, v in values.items():
        flagged = np.zeros(len(v), bool)
        for bad, message in _checks(column, v, frame[column], kind, known, zero):
            bad = bad & ~flagged
            flagged |= bad
            out += [Problem(message(int(p)), text.line(int(p)), channel.iloc[p], column, text.line_word)
                    for p in np.flatnonzero(bad)[:MOST]]
            if bad.sum() > MOST:
                out.append(Problem(f"and {int(bad.sum()) - MOST} more cells like these", column=column))
    return out + _saturation_problems(text, values, channel, at, known, table)


def _checks(column: str, v: np.ndarray, cells: pd.Series, kind: np.ndarray, known: np.ndarray,
            zero: np.ndarray) -> list[tuple[np.ndarray, object]]:
    """(bad rows, message of a row) for each rule a column's draws must keep, in the order they are told."""
    blank = cells.astype(str).str.strip().eq("").to_numpy() | cells.isna().to_numpy()
    finite = ~SIGNED.bad(v)
    checks = [(~blank & ~finite, lambda p: f"{cells.iloc[p]!r} is not a number; it must be {SIGNED}"),
              (finite & (v < 0), lambda p: f"{v[p]:g} is a negative draw of a positive quantity")]
    if column in ("cac", "elasticity", "shape", "max_customers"):
        checks.append((finite & (v == 0), lambda p: f"0 is not a valid {column}; it must be above 0"))
    if column in UPPER:
        checks.append((finite & (v > UPPER[column]), lambda p: f"{v[p]:g} is above {UPPER[column]:g}, the most a "
                                                               f"{column} can be"))
    if column in CURVES:
        checks.append((known & finite & ~np.isin(kind, CURVES[column]),
                       lambda p: f"this channel's curve is {kind[p]}; {column} applies to "
                                 f"{' and '.join(CURVES[column])} curves"))
    if column in ("customers", "cac"):
        checks.append((known & finite & zero & (v > 0), lambda p: "the channel has no spend; vary its ref_customers "
                                                                  "instead"))
    return checks


def _saturation_problems(text, values, channel, at, known, table) -> list[Problem]:
    """A draw's max_customers must stay above its customers at the reference spend."""
    if "max_customers" not in values:
        return []
    base = base_quantities(table)
    m = values["max_customers"]
    level = _level(values, at, base)
    bad = known & np.isfinite(m) & (m > 0) & (m <= level * base["customers"][at])
    return [Problem(f"max_customers {m[p]:g} is not above the draw's customers "
                    f"({level[p] * base['customers'][at][p]:g})", text.line(int(p)), channel.iloc[p],
                    "max_customers", text.line_word) for p in np.flatnonzero(bad)[:MOST]]


def _level(values: dict, at: np.ndarray, base: dict) -> np.ndarray:
    """Each row's customers relative to the channel table's (1 where the row does not move them)."""
    c, s = base["customers"][at], base["spend"][at]
    level = np.ones(len(at))
    with np.errstate(divide="ignore", invalid="ignore"):
        for column, ratio in (("customers", lambda v: v / c), ("cac", lambda v: (s / v) / c),
                              ("ref_customers", lambda v: v / c)):
            if column in values:
                v = values[column]
                level = np.where(np.isfinite(v) & (c > 0), ratio(v), level)
    return np.nan_to_num(level, nan=1.0)


def _assemble(table: Channels, channel: pd.Series, draw: pd.Series, values: dict, source: str) -> DrawSet:
    base = base_quantities(table)
    labels = list(pd.unique(draw))
    d = pd.Series(range(len(labels)), index=labels)[draw].to_numpy()
    i = channel.map({name: k for k, name in enumerate(table.names)}).to_numpy(int)
    size = (len(labels), len(table))

    def grid(estimate, row_values):
        out = np.broadcast_to(estimate, size).copy()
        given = np.isfinite(row_values)
        out[d[given], i[given]] = row_values[given]
        return out

    level = grid(1.0, _level(values, i, base))
    ltv = grid(base["ltv"], values.get("ltv", np.full(len(d), np.nan)))
    e = grid(base["elasticity"], values.get("elasticity", np.full(len(d), np.nan)))
    m = grid(base["max_customers"], values.get("max_customers", np.full(len(d), np.nan)) / level[d, i])
    h = grid(base["shape"], values.get("shape", np.full(len(d), np.nan)))
    varies = tuple(c if c != "ref_customers" else "customers" for c in values)
    return DrawSet(ltv, curves_of(base, level, e, m, h), source,
                   tuple(dict.fromkeys(varies)))
