"""Putting estimated LTVs (and their value over time, for payback) into a channel table, matching
channels by name."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.numbers import parse_numbers
from optimizer.files.ranges import POSITIVE
from optimizer.files.tables import TextTable, read_table
from optimizer.ltv.timeline import read_timeline, value_columns
from optimizer.model.channels import channels_from_table
from optimizer.model.intervals import LEVEL_COLUMN, carry_ltv_intervals
from optimizer.model.timeline import timeline_columns


def set_ltv(channels: str | Path | pd.DataFrame, ltv_table: str | Path | pd.DataFrame,
            timeline: str | Path | pd.DataFrame | None = None, months: str | list[float] | None = None
            ) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The channel table with its ``ltv`` column (and interval, when the LTV table has ``ltv_low`` and
    ``ltv_high``) taken from an LTV table (channel, ltv), as ``ltvcac ltv`` writes it, and with
    ``timeline`` (as ``ltvcac ltv --timeline`` writes) its value_<N>m columns at ``months``.

    Returns the table in input columns and notes on channels that did not match.

    Raises
    ------
    InputError
        When the LTV table lacks its columns or holds an LTV that is not a positive number, or the
        timeline is not one (see :func:`optimizer.ltv.timeline.read_timeline`).
    """
    if months is not None and timeline is None:
        raise UsageError("`months` are the months of the value timeline; give the timeline with `timeline`")
    source = read_table(ltv_table)
    frame = source.frame
    missing = [Problem(f"column {c!r} is missing", column=c) for c in ("channel", "ltv") if c not in frame.columns]
    if missing:
        raise InputError(source.source, missing)
    ltv = parse_numbers(frame["ltv"], source.decimal)
    names = frame["channel"].astype(str).str.strip()
    bad = np.flatnonzero(POSITIVE.bad(ltv))
    if len(bad):
        raise InputError(source.source, [Problem(f"{frame['ltv'].iloc[i]!r} is not an LTV {POSITIVE}",
                                                 source.line(int(i)), names.iloc[i], "ltv", source.line_word)
                                         for i in bad[:5]])
    values = dict(zip(names, ltv, strict=True))
    table = channels_from_table(_filled(read_table(channels), values)).table
    known = set(table["channel"])
    notes = [f"no LTV for {c!r}: its ltv is kept" for c in table["channel"] if c not in values]
    notes += [f"{c!r} in the LTV table is not a channel of the table; ignored" for c in values if c not in known]
    numbers = pd.DataFrame({"channel": names, "ltv": ltv, **{c: parse_numbers(frame[c], source.decimal) for c in
                                                              ("ltv_low", "ltv_high", LEVEL_COLUMN) if c in frame}})
    table, carried = carry_ltv_intervals(table, numbers)
    notes = [*notes, *carried]
    if timeline is not None:
        table, more = _with_timeline(table, timeline, months)
        notes += more
    return table, tuple(notes)


def _filled(text: TextTable, values: dict[str, float]) -> TextTable:
    """The channel table's text with the ltv cells of the channels in ``values`` set (a table whose ltv column
    is empty, such as ``fit-curves`` writes, is what this command completes), before it is checked."""
    frame = text.frame
    if "channel" not in frame.columns:
        return text  # the check names the missing column
    fill = frame["channel"].astype(str).str.strip().map(values)
    kept = frame["ltv"] if "ltv" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    cells = [kept.iloc[i] if pd.isna(v) else float(v) for i, v in enumerate(fill)]  # numbers, read as they are
    return replace(text, frame=frame.assign(ltv=pd.Series(cells, index=frame.index, dtype=object)))


def _with_timeline(table: pd.DataFrame, timeline, months) -> tuple[pd.DataFrame, list[str]]:
    """``table`` with its value_<N>m columns replaced by those of ``timeline``."""
    frame, unit = read_timeline(timeline)
    columns = value_columns(frame, unit, months).set_index("channel")
    table = table.drop(columns=[c for _m, c in timeline_columns(table.columns)])
    table = table.join(columns, on="channel")
    notes = [f"no value timeline for {c!r}: its value_<N>m cells are empty" for c in table["channel"]
             if c not in columns.index]
    return table, notes
