"""From an event log to customer journeys, inside DuckDB (logs far larger than memory work).

An event log has one row per touchpoint or conversion: customer, timestamp, channel, a conversion
marker and an optional value (a conversion row's channel, if any, also counts as a touch). Each
touch belongs to the customer's first conversion at or after it, if that conversion is within the
lookback window; touches after a customer's last conversion form one non-converting journey.
Touches older than the lookback before their conversion are left out, and conversions without
any touch in the window are counted, not attributed. Ties in time are ordered by channel name (and
conversions at the same time by value), so the result does not depend on row order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.numbers import FALSE_WORDS, TRUE_WORDS
from optimizer.files.ranges import SIGNED, Allowed, check_number
from optimizer.journeys.paths import Paths, drop_blanks, merge_paths, step_names
from optimizer.journeys.read import column_types, connect, parse_rest, run_sql, scan_sql

DAYS = Allowed(0.0, 1e6, low_open=True, words="a number of days above 0 (at most 1e6)")


@dataclass(frozen=True)
class Journeys:
    """Aggregated paths, time-decay credit, time to conversion, and what the building did."""

    paths: Paths
    time_decay: pd.DataFrame | None  # channel, conversions, value (for the given half-life)
    days_to_conversion: pd.Series  # one value per converting journey
    notes: tuple[str, ...]


def build_journeys(source: str | Path | pd.DataFrame, lookback_days: float = 30, collapse_repeats: bool = False,
                   half_life_days: float = 7.0, customer_col: str = "customer_id", time_col: str = "timestamp",
                   channel_col: str = "channel", conversion_col: str = "conversion",
                   value_col: str | None = "value") -> Journeys:
    """Build journeys from an event log (CSV, Parquet or DataFrame)."""
    _check_windows(lookback_days, half_life_days)
    con = connect()
    label = _label(source)
    name, decimal = _register(con, source)
    types = column_types(con, name, label)
    _check_columns(list(types), source, [customer_col, time_col, channel_col, conversion_col])
    value_type = types.get(value_col.lower()) if value_col is not None else None
    run_sql(con, label, f"""CREATE TEMP TABLE ev AS SELECT "{customer_col}" AS cid,
        TRY_CAST("{time_col}" AS TIMESTAMP) AS ts, NULLIF(TRIM(CAST("{channel_col}" AS VARCHAR)), '') AS ch,
        {_flag_sql(f'"{conversion_col}"', types[conversion_col.lower()])} AS conv,
        {_value_sql(value_col, value_type)} FROM {name}""")
    if value_type is not None and value_type not in NUMERIC_TYPES:
        parse_rest(con, "ev", "val", decimal)
    _check_rows(con, source, name, types, (time_col, customer_col, conversion_col, value_col))
    con.execute(_JOURNEY_SQL.format(lookback=float(lookback_days),
                                    touches=_COLLAPSED if collapse_repeats else _ALL_TOUCHES))
    if not con.execute("SELECT count(*) FROM touches").fetchone()[0]:
        raise InputError(_label(source), [Problem("no journey has any touchpoint; check the channel column")])
    coded = _coded_journeys(con)
    decay = con.execute(_DECAY_SQL.format(half_life=float(half_life_days))).df()
    notes = _notes(con, lookback_days, int(coded["converted"].sum()))
    con.close()  # DuckDB's memory goes back before the paths are built in numpy (logs larger than memory)
    return Journeys(_paths(coded, label), decay, pd.Series(np.sort(coded["days"]), name="days"), notes)


NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                 "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


def _numeric(kind: str) -> bool:
    return kind.split("(")[0] in NUMERIC_TYPES


def _flag_sql(column: str, kind: str) -> str:
    """A conversion flag from a cell of type ``kind``: typed columns need no text; text through the flag words."""
    if kind == "BOOLEAN":
        return f"coalesce({column}, false)"
    if _numeric(kind):
        return f"coalesce(CAST({column} AS DOUBLE) > 0, false)"
    text = f"lower(trim(CAST({column} AS VARCHAR)))"
    return (f"CASE WHEN {text} IN ({_words(TRUE_WORDS)}) THEN true WHEN coalesce({text}, '') IN "
            f"({_words(FALSE_WORDS)}) THEN false ELSE TRY_CAST({text} AS DOUBLE) > 0 END")


def _value_sql(column: str | None, kind: str | None) -> str:
    """The value column (and, for text cells, the text the project's number parser reads where DuckDB cannot)."""
    if kind is None:
        return "0.0 AS val"
    if _numeric(kind):
        return f'coalesce(CAST("{column}" AS DOUBLE), 0.0) AS val'
    text = f'CAST("{column}" AS VARCHAR)'
    return (f"CASE WHEN trim(coalesce({text}, '')) = '' THEN 0.0 ELSE TRY_CAST(trim({text}) AS DOUBLE) END AS val, "
            f"{text} AS val_text")


# Conversions are numbered per customer in time (at the same time by value, then row). A touch joins the
# first conversion at or after it: the ASOF join finds the earliest time, and conversions are merged per
# time first so that it has one to find (the lowest-numbered). Touches after the last conversion get no k.
_JOURNEY_SQL = """
CREATE TEMP TABLE conversions AS SELECT cid, ts AS conv_ts, val,
    row_number() OVER (PARTITION BY cid ORDER BY ts, val, rowid) AS k FROM ev WHERE conv;
CREATE TEMP TABLE kept AS SELECT t.cid, c.k, t.ts, t.ch, c.conv_ts, c.val
    FROM (SELECT cid, ts, ch FROM ev WHERE ch IS NOT NULL) t
    ASOF LEFT JOIN (SELECT cid, conv_ts, min(k) AS k, arg_min(val, k) AS val FROM conversions GROUP BY cid, conv_ts) c
    ON t.cid = c.cid AND c.conv_ts >= t.ts
    WHERE c.conv_ts IS NULL OR t.ts >= c.conv_ts - to_seconds(CAST({lookback} * 86400 AS BIGINT));
{touches};
"""

_ALL_TOUCHES = "CREATE TEMP VIEW touches AS SELECT * FROM kept"
_COLLAPSED = """CREATE TEMP TABLE touches AS SELECT cid, k, ts, ch, conv_ts, val FROM
    (SELECT *, lag(ch) OVER (PARTITION BY cid, k ORDER BY ts, ch) AS prev FROM kept)
    WHERE prev IS DISTINCT FROM ch"""  # the window runs only when repeats are collapsed

_DECAY_SQL = """
WITH w AS (SELECT cid, k, ch, val, pow(2.0, -(epoch(conv_ts - ts) / 86400.0) / {half_life}) AS weight
           FROM touches WHERE conv_ts IS NOT NULL),
     s AS (SELECT *, weight / sum(weight) OVER (PARTITION BY cid, k) AS credit FROM w)
SELECT ch AS channel, sum(credit) AS conversions, sum(credit * val) AS value FROM s GROUP BY ch ORDER BY ch
"""


def _coded_journeys(con) -> dict[str, np.ndarray | list[str]]:
    """The journeys as integer codes: no lists, no strings per touch.

    The distinct channels go into an ENUM in sorted order, so ordering by its code is ordering by name.
    The touches come back sorted by customer, journey, time and channel; the journeys, sorted the
    same way, give each one's number of touches, so the two line up with no journey id.
    """
    variants = sorted(r[0] for r in con.execute("SELECT DISTINCT ch FROM touches").fetchall())
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in variants)
    con.execute(f"CREATE TYPE channel_name AS ENUM ({quoted})")
    codes = con.execute("""SELECT enum_code(CAST(ch AS channel_name)) AS code FROM touches
        ORDER BY cid, k, ts, code""").fetchnumpy()["code"]
    rows = con.execute("""SELECT count(*) AS n, any_value(conv_ts) IS NOT NULL AS converted,
        coalesce(any_value(val), 0.0) AS val, epoch(any_value(conv_ts) - min(ts)) / 86400.0 AS days
        FROM touches GROUP BY cid, k ORDER BY cid, k""").fetchnumpy()
    out: dict = {k: np.ma.getdata(v) for k, v in rows.items()}
    out["converted"] = out["converted"].astype(bool)
    out["days"] = out["days"][out["converted"]].astype(float)
    out.update(codes=np.ma.getdata(codes), variants=variants)
    return out


