"""Response curves: customers acquired as a function of spend, vectorized over channels.

Every curve passes through a reference point (spend, customers). Linear, power, saturating and Hill
curves with a shape of 1 or less are concave (diminishing or constant returns); a Hill curve with a
shape above 1 is S-shaped: convex up to its inflection, concave after it. The formulas live here
once, for the optimizer and for curve fitting alike.

Parameters per kind (``p1``, ``p2``, ``p3``):

- linear: customers(x) = p1 * x (p1 = 1 / CAC)
- power: customers(x) = p1 * x ** p2 (p2 is the elasticity, in (0, 1])
- saturating: customers(x) = p1 * (1 - exp(-x / p2)) (p1 = max customers, p2 = scale)
- hill: customers(x) = p1 * x**p3 / (x**p3 + p2**p3) (p1 = max customers, p2 = half-saturation
  spend, p3 = shape)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.model.choices import CurveKind

LINEAR, POWER, SATURATING, HILL = (k.code for k in CurveKind)


def customers_of(kind: CurveKind | str, x, p1, p2=1.0, p3=1.0) -> np.ndarray:
    """Customers of curves of one ``kind`` at spend ``x`` (arrays broadcast together)."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if kind == CurveKind.linear:
            return p1 * x
        if kind == CurveKind.power:
            return p1 * np.power(x, p2)
        if kind == CurveKind.saturating:
            return p1 * -np.expm1(-x / p2)
        r = np.power(x / p2, p3)
        return p1 * r / (1 + r)


def marginal_of(kind: CurveKind | str, x, p1, p2=1.0, p3=1.0) -> np.ndarray:
    """Extra customers per extra unit of spend at ``x``, for curves of one ``kind``."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if kind == CurveKind.linear:
            return p1 * np.ones_like(x)
        if kind == CurveKind.power:
            return np.where(p2 == 1.0, p1, p1 * p2 * np.power(x, p2 - 1.0))
        if kind == CurveKind.saturating:
            return p1 / p2 * np.exp(-x / p2)
        r = np.power(x / p2, p3)
        at_zero = np.where(p3 > 1, 0.0, np.where(p3 == 1, p1 / p2, np.inf))
        return np.where(x > 0, p1 * p3 * r / (x * (1 + r) ** 2), at_zero)


def curvature_of(kind: CurveKind | str, x, p1, p2=1.0, p3=1.0) -> np.ndarray:
    """The change of the marginal per extra unit of spend at ``x`` (the second derivative), for one ``kind``."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if kind == CurveKind.linear:
            return np.zeros_like(x * p1)
        if kind == CurveKind.power:
            return p1 * p2 * (p2 - 1.0) * np.power(x, p2 - 2.0)
        if kind == CurveKind.saturating:
            return -p1 / (p2 * p2) * np.exp(-x / p2)
        r = np.power(x / p2, p3)  # Hill: m = p1 p3 r / (x (1 + r)^2), so m' = m (p3 - 1 - 2 p3 r / (1 + r)) / x
        return marginal_of(kind, x, p1, p2, p3) * (p3 - 1.0 - 2.0 * p3 * r / (1.0 + r)) / x


@dataclass(frozen=True)
class Curves:
    """Response curves of several channels, one entry per channel (see the module for the formulas)."""

    kind: np.ndarray  # codes of CurveKind, in its order
    p1: np.ndarray
    p2: np.ndarray
    p3: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.p3 is None:
            object.__setattr__(self, "p3", np.ones(len(self.kind)))

    def __len__(self) -> int:
        return len(self.kind)

    @property
    def concave(self) -> np.ndarray:
        """Channels whose curve has falling (or constant) returns everywhere."""
        return (self.kind != HILL) | (self.p3 <= 1.0)

    def customers(self, x) -> np.ndarray:
        """Customers acquired at spend ``x`` (one spend per channel)."""
        return self._by_kind(customers_of, x)

    def marginal(self, x) -> np.ndarray:
        """Extra customers per extra unit of spend at ``x`` (inf for power curves at 0)."""
        return self._by_kind(marginal_of, x)

    def inflection(self) -> np.ndarray:
        """Where an S-curve turns from rising to falling returns (a Hill curve of shape s > 1:
        h ((s - 1) / (s + 1)) ** (1 / s)); 0 for curves with falling returns from the start."""
        s = self.p3
        with np.errstate(divide="ignore", invalid="ignore"):
            turn = self.p2 * np.power((s - 1.0) / (s + 1.0), 1.0 / s)
        return np.where((self.kind == HILL) & (s > 1.0), turn, 0.0)

    def curvature(self, x) -> np.ndarray:
        """How fast the marginal changes at ``x`` (negative on falling returns; -inf for power curves at 0)."""
        return self._by_kind(curvature_of, x)

    def _by_kind(self, formula, x) -> np.ndarray:
        x = np.broadcast_to(np.asarray(x, dtype=float), self.kind.shape)
        out = np.empty(self.kind.shape)
        for code in np.unique(self.kind):
            at = self.kind == code
            out[at] = formula(list(CurveKind)[code], x[at], self.p1[at], self.p2[at], self.p3[at])
        return out

    def spend_at_marginal(self, t) -> np.ndarray:
        """The spend where the marginal response falls to ``t`` (per channel).

        Returns 0 where the curve's marginal is below ``t`` everywhere and ``inf`` where it
        stays above ``t`` everywhere, so clipping the answer to a spend interval gives the
        maximizer of ``customers(x) - t * x`` on that interval (for concave curves).
        """
        t = np.broadcast_to(np.asarray(t, dtype=float), self.kind.shape)
        e = np.where(self.kind == POWER, self.p2, 0.5)
        k = np.where(self.kind == SATURATING, self.p2, 1.0)
        flat = (self.kind == LINEAR) | ((self.kind == POWER) & (self.p2 == 1.0))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pw = np.power(t / (self.p1 * e), 1.0 / (e - 1.0))
            sat = -k * np.log(t * k / self.p1)
        out = np.where(self.kind == POWER, pw, sat)
        out = np.where(flat, np.where(self.p1 > t, np.inf, 0.0), out)
        out = np.where(t <= 0, np.inf, out)
        out = np.where(self.p1 <= 0, 0.0, out)  # a curve that acquires no one
        if (self.kind == HILL).any():
            out = np.where(self.kind == HILL, self._hill_spend_at(t), out)
        return np.where(np.isnan(out), 0.0, np.maximum(out, 0.0))

    def _hill_spend_at(self, t: np.ndarray) -> np.ndarray:
        """Concave Hill curves (shape <= 1): the spend where the marginal falls to ``t``, by bisection."""
        hill = self.kind == HILL
        h = np.where(hill, self.p2, 1.0)
        s = np.where(hill, self.p3, 1.0)
        found = spend_where_slope_is(lambda x: marginal_of(CurveKind.hill, x, self.p1, h, s), t, h, hill)
        return np.where(t <= 0, np.inf, found)

    def customers_along(self, i: int, x) -> np.ndarray:
        """Customers of channel ``i`` at each spend in ``x``."""
        return self.subset(np.full(len(x), i)).customers(x)

    def subset(self, index: np.ndarray) -> Curves:
        """The curves of the channels at ``index`` (repeats allowed)."""
        return Curves(self.kind[index], self.p1[index], self.p2[index], self.p3[index])


