"""Reading journeys into :class:`Paths` inside DuckDB: split, trim, merge identical paths, number channels.

Both input routes end here: aggregated path files (ChannelAttribution's format, read by DuckDB's CSV
and Parquet readers) and journeys built from event logs. Only integer codes come back to Python, so
a million paths take a second or two. Counts are read by DuckDB's CSV reader as numbers (measured
the fastest of DuckDB, pyarrow's CSV reader and pandas here, and it splits paths in the same pass);
when a cell is not a plain number the file is read as text and such cells go through the project's
one number parser, so "1 234,5" means the same here as everywhere.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.numbers import parse_number
from optimizer.files.ranges import AMOUNT
from optimizer.files.tables import PARQUET, csv_problem, read_header, sniff_file
from optimizer.journeys.arrow_read import read_clean_csv
from optimizer.journeys.paths import PATH_COLUMNS, Paths, drop_blanks, merge_paths, step_names

_COUNTS = (("total_conversions", "conv"), ("total_conversion_value", "val"), ("total_null", "nul"))


_STRICT = """quote='"', escape='"', strict_mode=true"""  # quotes as Excel writes them; one never closed is an error
MEMORY_LIMIT = "3GB"  # past this DuckDB spills to temporary files, so logs larger than memory still work


def connect():
    """A DuckDB connection that spills to the system's temporary folder past :data:`MEMORY_LIMIT`, with no
    progress bar (DuckDB is imported only by the commands that read journeys)."""
    import duckdb

    spill = Path(tempfile.gettempdir()) / "ltvcac-duckdb"
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})
    con.execute("SET enable_progress_bar = false")
    return con


def read_paths(source: str | Path | pd.DataFrame, sep: str = ">") -> Paths:
    """Read aggregated paths (path, total_conversions[, total_conversion_value, total_null]).

    A clean CSV file is read by the fast route (:mod:`optimizer.journeys.arrow_read`). Otherwise
    counts are first read as numbers by DuckDB's CSV reader; only when some cell is not a plain
    number is the file read again as text, so that every bad, blank or negative count and every
    empty path is reported with its line, all at once.
    """
    if not sep.strip():
        raise UsageError("`sep` must be a visible separator such as '>'")
    if not isinstance(source, pd.DataFrame):
        fast = _read_clean(Path(source), sep)
        if fast is not None:
            return fast
    con = connect()
    label = "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
    if isinstance(source, pd.DataFrame):
        con.register("src", source.rename(columns=lambda c: str(c).strip().lower()).astype(str))
        scan, decimal, typed = "src", ".", None
    else:
        scan, decimal = scan_sql(Path(source))
    present = table_columns(con, scan, label)
    if not isinstance(source, pd.DataFrame):
        typed = typed_scan_sql(Path(source), decimal, present)
    missing = [c for c in ("path", "total_conversions") if c not in present]
    if missing:
        raise InputError(label, [Problem(f"column {c!r} is missing; aggregated paths need path, total_conversions "
                                         "and optionally total_conversion_value, total_null", column=c)
                                 for c in missing])
    typed_ok = bool(typed) and _load_typed(con, typed, present)
    if not typed_ok:
        _load_text(con, scan, present, decimal, label)
    offset = 0 if isinstance(source, pd.DataFrame) else 1
    problems = _check_counts(con, offset, typed_ok)
    quoted_sep = sep.replace("'", "''")
    names, lengths, flat, weights = coded_steps(con, "raw", f"string_split(path, '{quoted_sep}')")
    problems += [Problem("the path is empty", int(r) + 1 + offset, None, "path")
                 for r in np.flatnonzero(lengths == 0)[:5]]
    if not len(lengths):
        problems.append(Problem("the file has a header but no rows; give one row per path"))
    if problems:
        raise InputError(label, problems)
    return merge_paths(names, lengths, flat, *weights, label)


def _load_typed(con, scan: str, present: list[str]) -> bool:
    """Counts read as numbers by the CSV reader (the fast route); False when a cell is not a plain number."""
    import duckdb

    counts = ", ".join(f'"{c}" AS {a}' if c in present else f"0.0 AS {a}" for c, a in _COUNTS)
    try:
        con.execute(f"""CREATE TEMP TABLE raw AS SELECT CAST("path" AS VARCHAR) AS path, {counts} FROM {scan}""")
    except (duckdb.ConversionException, duckdb.InvalidInputException):
        return False
    return True


def _load_text(con, scan: str, present: list[str], decimal: str, label: str) -> None:
    """Every cell as text; counts DuckDB cannot read go through the project's one number parser."""
    con.execute("DROP TABLE IF EXISTS raw")
    cells = ", ".join(f'CAST("{c}" AS VARCHAR) AS {a}_text' if c in present else f"'0' AS {a}_text"
                      for c, a in _COUNTS)
    numbers = ", ".join(f"{_number_sql(a + '_text', decimal)} AS {a}" for _, a in _COUNTS)
    run_sql(con, label, f"""CREATE TEMP TABLE cells AS SELECT CAST("path" AS VARCHAR) AS path, {cells} FROM {scan}""")
    con.execute(f"CREATE TEMP TABLE raw AS SELECT *, {numbers} FROM cells")
    for _, alias in _COUNTS:
        parse_rest(con, "raw", alias, decimal)


