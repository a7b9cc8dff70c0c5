"""Customer journeys as aggregated paths: "a > b > c" with conversions, value and non-conversions.

Paths are held in compressed form (one flat array of channel ids and offsets) with identical
paths merged and channels numbered in sorted order, so every result is independent of row order.
Counts may be fractional (weighted data) and are never truncated.

Merging and ordering work on integer codes only: each path's codes are packed, as digits in base
(channels + 1), into as few 63-bit words as the longest path needs, so sorting the words sorts the
paths exactly as their channel names would sort (a shorter prefix first), with no strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

PATH_COLUMNS = ("path", "total_conversions", "total_conversion_value", "total_null")
MASK_CHANNELS = 63  # up to this many channels, a path's set of channels is one 64-bit mask


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
        return np.repeat(np.arange(len(self), dtype=np.int64), self.lengths)

    def place(self) -> np.ndarray:
        """For every position in ``flat``, its place in its path (0 for the first touch); read-only."""
        return self._place

    @cached_property
    def _place(self) -> np.ndarray:  # several models and the statistics use it: computed once
        place = np.arange(len(self.flat), dtype=np.int64)
        place -= np.repeat(self.offsets[:-1], self.lengths)
        place.flags.writeable = False
        return place

    def masks(self) -> np.ndarray:
        """Each path's set of channels as a bit mask (up to :data:`MASK_CHANNELS` channels)."""
        bits = np.left_shift(np.uint64(1), self.flat.astype(np.uint64))
        out = np.zeros(len(self), dtype=np.uint64)
        filled = self.lengths > 0
        out[filled] = np.bitwise_or.reduceat(bits, self.offsets[:-1][filled])
        return out

    def channel_sums(self, weights: np.ndarray) -> np.ndarray:
        """Per channel, the total ``weights`` (one per path) of the paths that contain it at least once."""
        n = len(self.channels)
        if n <= MASK_CHANNELS:
            masks = self.masks()
            return np.array([weights[(masks >> np.uint64(c)) & np.uint64(1) == 1].sum() for c in range(n)])
        path, channel = self.distinct_touches()
        return np.bincount(channel, weights[path], n)

    def distinct_touches(self) -> tuple[np.ndarray, np.ndarray]:
        """Each (path, channel) pair once, however often the channel appears in the path."""
        n = max(len(self.channels), 1)
        key = np.unique(self.path_of_position() * n + self.flat)
        return key // n, (key % n).astype(np.int64)

    def text(self, i: int, sep: str = " > ") -> str:
        return sep.join(self.channels[c] for c in self.flat[self.offsets[i]:self.offsets[i + 1]])


def merge_paths(channels: tuple[str, ...], lengths: np.ndarray, flat: np.ndarray, conversions: np.ndarray,
                value: np.ndarray, nulls: np.ndarray, source: str = "<paths>") -> Paths:
    """Merge identical paths (summing their weights) and sort them by their channels; empty paths are dropped.

    ``flat`` holds channel ids numbered in the sorted order of ``channels``, path after path.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    keep = lengths > 0
    weights = [np.asarray(a, dtype=float)[keep] for a in (conversions, value, nulls)]
    lengths = lengths[keep]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    words = _sort_words(offsets, flat, len(channels))
    order = np.lexsort(words.T[::-1]) if words.shape[1] > 1 else np.argsort(words[:, 0], kind="stable")
    words = words[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (words[1:] != words[:-1]).any(axis=1)
    if first.all() and (order == np.arange(len(order))).all():  # distinct and sorted already: nothing to move
        return Paths(tuple(channels), offsets, np.asarray(flat, dtype=np.int32), *weights, source)
    group = np.cumsum(first) - 1
    reps = order[first]
    sums = [np.bincount(group, a[order], len(reps)) for a in weights]
    new_lengths = lengths[reps]
    new_offsets = np.concatenate([[0], np.cumsum(new_lengths)])
    picks = np.repeat(offsets[:-1][reps] - new_offsets[:-1], new_lengths)
    picks += np.arange(len(picks))
    return Paths(tuple(channels), new_offsets, np.asarray(flat)[picks].astype(np.int32), *sums, source)


def _sort_words(offsets: np.ndarray, flat: np.ndarray, channels: int) -> np.ndarray:
    """Each path's codes as digits 1..channels in base channels + 1, packed into 63-bit words (0 pads).

    Paths must not be empty. A path of k codes c_1..c_k in one word is sum (c_i + 1) base^(per_word - i),
    computed as sum c_i base^(per_word - i) plus a term that depends only on k.
    """
    base = channels + 1
    per_word = 1
    while base ** (per_word + 1) < 2**63:
        per_word += 1
    lengths = np.diff(offsets)
    width = max(1, -(-int(lengths.max(initial=1)) // per_word))
    if not len(flat):
        return np.zeros((len(lengths), width), dtype=np.int64)
    powers = np.array([base ** (per_word - 1 - k) for k in range(per_word)], dtype=np.int64)
    place = np.arange(len(flat), dtype=np.int64)
    place -= np.repeat(offsets[:-1], lengths)
    if width == 1:
        ones = np.concatenate([[0], np.cumsum(powers)])  # sum of base^(per_word - i) for i = 1..k
        digits = powers[place]
        digits *= flat
        return (np.add.reduceat(digits, offsets[:-1]) + ones[lengths]).reshape(-1, 1)
    digits = powers[place % per_word] * (np.asarray(flat, dtype=np.int64) + 1)
    segment = np.repeat(np.arange(len(lengths), dtype=np.int64) * width, lengths) + place // per_word
    starts = np.flatnonzero(np.concatenate([[True], segment[1:] != segment[:-1]]))
    words = np.zeros(len(lengths) * width, dtype=np.int64)
    words[segment[starts]] = np.add.reduceat(digits, starts)
    return words.reshape(len(lengths), width)


def build_paths(steps: list[list[str]], conversions, value, nulls, source: str = "<paths>") -> Paths:
    """Paths from lists of channel names (tests and small inputs): number channels in sorted order, merge."""
    channels = tuple(sorted({c for s in steps for c in s}))
    index = {c: i for i, c in enumerate(channels)}
    flat = np.fromiter((index[c] for s in steps for c in s), dtype=np.int64)
    return merge_paths(channels, np.array([len(s) for s in steps]), flat, np.asarray(conversions, float),
                       np.asarray(value, float), np.asarray(nulls, float), source)