def _paths(coded: dict, label: str) -> Paths:
    """The coded journeys as merged paths: a conversion (with its value) or a null each."""
    names, lookup = step_names(coded["variants"])
    flat, lengths = drop_blanks(lookup[coded["codes"]], coded["n"].astype(np.int64))
    converted = coded["converted"]
    value = np.where(converted, coded["val"].astype(float), 0.0)
    return merge_paths(names, lengths, flat, converted.astype(float), value, (~converted).astype(float), label)


def _notes(con, lookback_days: float, converted: int) -> tuple[str, ...]:
    conversions, touches, kept = con.execute("""SELECT (SELECT count(*) FROM conversions),
        (SELECT count(*) FROM ev WHERE ch IS NOT NULL), (SELECT count(*) FROM kept)""").fetchone()
    orphan, dropped = conversions - converted, touches - kept  # a converted journey is one conversion with touches
    notes = []
    if orphan:
        notes.append(f"{orphan} conversions had no touch within {lookback_days:g} days before them and are not "
                     "attributed")
    if dropped:
        notes.append(f"{dropped} touches came more than {lookback_days:g} days before their conversion and are "
                     "left out")
    return tuple(notes)


def _register(con, source) -> tuple[str, str]:
    if isinstance(source, pd.DataFrame):
        con.register("src_frame", source)
        return "src_frame", "."
    return scan_sql(Path(source))


