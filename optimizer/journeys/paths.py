"""Customer journeys as aggregated paths: "a > b > c" with conversions, value and non-conversions.

Paths are held in compressed form (one flat array of channel ids and offsets) with identical
paths merged and channels numbered in sorted order, so every result is independent of row order.
Counts may be fractional (weighted data) and are never truncated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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

    def distinct_touches(self) -> tuple[np.ndarray, np.ndarray]:
        """Each (path, channel) pair once, however often the channel appears in the path."""
        n = max(len(self.channels), 1)
        key = np.unique(self.path_of_position().astype(np.int64) * n + self.flat)
        return key // n, (key % n).astype(np.int64)

    def text(self, i: int, sep: str = " > ") -> str:
        return sep.join(self.channels[c] for c in self.flat[self.offsets[i]:self.offsets[i + 1]])


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
