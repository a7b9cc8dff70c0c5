"""Customer journeys as aggregated paths: "a > b > c" with conversions, value and non-conversions.

Paths are held in compressed form (one flat array of channel ids and offsets) with identical
paths merged and channels numbered in sorted order, so every result is independent of row order.
Counts may be fractional (weighted data) and are never truncated.

Merging and ordering work on integer codes only: each path's codes are packed, as digits in base
(channels + 1), into as few 63-bit words as the longest path needs, so sorting the words sorts the
paths exactly as their channel names would sort (a shorter prefix first), with no strings.

Work over every touch goes block by block (:func:`blocks`: whole paths, about a million touches
each), so no temporary array is as long as all the touches. At ten million touches such arrays
cost more in fresh memory (the kernel zeroes every new page) than in arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import numpy as np

PATH_COLUMNS = ("path", "total_conversions", "total_conversion_value", "total_null")
MASK_CHANNELS = 63  # up to this many channels, a path's set of channels is one 64-bit mask
SUBSET_CHANNELS = 16  # up to this many, per-channel sums go through a table of every set of channels
BLOCK = 1 << 20  # touches per block of work


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

    def first(self) -> np.ndarray:
        """Each path's first channel."""
        return self.flat[self.offsets[:-1]]

    def last(self) -> np.ndarray:
        """Each path's last channel."""
        return self.flat[self.offsets[1:] - 1]

    def touch_sums(self, weights: np.ndarray, middle: bool = False) -> np.ndarray:
        """Per channel, the total over every touch (only touches between the first and the last, with
        ``middle``) of its path's ``weights`` (one per path)."""
        n, lengths = len(self.channels), self.lengths
        out = np.zeros(n)
        for a, b in blocks(self.offsets):
            lo, hi = self.offsets[a], self.offsets[b]
            w = np.repeat(weights[a:b], lengths[a:b])
            if middle:
                w[self.offsets[a:b] - lo] = 0.0
                w[self.offsets[a + 1:b + 1] - lo - 1] = 0.0
            out += np.bincount(self.flat[lo:hi], w, n)
        return out

    def masks(self) -> np.ndarray:
        """Each path's set of channels as a bit mask (up to :data:`MASK_CHANNELS` channels); read-only."""
        return self._masks

    @cached_property
    def _masks(self) -> np.ndarray:
        n = len(self.channels)
        kind = next(k for k in (np.uint8, np.uint16, np.uint32, np.uint64) if n <= np.iinfo(k).bits)
        bits = np.left_shift(kind(1), np.arange(n, dtype=kind))
        out = np.zeros(len(self), dtype=np.uint64)
        for a, b in blocks(self.offsets):
            lo = self.offsets[a]
            out[a:b] = np.bitwise_or.reduceat(bits[self.flat[lo:self.offsets[b]]], self.offsets[a:b] - lo)
        out.flags.writeable = False
        return out

    def channel_sums(self, weights: np.ndarray) -> np.ndarray:
        """Per channel, the total ``weights`` (one per path) of the paths that contain it at least once."""
        n = len(self.channels)
        if n <= SUBSET_CHANNELS:  # total weight per set of channels, then per channel over the sets holding it
            sets = np.bincount(self.masks().astype(np.int64), weights, 1 << n)
            every = np.arange(1 << n)
            return np.array([sets[(every >> c) & 1 == 1].sum() for c in range(n)])
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


def blocks(offsets: np.ndarray) -> Iterator[tuple[int, int]]:
    """Ranges ``[a, b)`` of whole paths (by ``offsets``) of about :data:`BLOCK` touches each, in order."""
    n, size = len(offsets) - 1, BLOCK
    cuts = np.searchsorted(offsets, np.arange(size, int(offsets[-1]), size), side="right") - 1
    edges = np.unique(np.concatenate([[0], cuts, [n]]))
    yield from ((int(a), int(b)) for a, b in pairwise(edges) if b > a)


def touch_blocks(offsets: np.ndarray, flat: np.ndarray, place: bool = True
                 ) -> Iterator[tuple[int, int, np.ndarray, np.ndarray | None]]:
    """Per block of whole paths ``[a, b)``: a, b, their touches and each touch's place in its path (with
    ``place``; else None)."""
    lengths = np.diff(offsets)
    for a, b in blocks(offsets):
        lo, hi = offsets[a], offsets[b]
        where = None
        if place:
            where = np.arange(hi - lo, dtype=np.int64)
            where -= np.repeat(offsets[a:b] - lo, lengths[a:b])
        yield a, b, flat[lo:hi], where


