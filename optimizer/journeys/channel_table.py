"""The bridge from attribution to the optimizer: a channel table from attributed conversions.

``customers`` = conversions attributed to each channel; ``spend`` (and any curve, limit or lock
columns) from a spend table; ``ltv`` = attributed value per customer, or joined from an LTV table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem
from optimizer.files.numbers import parse_numbers
from optimizer.files.ranges import SIGNED
from optimizer.files.tables import read_table
from optimizer.model.channels import NUMERIC
from optimizer.model.intervals import LEVEL_COLUMN, carry_ltv_intervals


def channel_table(attributed: pd.DataFrame, spend: str | Path | pd.DataFrame,
                  ltv: str | Path | pd.DataFrame | None = None, intervals: pd.DataFrame | None = None
                  ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The optimizer's channel table: spend from ``spend``, customers = attributed conversions, ltv.

    Columns of the spend table other than channel and spend (curve, elasticity, limits...) are kept;
    ``intervals`` (channel, customers_low, customers_high, interval_level: a bootstrap's) and an LTV
    table's ltv_low and ltv_high are carried in.
    """
    spend_frame, label = _numeric(spend, NUMERIC)
    problems = [Problem(f"column {c!r} is missing", column=c) for c in ("channel", "spend") if c not in spend_frame]
    if problems:
        raise InputError(label, problems)
    got = attributed.set_index("channel")
    table = spend_frame.copy()
    table["channel"] = table["channel"].astype(str).str.strip()
    table["customers"] = table["channel"].map(got["conversions"]).fillna(0.0)
    value = table["channel"].map(got["value"]).fillna(0.0)
    table["ltv"] = np.where(table["customers"] > 0, value / table["customers"].where(table["customers"] > 0), np.nan)
    notes = [f"{c!r} has attributed conversions but no spend row; left out" for c in got.index
             if c not in set(table["channel"]) and got.loc[c, "conversions"] > 0]
    if intervals is not None:
        by = intervals.set_index("channel")
        for column in ("customers_low", "customers_high", LEVEL_COLUMN):
            table[column] = table["channel"].map(by[column]).where(table["customers"] > 0)
    if ltv is not None:
        joined, ltv_label = _numeric(ltv, ("ltv", "ltv_low", "ltv_high", LEVEL_COLUMN))
        if "channel" not in joined or "ltv" not in joined:
            raise InputError(ltv_label, [Problem("needs the columns channel and ltv", column="ltv")])
        values = dict(zip(joined["channel"].astype(str).str.strip(), joined["ltv"], strict=True))
        table["ltv"] = [values.get(c, v) for c, v in zip(table["channel"], table["ltv"], strict=True)]
        table, carried = carry_ltv_intervals(table, joined)
        notes += carried
    empty = table["ltv"].isna() | (table["customers"] == 0)
    notes += [f"{c!r} got no attributed conversions" for c in table.loc[table["customers"] == 0, "channel"]]
    table.loc[empty & table["ltv"].isna(), "ltv"] = 0.0
    return table, tuple(notes)


def _numeric(source, numeric: tuple[str, ...]) -> tuple[pd.DataFrame, str]:
    """A small table with its ``numeric`` columns parsed (every bad cell reported by line)."""
    text = read_table(source)
    frame, problems = text.frame.copy(), []
    for column in (c for c in numeric if c in frame.columns):
        values = parse_numbers(frame[column], text.decimal)
        blank = frame[column].astype(str).str.strip().eq("") | frame[column].isna()
        for pos in np.flatnonzero(~blank.to_numpy() & SIGNED.bad(values))[:5]:
            problems.append(Problem(f"{frame[column].iloc[pos]!r} is not a number; it must be {SIGNED}",
                                    text.line(int(pos)), None, column, text.line_word))
        frame[column] = values
    if problems:
        raise InputError(text.source, problems)
    return frame, text.source