def coded_steps(con, table: str, steps: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, list[np.ndarray]]:
    """Channel names, each row's number of touches, the touches as codes (in sorted name order), conv/val/nul.

    The distinct raw steps (with whatever spaces surround them) go into an ENUM type, so DuckDB turns
    every step into a small integer by a cast, keeping the rows in order, with no join and no string
    coming back to Python; the few distinct steps are trimmed here, and blank ones dropped.
    """
    variants = [r[0] for r in con.execute(f"SELECT DISTINCT unnest({steps}) FROM {table}").fetchall()]
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in variants if v is not None)
    con.execute(f"CREATE TYPE step_text AS ENUM ({quoted})")
    raw = _array(con.execute(f"""SELECT enum_code(s) AS code FROM (SELECT unnest(CAST({steps} AS step_text[])) AS s
        FROM {table})""").fetchnumpy()["code"])
    rows = con.execute(f"SELECT coalesce(len({steps}), 0) AS n, conv, val, nul FROM {table}").fetchnumpy()
    return (*named_steps([v for v in variants if v is not None], raw, _array(rows["n"])),
            [_array(rows[k], float) for k in ("conv", "val", "nul")])


def named_steps(variants: list[str], raw: np.ndarray, lengths: np.ndarray
                ) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Channel names (the trimmed raw steps, sorted), each row's number of touches, the touches as codes.

    ``raw`` holds each step as an index into ``variants`` (the distinct raw steps, spaces and all),
    ``lengths`` each row's number of raw steps; blank steps ("a > > b") are dropped.
    """
    names, lookup = step_names(variants)
    flat, lengths = drop_blanks(lookup[raw] if len(lookup) else raw, lengths)
    return names, lengths, flat


def _read_clean(path: Path, sep: str) -> Paths | None:
    """A clean path CSV by the fast route (:mod:`optimizer.journeys.arrow_read`); None to read it here."""
    if not path.is_file() or path.suffix.lower() in PARQUET:
        return None
    delimiter, decimal = sniff_file(path)
    if decimal != ".":
        return None
    found = read_clean_csv(path, read_header(path), delimiter, sep)
    if found is None:
        return None
    names, lengths, flat, weights = found
    if not len(lengths) or not lengths.all():  # an empty path: the DuckDB route reports its line
        return None
    return merge_paths(names, lengths, flat, *weights, str(path))


def _array(column, dtype=np.int64) -> np.ndarray:
    """A fetched column as a plain array (DuckDB gives masked arrays where a column could hold NULL)."""
    return np.ma.getdata(column).astype(dtype, copy=False)


def scan_sql(path: Path) -> tuple[str, str]:
    """The DuckDB table function that reads ``path`` (all cells as text) and the file's decimal mark."""
    if not path.is_file():
        raise InputError(str(path), [Problem("no such file; check the path")])
    quoted = str(path).replace("'", "''")
    if path.suffix.lower() in PARQUET:
        return f"read_parquet('{quoted}')", "."
    sep, decimal = sniff_file(path)
    delim = sep.replace("'", "''")
    return f"read_csv('{quoted}', all_varchar=true, header=true, delim='{delim}', {_STRICT})", decimal