def merge_paths(channels: tuple[str, ...], lengths: np.ndarray, flat: np.ndarray, conversions: np.ndarray,
                value: np.ndarray, nulls: np.ndarray, source: str = "<paths>") -> Paths:
    """Merge identical paths (summing their weights) and sort them by their channels; empty paths are dropped.

    ``flat`` holds channel ids numbered in the sorted order of ``channels``, path after path.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    flat = np.asarray(flat).astype(np.int32, copy=False)
    keep = lengths > 0
    weights = [np.asarray(a, dtype=float)[keep] for a in (conversions, value, nulls)]
    lengths = lengths[keep]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    words = _sort_words(offsets, flat, len(channels))
    order, first = _stable_order(words)
    if first.all() and (order == np.arange(len(order))).all():  # distinct and sorted already: nothing to move
        return Paths(tuple(channels), offsets, flat, *weights, source)
    reps = order[first]
    if first.all():
        sums = [a[order] for a in weights]
    else:  # identical paths: their weights add up in the order of their rows
        group = np.cumsum(first) - 1
        sums = [np.bincount(group, a[order], len(reps)) for a in weights]
    new_lengths = lengths[reps]
    new_offsets = np.concatenate([[0], np.cumsum(new_lengths)])
    shift = offsets[:-1][reps] - new_offsets[:-1]  # where each kept path's touches move from
    new_flat = np.empty(int(new_offsets[-1]), dtype=np.int32)
    for a, b in blocks(new_offsets):
        lo, hi = new_offsets[a], new_offsets[b]
        new_flat[lo:hi] = flat[np.repeat(shift[a:b], new_lengths[a:b]) + np.arange(lo, hi)]
    return Paths(tuple(channels), new_offsets, new_flat, *sums, source)


def _stable_order(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``words`` in sorted order, equal rows in their original order, and where each run starts.

    One word per row: a quicksort (twice as fast as a stable sort here), then only the runs of equal
    words are put back in row order.
    """
    if words.shape[1] > 1:
        order = np.lexsort(words.T[::-1])
    else:
        order = np.argsort(words[:, 0])
    sorted_words = words[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (sorted_words[1:] != sorted_words[:-1]).any(axis=1)
    if words.shape[1] == 1 and not first.all():
        tied = np.flatnonzero(~first)
        tied = np.union1d(tied, tied - 1)  # every row of a run of equal words
        run = np.cumsum(first)[tied]
        order[tied] = order[tied][np.lexsort((order[tied], run))]
    return order, first


def _sort_words(offsets: np.ndarray, flat: np.ndarray, channels: int) -> np.ndarray:
    """Each path's codes as digits 1..channels in base channels + 1, packed into 63-bit words (0 pads).

    Paths must not be empty. A path of k codes c_1..c_k in one word is sum (c_i + 1) base^(per_word - i),
    computed as sum c_i base^(per_word - i) plus a term that depends only on k.
    """
    base = max(channels, 1) + 1  # no channels at all (every path empty): still a base that packs
    per_word = 1
    while base ** (per_word + 1) < 2**63:
        per_word += 1
    lengths = np.diff(offsets)
    width = max(1, -(-int(lengths.max(initial=1)) // per_word))
    words = np.zeros((len(lengths), width), dtype=np.int64)
    powers = np.array([base ** (per_word - 1 - k) for k in range(per_word)], dtype=np.int64)
    ones = np.concatenate([[0], np.cumsum(powers)])  # sum of base^(per_word - i) for i = 1..k
    for a, b, touches, place in touch_blocks(offsets, flat):
        starts = offsets[a:b] - offsets[a]
        if width == 1:
            digits = powers[place]
            digits *= touches
            words[a:b, 0] = np.add.reduceat(digits, starts) + ones[lengths[a:b]]
            continue
        digits = powers[place % per_word] * (touches.astype(np.int64) + 1)
        segment = np.repeat(np.arange(b - a, dtype=np.int64) * width, lengths[a:b]) + place // per_word
        cuts = np.flatnonzero(np.concatenate([[True], segment[1:] != segment[:-1]]))
        words[a:b].reshape(-1)[segment[cuts]] = np.add.reduceat(digits, cuts)
    return words


def step_names(variants: list[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Channel names (the raw steps trimmed, blanks left out, sorted) and each raw step's code (-1: blank)."""
    names = tuple(sorted({v.strip() for v in variants} - {""}))
    index = {n: i for i, n in enumerate(names)}
    return names, np.array([index.get(v.strip(), -1) for v in variants], dtype=np.int32)


def drop_blanks(flat: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Touches coded -1 (blank steps, as in "a > > b") left out, and each row's touches counted again."""
    if not len(flat) or flat.min() >= 0:
        return flat, lengths
    kept = flat >= 0
    return flat[kept], np.bincount(np.repeat(np.arange(len(lengths)), lengths)[kept], minlength=len(lengths))


def build_paths(steps: list[list[str]], conversions, value, nulls, source: str = "<paths>") -> Paths:
    """Paths from lists of channel names (tests and small inputs): number channels in sorted order, merge."""
    channels = tuple(sorted({c for s in steps for c in s}))
    index = {c: i for i, c in enumerate(channels)}
    flat = np.fromiter((index[c] for s in steps for c in s), dtype=np.int64)
    return merge_paths(channels, np.array([len(s) for s in steps]), flat, np.asarray(conversions, float),
                       np.asarray(value, float), np.asarray(nulls, float), source)