def spend_where_slope_is(slope, t: np.ndarray, start: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Per entry, the spend where a falling ``slope(x)`` (vectorized) comes down to ``t``, by bisection.

    The bracket grows from [0, ``start``] until the slope at its top is below ``t`` (entries not
    ``active`` are left alone), then halves to machine precision.
    """
    lo, hi = np.zeros(len(t)), np.asarray(start, float) * 1.0
    while True:  # grow the bracket until the slope there is below t
        above = active & (slope(hi) > t) & (hi < 1e18)
        if not above.any():
            break
        hi = np.where(above, hi * 4, hi)
    for k in range(200):
        mid = 0.5 * (lo + hi)
        higher = slope(mid) > t
        lo, hi = np.where(higher, mid, lo), np.where(higher, hi, mid)
        if k % 16 == 15 and np.all(hi - lo <= 4e-16 * hi):
            break
    return 0.5 * (lo + hi)


def curves_through(kind, spend, customers, elasticity=1.0, max_customers=0.0, shape=1.0) -> Curves:
    """Curves of kinds ``kind`` (codes of :class:`CurveKind`) through points (spend, customers), vectorized.

    The caller has validated the inputs: ``spend > 0``, ``customers >= 0``, an elasticity in (0, 1]
    for power curves and ``max_customers > customers`` for saturating and Hill ones. A point with
    zero customers gives a curve that acquires no one, whatever its kind.
    """
    values = (kind, spend, customers, elasticity, max_customers, shape)
    k, s, c, e, m, h = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, float)) for v in values))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        p1 = np.select([k == LINEAR, k == POWER], [c / s, c / np.power(s, e)], m)
        p2 = np.select([k == POWER, k == SATURATING, k == HILL],
                       [e, -s / np.log1p(-c / m), s * np.power(m / c - 1, 1 / h)], 0.0)
    none = c <= 0
    return Curves(np.where(none, LINEAR, k).astype(np.int8), np.where(none, 0.0, p1), np.where(none, 0.0, p2),
                  np.where(none | (k != HILL), 1.0, h))


def fit_through_point(kind: CurveKind | str, spend: float, customers: float, elasticity: float = 1.0,
                      max_customers: float = 0.0, shape: float = 1.0) -> tuple[int, float, float, float]:
    """Parameters ``(kind code, p1, p2, p3)`` of a curve passing through ``(spend, customers)``
    (see :func:`curves_through` for what the caller has checked)."""
    c = curves_through(CurveKind(kind).code, spend, customers, elasticity, max_customers, shape)
    return int(c.kind[0]), float(c.p1[0]), float(c.p2[0]), float(c.p3[0])


def make_curves(params: list[tuple[int, float, float, float]]) -> Curves:
    """Stack per-channel ``(kind, p1, p2, p3)`` tuples into a :class:`Curves`."""
    if not params:
        empty = np.zeros(0)
        return Curves(np.zeros(0, dtype=np.int8), empty, empty, empty)
    kind, p1, p2, p3 = zip(*params, strict=True)
    return Curves(np.array(kind, dtype=np.int8), np.array(p1, float), np.array(p2, float), np.array(p3, float))
