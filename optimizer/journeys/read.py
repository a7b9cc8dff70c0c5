"""Reading journeys into :class:`Paths` inside DuckDB: split, trim, merge identical paths, number channels.

Both input routes end here: aggregated path files (ChannelAttribution's format, read by DuckDB's CSV
and Parquet readers) and journeys built from event logs. Only the final arrays come back to Python,
so a million paths take seconds. Counts are read by DuckDB where they are plain numbers; any other
cell goes through the project's one number parser, so "1 234,5" means the same here as everywhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.numbers import parse_number
from optimizer.files.tables import PARQUET, sniff_file
from optimizer.journeys.paths import PATH_COLUMNS, Paths

_COUNTS = (("total_conversions", "conv"), ("total_conversion_value", "val"), ("total_null", "nul"))


def connect():
    """A DuckDB connection (DuckDB is imported only by the commands that read journeys)."""
    import duckdb

    return duckdb.connect()


def read_paths(source: str | Path | pd.DataFrame, sep: str = ">") -> Paths:
    """Read aggregated paths (path, total_conversions[, total_conversion_value, total_null]).

    Bad or blank counts and empty paths are reported with their lines, all at once.
    """
    if not sep.strip():
        raise UsageError("`sep` must be a visible separator such as '>'")
    con = connect()
    label = "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
    if isinstance(source, pd.DataFrame):
        con.register("src", source.rename(columns=lambda c: str(c).strip().lower()).astype(str))
        scan, decimal = "src", "."
    else:
        scan, decimal = scan_sql(Path(source))
    present = table_columns(con, scan, label)
    missing = [c for c in ("path", "total_conversions") if c not in present]
    if missing:
        raise InputError(label, [Problem(f"column {c!r} is missing; aggregated paths need path, total_conversions "
                                         "and optionally total_conversion_value, total_null", column=c)
                                 for c in missing])
    cells = ", ".join(f'CAST("{c}" AS VARCHAR) AS {a}_text' if c in present else f"'0' AS {a}_text"
                      for c, a in _COUNTS)
    numbers = ", ".join(f"{_number_sql(a + '_text', decimal)} AS {a}" for _, a in _COUNTS)
    run_sql(con, label, f"""CREATE TEMP TABLE cells AS SELECT row_number() OVER () AS rn,
        CAST("path" AS VARCHAR) AS path, {cells} FROM {scan}""")
    con.execute(f"CREATE TEMP TABLE raw AS SELECT *, {numbers} FROM cells")
    for _, alias in _COUNTS:
        parse_rest(con, "raw", alias, decimal)
    _check_counts(con, label, 0 if isinstance(source, pd.DataFrame) else 1)
    quoted_sep = sep.replace("'", "''")
    con.execute(f"""CREATE TEMP TABLE steps AS SELECT list_filter(list_transform(string_split(path, '{quoted_sep}'),
        lambda x: trim(x)), lambda x: x <> '') AS steps, conv, val, nul FROM raw""")
    return paths_from_table(con, "steps", label)


def paths_from_table(con, table: str, source: str) -> Paths:
    """``table`` has columns steps (a list of channel names), conv, val, nul."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE merged AS
        SELECT steps, sum(conv) AS conv, sum(val) AS val, sum(nul) AS nul FROM {table}
        WHERE len(steps) > 0 GROUP BY steps ORDER BY steps""")
    con.execute("CREATE OR REPLACE TEMP TABLE merged_id AS SELECT row_number() OVER () - 1 AS pid, * FROM merged")
    con.execute("""CREATE OR REPLACE TEMP TABLE names AS SELECT ch, row_number() OVER (ORDER BY ch) - 1 AS code
        FROM (SELECT DISTINCT unnest(steps) AS ch FROM merged)""")
    channels = tuple(r[0] for r in con.execute("SELECT ch FROM names ORDER BY code").fetchall())
    weights = con.execute("SELECT len(steps) AS n, conv, val, nul FROM merged_id ORDER BY pid").fetchnumpy()
    flat = con.execute("""SELECT n.code FROM (SELECT pid, unnest(steps) AS ch, generate_subscripts(steps, 1) AS pos
        FROM merged_id) s JOIN names n USING (ch) ORDER BY s.pid, s.pos""").fetchnumpy()["code"]
    offsets = np.concatenate([[0], np.cumsum(weights["n"].astype(np.int64))])
    return Paths(channels, offsets, flat.astype(np.int32), weights["conv"].astype(float),
                 weights["val"].astype(float), weights["nul"].astype(float), source)


def scan_sql(path: Path) -> tuple[str, str]:
    """The DuckDB table function that reads ``path`` (all cells as text) and the file's decimal mark."""
    if not path.is_file():
        raise InputError(str(path), [Problem("no such file; check the path")])
    quoted = str(path).replace("'", "''")
    if path.suffix.lower() in PARQUET:
        return f"read_parquet('{quoted}')", "."
    sep, decimal = sniff_file(path)
    delim = sep.replace("'", "''")
    return f"read_csv('{quoted}', all_varchar=true, header=true, delim='{delim}', strict_mode=true)", decimal