def typed_scan_sql(path: Path, decimal: str, present: list[str]) -> str | None:
    """A scan of a path file that reads the counts as numbers; None where cells must be read as text."""
    quoted = str(path).replace("'", "''")
    if path.suffix.lower() in PARQUET:
        return f"read_parquet('{quoted}')"
    if decimal != ".":
        return None
    sep, _ = sniff_file(path)
    delim = sep.replace("'", "''")
    types = "{" + ", ".join(f"'{c}': 'DOUBLE'" for c, _ in _COUNTS if c in present) + ", 'path': 'VARCHAR'}"
    return f"read_csv('{quoted}', header=true, delim='{delim}', {_STRICT}, types={types}, auto_detect=true)"


def table_columns(con, scan: str, label: str) -> list[str]:
    """The lower-cased column names of ``scan``; an unreadable file is an :class:`InputError`."""
    return list(column_types(con, scan, label))


def column_types(con, scan: str, label: str) -> dict[str, str]:
    """The DuckDB type of each column of ``scan``, by lower-cased name; an unreadable file is an InputError."""
    import duckdb

    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as exc:
        raise InputError(label, [_unreadable(label, f"cannot be read as a table ({str(exc).splitlines()[0]})")]
                         ) from None
    return {r[0].strip().lower(): str(r[1]) for r in described}


def run_sql(con, label: str, sql: str) -> None:
    """Run ``sql`` that reads the input file; DuckDB's reading errors become an :class:`InputError`."""
    import duckdb

    try:
        con.execute(sql)
    except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException) as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(label, [_unreadable(label, f"cannot be read as a table: {first}; check that every row "
                                                    "has as many cells as the header and that quotes are closed")]
                         ) from None


def _unreadable(label: str, fallback: str) -> Problem:
    """Where a file DuckDB could not read breaks, found by a plain CSV reader; ``fallback`` when it cannot tell."""
    return (not label.startswith("<") and csv_problem(label)) or Problem(fallback)


def _number_sql(column: str, decimal: str) -> str:
    text = f"replace(trim({column}), ' ', '')"
    if decimal == ",":
        text = f"replace(replace({text}, '.', ''), ',', '.')"
    return f"TRY_CAST(nullif({text}, '') AS DOUBLE)"


def parse_rest(con, table: str, alias: str, decimal: str) -> None:
    """Cells of ``{alias}_text`` DuckDB could not read as plain numbers, through the one number parser."""
    rest = con.execute(f"""SELECT rowid, {alias}_text FROM {table} WHERE {alias} IS NULL
        AND trim(coalesce({alias}_text, '')) <> ''""").fetchall()
    fixed = []
    for rn, text in rest:
        try:
            fixed.append((parse_number(text, decimal), rn))
        except ValueError:
            continue
    if fixed:
        con.executemany(f"UPDATE {table} SET {alias} = ? WHERE rowid = ?", fixed)


def _check_counts(con, offset: int, typed: bool) -> list[Problem]:
    """Counts that are blank, not numbers or negative: the first five of each."""
    problems = []
    for column, alias in _COUNTS:
        text = f"CAST({alias} AS VARCHAR)" if typed else f"{alias}_text"
        bad = con.execute(f"SELECT rowid + 1, {text} FROM raw WHERE {AMOUNT.sql(alias)} ORDER BY rowid LIMIT 5"
                          ).fetchall()
        problems += [Problem(f"{r[1]!r} is not a count of 0 or more" if (r[1] or "").strip() else
                             "the count is blank; write 0 if there were none", int(r[0]) + offset, None, column)
                     for r in bad]
    return problems


__all__ = ["PATH_COLUMNS", "read_paths"]