def _check_windows(lookback_days: float, half_life_days: float) -> None:
    windows = {"lookback_days": lookback_days, "half_life_days": half_life_days}
    problems = [p for p in (check_number(name, value, DAYS) for name, value in windows.items()) if p]
    if problems:
        raise UsageError("; ".join(problems))


def _check_columns(present: list[str], source, wanted: list[str]) -> None:
    what = {0: "customer", 1: "time", 2: "channel", 3: "conversion"}
    missing = [Problem(f"the {what[k]} column {c!r} is missing; name yours with `{what[k]}_col`", column=c)
               for k, c in enumerate(wanted) if c.lower() not in present]
    if missing:
        raise InputError(_label(source), missing)


def _check_rows(con, source, scan: str, types: dict[str, str], columns: tuple) -> None:
    """Timestamps, customer ids, conversion flags and values that cannot be read: the first five of each.

    The checks run on the typed columns; the text of a bad cell is fetched only for the rows shown.
    """
    time_col, customer_col, conversion_col, value_col = columns
    word = "row" if isinstance(source, pd.DataFrame) else "line"
    offset = 1 if isinstance(source, pd.DataFrame) else 2
    blank = "cid IS NULL" + (" OR trim(cid) = ''" if types[customer_col.lower()] == "VARCHAR" else "")
    text = 'CAST("{}" AS VARCHAR)'
    checks = [  # rows to report, the column, what the message shows of the cell, the message
        ("ts IS NULL", time_col, text, "'{}' is not a timestamp; write 2024-03-31 14:05:00"),
        (blank, customer_col, None, "the customer id is empty"),
        ("conv IS NULL", conversion_col, f"lower(trim({text}))",
         "'{}' is not a conversion flag; write 1 or 0 (true or false)"),
        (SIGNED.sql("val"), value_col, text,
         "'{}' is not a value; write a plain number such as 49.90"),
    ]
    problems = []
    for where, column, shown, message in checks:
        rows = [r[0] for r in con.execute(f"SELECT rowid FROM ev WHERE {where} ORDER BY rowid LIMIT 5").fetchall()]
        cells = _cells(con, scan, shown.format(column), rows) if rows and shown else {}
        problems += [Problem(message.format(cells.get(r)), r + offset, None, column, word) for r in rows]
    if problems:
        raise InputError(_label(source), problems)


def _cells(con, scan: str, shown: str, rows: list[int]) -> dict[int, str | None]:
    """The text ``shown`` of cells in the given rows of the source (read again: only when rows are reported)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE shown AS SELECT {shown} AS text FROM {scan}")
    wanted = ", ".join(str(r) for r in rows)
    return dict(con.execute(f"SELECT rowid, text FROM shown WHERE rowid IN ({wanted})").fetchall())


def _words(words) -> str:
    return ", ".join("'" + w.replace("'", "''") + "'" for w in sorted(words))


def _label(source) -> str:
    return "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)


__all__ = ["Journeys", "build_journeys"]
