"""Where each channel's curve is cut into segments, and how the cuts are refined between solves.

Concave curves (LPs): a :class:`Grid` starts with even breakpoints and today's spend, then adds the
plan's spend and the Lagrangian maximizer and halves the segments beside the plan, until the bounds
meet. Mixed-integer models start from even breakpoints (and geometric ones at the start of a concave
curve, whose slope may be infinite at 0) and halve every segment whose chord lies too far below the
curve: the largest such gap is what the certificate adds to the MILP's bound.
"""

from __future__ import annotations

import numpy as np

from optimizer.model.curves import Curves

SAMPLES = 48  # points per segment where the curve's rise above its chord is measured


class Grid:
    """Breakpoints of each channel's curve between its limits; refined between solves (mutable).

    Held flat, for every channel at once: ``flat`` sorted by channel then spend, ``counts`` points per
    channel, so that refining 100 000 cells is a few array operations.
    """

    def __init__(self, lo: np.ndarray, hi: np.ndarray, spend: np.ndarray, points: int = 8):
        self.lo, self.hi = np.asarray(lo, float), np.asarray(hi, float)
        self._start, self._points = np.asarray(spend, float), points
        self._pending: list[np.ndarray] = []  # points added before any LP needed the grid (one per channel)
        self._flat: np.ndarray | None = None
        self._counts = np.zeros(len(self.lo), np.int64)
        self.seeded = False  # whether points around a first plan were added (refined LPs do it once)

    @property
    def flat(self) -> np.ndarray:
        """Every channel's breakpoints, channel by channel, each channel's in increasing order."""
        self._build()
        return self._flat

    @property
    def counts(self) -> np.ndarray:
        """How many breakpoints each channel has."""
        self._build()
        return self._counts

    def _build(self) -> None:
        """Even breakpoints, today's spend and any points added so far: made when first needed, since
        the exact methods (closed form, nested multipliers) need no LP and 100 000 cells cost time."""
        if self._flat is not None:
            return
        n, points = len(self.lo), self._points
        t = np.linspace(0.0, 1.0, points + 1)
        base = self.lo[:, None] + (self.hi - self.lo)[:, None] * t[None, :]
        owner = np.repeat(np.arange(n), points + 1)
        self._flat = np.zeros(0)
        self._set(np.concatenate([owner, np.arange(n)]), np.concatenate([base.ravel(), self._start]))
        pending, self._pending = self._pending, []
        for values in pending:
            self.add_all(values)

    @property
    def points(self) -> list[np.ndarray]:
        """Each channel's breakpoints."""
        return np.split(self.flat, np.cumsum(self.counts)[:-1]) if len(self.counts) else []

    def add(self, i: int, values) -> None:
        values = np.asarray(values, float).ravel()
        self._merge(np.full(len(values), i), values)

    def seed(self, rows: list[np.ndarray], points: int = 4) -> None:
        """Breakpoints around a first plan (``rows``: one array per point, a value per channel), and, when no
        LP has used the grid yet, fewer even ones: where the optimum lies is then known."""
        if self._flat is None:
            self._points = min(self._points, points)
        for values in rows:
            self.add_all(values)
        self.seeded = True

    def add_all(self, values: np.ndarray) -> None:
        """One breakpoint more per channel (NaN: none)."""
        if self._flat is None:
            self._pending.append(np.asarray(values, float).copy())
            return
        self._merge(np.arange(len(values)), np.asarray(values, float))

    def refine(self, x: np.ndarray, extra: np.ndarray, where: np.ndarray | None = None) -> None:
        """Add ``extra`` and ``x``, and halve the segments on either side of ``x`` (for channels ``where``)."""
        free = self.hi > self.lo
        if where is not None:
            free &= where
        idx = np.flatnonzero(free)
        xi = np.clip(x[idx], self.lo[idx], self.hi[idx])
        owner = np.repeat(np.arange(len(self.counts)), self.counts)
        key = owner + 0.5 * self._unit(owner, self.flat)  # sorted: channel, then spend
        kx = idx + 0.5 * self._unit(idx, xi)
        ends = np.cumsum(self.counts)[idx]
        below = np.searchsorted(key, kx, side="left") - 1  # the last point below x
        above = np.searchsorted(key, kx, side="right")  # the first point above x
        last = max(len(self.flat) - 1, 0)
        left = np.where(below >= ends - self.counts[idx], self.flat[np.clip(below, 0, last)], np.nan)
        right = np.where(above < ends, self.flat[np.clip(above, 0, last)], np.nan)
        values = np.concatenate([extra[idx], xi, (left + xi) / 2, (right + xi) / 2])
        self._merge(np.tile(idx, 4), values)

    def size(self) -> int:
        return int(self.counts.sum() - (self.counts > 0).sum())

    def _unit(self, owner: np.ndarray, values: np.ndarray) -> np.ndarray:
        width = np.maximum(self.hi[owner] - self.lo[owner], 1e-300)
        return np.clip((values - self.lo[owner]) / width, 0.0, 1.0)

    def _merge(self, owner: np.ndarray, values: np.ndarray) -> None:
        keep = np.isfinite(values)
        current = np.repeat(np.arange(len(self.counts)), self.counts)
        self._set(np.concatenate([current, owner[keep]]), np.concatenate([self.flat, values[keep]]))

    def _set(self, owner: np.ndarray, values: np.ndarray) -> None:
        """Sorted, clipped, without near-repeats, each channel's last point at its ceiling."""
        values = np.clip(values, self.lo[owner], self.hi[owner])
        order = np.lexsort((values, owner))
        owner, values = owner[order], values[order]
        first = np.ones(len(owner), bool)
        first[1:] = owner[1:] != owner[:-1]
        tol = 1e-10 * np.maximum(self.hi - self.lo, 1.0)[owner]
        keep = first | (np.diff(values, prepend=-np.inf) > tol)
        owner, values = owner[keep], values[keep]
        last = np.ones(len(owner), bool)
        last[:-1] = owner[1:] != owner[:-1]
        values[last] = self.hi[owner[last]]
        self._flat = values
        self._counts = np.bincount(owner, minlength=len(self.lo)).astype(np.int64)


