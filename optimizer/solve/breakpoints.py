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
    """Breakpoints of each channel's curve between its limits; refined between solves (mutable)."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, spend: np.ndarray, points: int = 8):
        self.lo, self.hi = lo, hi
        self.points = []
        for i in range(len(lo)):
            base = np.linspace(lo[i], hi[i], points + 1) if hi[i] > lo[i] else np.array([lo[i]])
            self.points.append(self._merge(i, base, [spend[i]]))

    def add(self, i: int, values) -> None:
        self.points[i] = self._merge(i, self.points[i], values)

    def refine(self, x: np.ndarray, extra: np.ndarray) -> None:
        """Add ``extra`` and ``x``, and halve the segments on either side of ``x``."""
        for i in np.flatnonzero(self.hi > self.lo):
            pts, xi = self.points[i], min(max(x[i], self.lo[i]), self.hi[i])
            near = [extra[i], xi]
            k = int(np.searchsorted(pts, xi, side="left"))  # pts[k - 1] < xi
            j = int(np.searchsorted(pts, xi, side="right"))  # xi < pts[j]
            if k > 0:
                near.append((pts[k - 1] + xi) / 2)
            if j < len(pts):
                near.append((pts[j] + xi) / 2)
            self.points[i] = self._merge(i, pts, near)

    def size(self) -> int:
        return sum(len(p) - 1 for p in self.points)

    def _merge(self, i: int, pts: np.ndarray, values) -> np.ndarray:
        lo, hi = self.lo[i], self.hi[i]
        vals = np.clip(np.asarray([v for v in values if np.isfinite(v)], float), lo, hi)
        merged = np.union1d(pts, vals)
        if len(merged) < 2:
            return merged
        keep = np.diff(merged, prepend=-np.inf) > 1e-10 * max(hi - lo, 1.0)
        merged = merged[keep]
        merged[-1] = hi
        return merged


def initial_points(base: float, hi: float, concave: bool, count: int = 16) -> np.ndarray:
    """Even breakpoints, plus geometric ones near the start of a concave curve (a power curve's slope
    is infinite at 0); an S-curve's flat start needs none, and each would cost a binary."""
    if hi <= base:
        return np.array([base])
    even = np.linspace(base, hi, count + 1)
    if not concave:
        return even
    return np.unique(np.concatenate([even, base + (hi - base) * np.logspace(-8, -1, 8)]))


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