def table_columns(con, scan: str, label: str) -> list[str]:
    """The lower-cased column names of ``scan``; an unreadable file is an :class:`InputError`."""
    import duckdb

    try:
        return [r[0].strip().lower() for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
    except duckdb.Error as exc:
        raise InputError(label, [Problem(f"cannot be read as a table ({str(exc).splitlines()[0]})")]) from None


def run_sql(con, label: str, sql: str) -> None:
    """Run ``sql`` that reads the input file; DuckDB's reading errors become an :class:`InputError`."""
    import duckdb

    try:
        con.execute(sql)
    except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException) as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(label, [Problem(f"cannot be read as a table: {first}; check that every row has as many "
                                         "cells as the header and that quotes are closed")]) from None


def _number_sql(column: str, decimal: str) -> str:
    text = f"replace(trim({column}), ' ', '')"
    if decimal == ",":
        text = f"replace(replace({text}, '.', ''), ',', '.')"
    return f"TRY_CAST(nullif({text}, '') AS DOUBLE)"


def parse_rest(con, table: str, alias: str, decimal: str) -> None:
    """Cells of ``{alias}_text`` DuckDB could not read as plain numbers, through the one number parser."""
    rest = con.execute(f"""SELECT rn, {alias}_text FROM {table} WHERE {alias} IS NULL
        AND trim(coalesce({alias}_text, '')) <> ''""").fetchall()
    fixed = []
    for rn, text in rest:
        try:
            fixed.append((parse_number(text, decimal), rn))
        except ValueError:
            continue
    if fixed:
        con.executemany(f"UPDATE {table} SET {alias} = ? WHERE rn = ?", fixed)


def _check_counts(con, label: str, offset: int) -> None:
    """Counts that are blank, not numbers or negative, and empty paths: the first five of each."""
    problems = []
    for column, alias in _COUNTS:
        bad = con.execute(f"""SELECT rn, {alias}_text FROM raw WHERE {alias} IS NULL OR {alias} < 0
            OR NOT isfinite({alias}) ORDER BY rn LIMIT 5""").fetchall()
        problems += [Problem(f"{r[1]!r} is not a count of 0 or more" if (r[1] or "").strip() else
                             "the count is blank; write 0 if there were none", int(r[0]) + offset, None, column)
                     for r in bad]
    empty = con.execute("SELECT rn FROM raw WHERE path IS NULL OR trim(path) = '' ORDER BY rn LIMIT 5").fetchall()
    problems += [Problem("the path is empty", int(r[0]) + offset, None, "path") for r in empty]
    if problems:
        raise InputError(label, problems)


__all__ = ["PATH_COLUMNS", "paths_from_table", "read_paths"]
