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
from optimizer.transactions import parse_amounts

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
    """Read aggregated paths (ChannelAttribution's format) from CSV, Parquet or a DataFrame."""
    from optimizer.tables import read_text_table, text_table_from_frame

    table = text_table_from_frame(source.astype(str)) if isinstance(source, pd.DataFrame) else read_text_table(source)
    f = table.frame
    missing = [c for c in ("path", "total_conversions") if c not in f.columns]
    if missing:
        raise InputError(table.source, [Problem(f"column {c!r} is missing; aggregated paths need path, "
                                                "total_conversions and optionally total_conversion_value, total_null",
                                                column=c) for c in missing])
    numbers, problems = {}, []
    for column in PATH_COLUMNS[1:]:
        cells = f[column] if column in f.columns else pd.Series("0", index=f.index)
        values = parse_amounts(cells.replace("", "0"), table.decimal)
        bad = np.flatnonzero(values.isna().to_numpy() | (values < 0).to_numpy())
        problems += [Problem(f"{cells.iloc[k]!r} is not a count of 0 or more", table.line(int(k)), None, column)
                     for k in bad[:5]]
        numbers[column] = values.fillna(0.0).to_numpy(float)
    empty = np.flatnonzero(f["path"].str.strip().eq("").to_numpy())
    problems += [Problem("the path is empty", table.line(int(k)), None, "path") for k in empty[:5]]
    if problems:
        raise InputError(table.source, problems)
    steps = [[s.strip() for s in p.split(sep) if s.strip()] for p in f["path"]]
    return build_paths(steps, numbers["total_conversions"], numbers["total_conversion_value"],
                       numbers["total_null"], table.source)


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