def initial_points(base: float, hi: float, concave: bool, count: int = 16, turn: float = 0.0) -> np.ndarray:
    """Even breakpoints, plus geometric ones near the start of a concave curve (a power curve's slope
    is infinite at 0). An S-curve's flat start needs few (each step there costs a binary): one halfway to
    its inflection ``turn`` and the inflection itself; past it, where the optimum lies if the curve is
    used at all, points grow geometrically (by a factor of 2 ** 0.25) so that chords fit the bend."""
    if hi <= base:
        return np.array([base])
    even = np.linspace(base, hi, count + 1)
    if concave:
        return np.unique(np.concatenate([even, base + (hi - base) * np.logspace(-8, -1, 8)]))
    if not base < turn < hi:
        return even
    bend = turn * 2.0 ** (np.arange(0, 4 * np.log2(hi / turn)) / 4)
    return np.unique(np.clip(np.concatenate([even[even > turn], [base, 0.5 * (base + turn)], bend, [hi]]), base, hi))


def upper_envelope(curves: Curves, i: int, pts: np.ndarray, turn: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A piecewise-linear curve that lies above channel ``i``'s true curve everywhere on [pts[0], pts[-1]]:
    chords where the curve is convex (below its inflection ``turn``), and past it the least of the
    tangents at the points (a concave curve lies below each of its tangents). Returns its points and values.

    It touches the curve at every point past ``turn``, so a plan at such a point is valued exactly.
    """
    if pts[0] < turn < pts[-1]:  # a chord across the inflection could dip below the curve
        pts = np.unique(np.append(pts, turn))
    convex, concave = pts[pts < turn], pts[pts >= turn]
    if len(concave) == 0:
        return pts, curves.customers_along(i, pts)
    value = curves.customers_along(i, concave)
    slope = curves.subset(np.full(len(concave), i)).marginal(concave)
    keep = np.isfinite(slope)  # a power curve's tangent at 0 is vertical: the next one bounds its start
    b, c, d = concave[keep], value[keep], slope[keep]
    if len(b) == 0:
        return pts, curves.customers_along(i, pts)
    with np.errstate(divide="ignore", invalid="ignore"):  # where two tangents cross
        cross = (c[1:] - c[:-1] + d[:-1] * b[:-1] - d[1:] * b[1:]) / (d[:-1] - d[1:])
    cross = np.where(np.isfinite(cross), np.clip(cross, b[:-1], b[1:]), b[:-1])
    start = concave[0]
    at_start = float(np.min(c + d * (start - b)))  # the lowest tangent at the start
    points = np.concatenate([convex, [start], cross, [concave[-1]]])
    values = np.concatenate([curves.customers_along(i, convex), [at_start], c[:-1] + d[:-1] * (cross - b[:-1]),
                             [c[-1] + d[-1] * (concave[-1] - b[-1])]])
    return points, values


def refine_points(curves: Curves, i: int, pts: np.ndarray, x: float, allowed: float) -> np.ndarray:
    """Halve every segment whose chord error is above ``allowed``, and those next to the plan's spend."""
    if len(pts) < 2:
        return pts
    errors = segment_errors(curves, i, pts)
    worst = np.flatnonzero(errors > allowed)
    new = list((pts[worst] + pts[worst + 1]) / 2)
    k = int(np.clip(np.searchsorted(pts, x), 1, len(pts) - 1))
    new += [(pts[k - 1] + x) / 2, (pts[k] + x) / 2, x]
    return np.unique(np.clip(np.concatenate([pts, new]), pts[0], pts[-1]))


def segment_errors(curves: Curves, i: int, pts: np.ndarray) -> np.ndarray:
    """For each segment of channel ``i``, the largest rise of the true curve above its chord."""
    t = np.linspace(0, 1, SAMPLES)
    xs = pts[:-1, None] + (pts[1:] - pts[:-1])[:, None] * t[None, :]
    c = curves.customers_along(i, xs.ravel()).reshape(xs.shape)
    chord = c[:, :1] + (c[:, -1:] - c[:, :1]) * t[None, :]
    return np.maximum(c - chord, 0.0).max(axis=1)


def chord_errors(curves: Curves, points: list[np.ndarray]) -> np.ndarray:
    """Per channel, the largest rise of the true curve above the piecewise model."""
    return np.array([segment_errors(curves, i, p).max() if len(p) > 1 else 0.0 for i, p in enumerate(points)])
