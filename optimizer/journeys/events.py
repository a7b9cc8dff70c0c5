"""From an event log to customer journeys, inside DuckDB (logs far larger than memory work).

An event log has one row per touchpoint or conversion: customer, timestamp, channel, a conversion
marker and an optional value (a conversion row's channel, if any, also counts as a touch). Each
touch belongs to the customer's first conversion at or after it, if that conversion is within the
lookback window; touches after a customer's last conversion form one non-converting journey.
Touches older than the lookback before their conversion are left out, and conversions without
any touch in the window are counted, not attributed. Ties in time are ordered by channel name,
so the result does not depend on row order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.numbers import FALSE_WORDS, TRUE_WORDS
from optimizer.files.ranges import SIGNED, Allowed, check_number
from optimizer.journeys.paths import Paths
from optimizer.journeys.read import connect, parse_rest, paths_from_table, run_sql, scan_sql, table_columns

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
    present = table_columns(con, name, label)
    _check_columns(present, source, [customer_col, time_col, channel_col, conversion_col])
    has_value = value_col is not None and value_col.lower() in present
    value_text = f'CAST("{value_col}" AS VARCHAR)' if has_value else "NULL"
    run_sql(con, label, f"""CREATE TEMP TABLE ev_text AS SELECT row_number() OVER () AS rn,
        "{customer_col}" AS cid, TRY_CAST("{time_col}" AS TIMESTAMP) AS ts,
        CAST("{time_col}" AS VARCHAR) AS ts_text, NULLIF(TRIM(CAST("{channel_col}" AS VARCHAR)), '') AS ch,
        lower(trim(CAST("{conversion_col}" AS VARCHAR))) AS conv_text, {value_text} AS val_text FROM {name}""")
    con.execute(f"""CREATE TEMP TABLE ev AS SELECT rn, cid, ts, ts_text, ch, conv_text, val_text,
        CASE WHEN conv_text IN ({_words(TRUE_WORDS)}) THEN true WHEN coalesce(conv_text, '') IN ({_words(FALSE_WORDS)})
             THEN false ELSE TRY_CAST(conv_text AS DOUBLE) > 0 END AS conv,
        CASE WHEN trim(coalesce(val_text, '')) = '' THEN 0.0 ELSE TRY_CAST(trim(val_text) AS DOUBLE) END AS val
        FROM ev_text""")
    parse_rest(con, "ev", "val", decimal)
    _check_rows(con, source, time_col, customer_col, conversion_col, value_col)
    con.execute(_JOURNEY_SQL.format(lookback=float(lookback_days),
                                    touches=_COLLAPSED if collapse_repeats else _ALL_TOUCHES))
    if not con.execute("SELECT count(*) FROM journeys").fetchone()[0]:
        raise InputError(_label(source), [Problem("no journey has any touchpoint; check the channel column")])
    con.execute("""CREATE TEMP TABLE journey_steps AS SELECT steps, CASE WHEN converted THEN 1.0 ELSE 0.0 END AS conv,
        CASE WHEN converted THEN val ELSE 0.0 END AS val, CASE WHEN converted THEN 0.0 ELSE 1.0 END AS nul
        FROM journeys""")
    paths = paths_from_table(con, "journey_steps", _label(source))
    decay = con.execute(_DECAY_SQL.format(half_life=float(half_life_days))).df()
    days = con.execute("SELECT days FROM journeys WHERE converted ORDER BY days").df()["days"]
    return Journeys(paths, decay, days, _notes(con, lookback_days))


_JOURNEY_SQL = """
CREATE TEMP TABLE conversions AS SELECT cid, ts AS conv_ts, val,
    row_number() OVER (PARTITION BY cid ORDER BY ts, rn) AS k FROM ev WHERE conv;
CREATE TEMP TABLE assigned AS SELECT t.cid, t.ts, t.ch, c.k, c.conv_ts, c.val
    FROM (SELECT cid, ts, ch FROM ev WHERE ch IS NOT NULL) t
    ASOF LEFT JOIN conversions c ON t.cid = c.cid AND c.conv_ts >= t.ts;
CREATE TEMP TABLE kept AS SELECT * FROM assigned
    WHERE conv_ts IS NULL OR ts >= conv_ts - to_seconds(CAST({lookback} * 86400 AS BIGINT));
{touches};
CREATE TEMP TABLE journeys AS SELECT cid, k, list(ch ORDER BY ts, ch) AS steps,
    any_value(conv_ts) IS NOT NULL AS converted, coalesce(any_value(val), 0) AS val,
    epoch(any_value(conv_ts) - min(ts)) / 86400.0 AS days FROM touches GROUP BY cid, k;
"""

_ALL_TOUCHES = "CREATE TEMP TABLE touches AS SELECT cid, k, conv_ts, val, ch, ts FROM kept"
_COLLAPSED = """CREATE TEMP TABLE touches AS SELECT cid, k, conv_ts, val, ch, ts FROM
    (SELECT *, lag(ch) OVER (PARTITION BY cid, k ORDER BY ts, ch) AS prev FROM kept)
    WHERE prev IS DISTINCT FROM ch"""  # the window runs only when repeats are collapsed

_DECAY_SQL = """
WITH w AS (SELECT cid, k, ch, val, pow(2.0, -(epoch(conv_ts - ts) / 86400.0) / {half_life}) AS weight
           FROM touches WHERE conv_ts IS NOT NULL),
     s AS (SELECT *, weight / sum(weight) OVER (PARTITION BY cid, k) AS credit FROM w)
SELECT ch AS channel, sum(credit) AS conversions, sum(credit * val) AS value FROM s GROUP BY ch ORDER BY ch
"""


def _notes(con, lookback_days: float) -> tuple[str, ...]:
    orphan = con.execute("""SELECT count(*) FROM conversions c ANTI JOIN
        (SELECT DISTINCT cid, k FROM touches WHERE k IS NOT NULL) t ON c.cid = t.cid AND c.k = t.k""").fetchone()[0]
    dropped = con.execute("SELECT (SELECT count(*) FROM assigned) - (SELECT count(*) FROM kept)").fetchone()[0]
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


def _check_rows(con, source, time_col: str, customer_col: str, conversion_col: str, value_col: str | None) -> None:
    """Timestamps, customer ids, conversion flags and values that cannot be read: the first five of each."""
    word = "row" if isinstance(source, pd.DataFrame) else "line"
    offset = 0 if isinstance(source, pd.DataFrame) else 1
    checks = [
        ("ts IS NULL", time_col, "'{}' is not a timestamp; write 2024-03-31 14:05:00", "ts_text"),
        ("cid IS NULL OR trim(CAST(cid AS VARCHAR)) = ''", customer_col, "the customer id is empty", "cid"),
        ("conv IS NULL", conversion_col, "'{}' is not a conversion flag; write 1 or 0 (true or false)", "conv_text"),
        (SIGNED.sql("val"), value_col, "'{}' is not a value; write a plain number such as 49.90",
         "val_text"),
    ]
    problems = []
    for where, column, message, shown in checks:
        rows = con.execute(f"SELECT rn, {shown} FROM ev WHERE {where} ORDER BY rn LIMIT 5").fetchall()
        problems += [Problem(message.format(r[1]), int(r[0]) + offset, None, column, word) for r in rows]
    if problems:
        raise InputError(_label(source), problems)


def _words(words) -> str:
    return ", ".join("'" + w.replace("'", "''") + "'" for w in sorted(words))


def _label(source) -> str:
    return "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)


__all__ = ["Journeys", "build_journeys"]
