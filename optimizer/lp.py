"""The piecewise-linear LP over concave response curves, named in the user's words.

A channel's spend runs from its lower limit through a chain of steps, one per segment between
breakpoints; each step buys customers at that segment's slope. Concave curves have falling
slopes, so an optimal LP fills the steps in order and the LP is exact at the breakpoints and
below the true curve between them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pulp

from optimizer.curves import Curves

_NORDIC = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "đ": "d", "ł": "l"})


@dataclass(frozen=True)
class Row:
    """A linear rule over all channels: sum(p * customers + q * spend) <sense> rhs."""

    name: str
    p: np.ndarray
    q: np.ndarray
    sense: str  # "<=", ">=" or "="
    rhs: float

    def activity(self, customers: np.ndarray, spend: np.ndarray) -> float:
        return float(self.p @ customers + self.q @ spend)


@dataclass(frozen=True)
class Objective:
    """maximize sum(alpha * customers - beta * spend) + constant."""

    alpha: np.ndarray
    beta: np.ndarray
    constant: float = 0.0

    def evaluate(self, customers: np.ndarray, spend: np.ndarray) -> float:
        return float(self.alpha @ customers - self.beta @ spend + self.constant)


class Grid:
    """Breakpoints of each channel's curve; refined between solves (internal, mutable)."""

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


def lp_names(channels: tuple[str, ...]) -> tuple[str, ...]:
    """Unique, LP-file-safe identifiers that still read as the channel names."""
    out, seen = [], set()
    for name in channels:
        ascii_name = unicodedata.normalize("NFKD", name.translate(_NORDIC)).encode("ascii", "ignore").decode()
        base = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9]", "_", ascii_name)).strip("_") or "channel"
        candidate, k = base, 2
        while candidate.lower() in seen:
            candidate, k = f"{base}_{k}", k + 1
        seen.add(candidate.lower())
        out.append(candidate)
    return tuple(out)


def build(
    title: str,
    names: tuple[str, ...],
    curves: Curves,
    grid: Grid,
    objective: Objective,
    rows: list[Row],
) -> tuple[pulp.LpProblem, list[pulp.LpVariable]]:
    """The LP for the current grid; returns the problem and each channel's spend variable."""
    prob = pulp.LpProblem(title, pulp.LpMaximize)
    lo = grid.lo
    c_lo = curves.customers(lo)
    obj_terms: list[tuple[pulp.LpVariable, float]] = []
    row_terms: list[list[tuple[pulp.LpVariable, float]]] = [[] for _ in rows]
    spend_vars: list[pulp.LpVariable] = []
    links = []
    for i, name in enumerate(names):
        pts = grid.points[i]
        x = prob.add_variable(f"spend_{name}", float(lo[i]), float(grid.hi[i]))
        spend_vars.append(x)
        c = curves.customers_along(i, pts)
        slopes = np.diff(c) / np.diff(pts)
        steps = [prob.add_variable(f"{name}_step{j + 1}", 0.0, float(w)) for j, w in enumerate(np.diff(pts))]
        if steps:
            links.append((name, x, steps, float(lo[i])))
        a, b = float(objective.alpha[i]), float(objective.beta[i])
        if b:
            obj_terms.append((x, -b))
        if a:
            obj_terms.extend((s, a * float(k)) for s, k in zip(steps, slopes, strict=True))
        for r, row in enumerate(rows):
            p, q = float(row.p[i]), float(row.q[i])
            if q:
                row_terms[r].append((x, q))
            if p:
                row_terms[r].extend((s, p * float(k)) for s, k in zip(steps, slopes, strict=True))
    constant = float(objective.alpha @ c_lo + objective.constant)  # customers at the lower limits
    prob.setObjective(pulp.LpAffineExpression(obj_terms, constant=constant, name="objective"))
    for name, x, steps, start in links:
        expr = pulp.LpAffineExpression([(x, 1.0), *((s, -1.0) for s in steps)])
        prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"curve_{name}", start))
    senses = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "=": pulp.LpConstraintEQ}
    for row, terms in zip(rows, row_terms, strict=True):
        rhs = row.rhs - float(row.p @ c_lo)
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), senses[row.sense], row.name, rhs))
    return prob, spend_vars
