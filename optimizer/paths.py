"""Customer journeys as aggregated paths: "a > b > c" with conversions, value and non-conversions.

Paths are held in compressed form (one flat array of channel ids and offsets) with identical
paths merged and channels numbered in sorted order, so every result is independent of row order.
Counts may be fractional (weighted data) and are never truncated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem

PATH_COLUMNS = ("path", "total_conversions", "total_conversion_value", "total_null")


@dataclass(frozen=True)
class Paths:
    """Distinct paths: channel ids in ``flat[offsets[i]:offsets[i+1]]`` and their weights."""

    channels: tuple[str, ...]
    offsets: np.ndarray
    flat: np.ndarray
    conversions: np.ndarray
    value: np.ndarray
    nulls: np.ndarray
    source: str = "<paths>"

    def __len__(self) -> int:
        return len(self.conversions)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def path_of_position(self) -> np.ndarray:
        """For every position in ``flat``, the index of its path."""
        return np.repeat(np.arange(len(self)), self.lengths)

    def text(self, i: int, sep: str = " > ") -> str:
        return sep.join(self.channels[c] for c in self.flat[self.offsets[i]:self.offsets[i + 1]])


def read_paths(source: str | Path | pd.DataFrame, sep: str = ">") -> Paths:
    """Read aggregated paths (ChannelAttribution's format) from CSV, Parquet or a DataFrame.

    Parsing, merging and numbering happen in DuckDB; bad counts are reported with their lines.
    """
    import duckdb

    from optimizer.pathsql import paths_from_table
    from optimizer.tables import sniff_file

    con = duckdb.connect()
    label = "<DataFrame>" if isinstance(source, pd.DataFrame) else str(source)
    if isinstance(source, pd.DataFrame):
        con.register("src", source.rename(columns=lambda c: str(c).strip().lower()).astype(str))
        scan, decimal = "src", "."
    else:
        scan, decimal = _scan(Path(source), sniff_file)
    present = [r[0].strip().lower() for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
    missing = [c for c in ("path", "total_conversions") if c not in present]
    if missing:
        raise InputError(label, [Problem(f"column {c!r} is missing; aggregated paths need path, total_conversions "
                                         "and optionally total_conversion_value, total_null", column=c)
                                 for c in missing])
    number = {c: _number_sql(c, decimal) if c in present else "0.0" for c in PATH_COLUMNS[1:]}
    quoted_sep = sep.replace("'", "''")
    text = {c: f'CAST("{c}" AS VARCHAR)' if c in present else "NULL" for c in PATH_COLUMNS[1:]}
    con.execute(f"""CREATE TEMP TABLE raw AS SELECT row_number() OVER () AS rn, CAST("path" AS VARCHAR) AS path,
        {number['total_conversions']} AS conv, {number['total_conversion_value']} AS val,
        {number['total_null']} AS nul, {text['total_conversions']} AS conv_text,
        {text['total_conversion_value']} AS val_text, {text['total_null']} AS nul_text FROM {scan}""")
    _check_counts(con, label, present)
    con.execute(f"""CREATE TEMP TABLE steps AS SELECT list_filter(list_transform(string_split(path, '{quoted_sep}'),
        lambda x: trim(x)), lambda x: x <> '') AS steps, coalesce(conv, 0) AS conv, coalesce(val, 0) AS val,
        coalesce(nul, 0) AS nul FROM raw""")
    return paths_from_table(con, "steps", label)


def _scan(path: Path, sniff_file) -> tuple[str, str]:
    if not path.is_file():
        raise InputError(str(path), [Problem("no such file; check the path")])
    quoted = str(path).replace("'", "''")
    if path.suffix.lower() in (".parquet", ".pq"):
        return f"read_parquet('{quoted}')", "."
    sep, decimal = sniff_file(path)
    delim = sep.replace("'", "''")
    return f"read_csv('{quoted}', all_varchar=true, header=true, delim='{delim}')", decimal


def _number_sql(column: str, decimal: str) -> str:
    text = f'replace(CAST("{column}" AS VARCHAR), \' \', \'\')'
    if decimal == ",":
        text = f"replace(replace({text}, '.', ''), ',', '.')"
    return f"TRY_CAST(nullif({text}, '') AS DOUBLE)"


def _check_counts(con, label: str, present: list[str]) -> None:
    """Counts that are not numbers or are negative, and empty paths: the first five of each."""
    problems = []
    for column, alias in (("total_conversions", "conv"), ("total_conversion_value", "val"), ("total_null", "nul")):
        if column in present:
            bad = con.execute(f"""SELECT rn, {alias}_text FROM raw WHERE {alias} < 0 OR ({alias} IS NULL
                AND trim(coalesce({alias}_text, '')) <> '') ORDER BY rn LIMIT 5""").fetchall()
            problems += [Problem(f"{r[1]!r} is not a count of 0 or more", int(r[0]) + 1, None, column) for r in bad]
    empty = con.execute("SELECT rn FROM raw WHERE path IS NULL OR trim(path) = '' ORDER BY rn LIMIT 5").fetchall()
    problems += [Problem("the path is empty", int(r[0]) + 1, None, "path") for r in empty]
    if problems:
        raise InputError(label, problems)


def build_paths(steps: list[list[str]], conversions, value, nulls, source: str = "<paths>") -> Paths:
    """Merge identical paths and number channels in sorted order."""
    frame = pd.DataFrame({"key": ["\x1f".join(s) for s in steps], "conversions": conversions,
                          "value": value, "nulls": nulls})
    merged = frame.groupby("key", sort=True).sum()
    keys = [k.split("\x1f") for k in merged.index]
    channels = tuple(sorted({c for k in keys for c in k}))
    index = {c: i for i, c in enumerate(channels)}
    lengths = np.array([len(k) for k in keys], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    flat = np.fromiter((index[c] for k in keys for c in k), dtype=np.int32, count=int(offsets[-1]))
    return Paths(channels, offsets, flat, merged["conversions"].to_numpy(float), merged["value"].to_numpy(float),
                 merged["nulls"].to_numpy(float), source)
