"""Draws of the uncertain inputs: D equally likely versions of every channel's curve and LTV.

From the channel table's intervals, each quantity is drawn independently (channel by channel and
quantity by quantity) from a lognormal with its median at the estimate, matched to both ends of its
interval: log(X / estimate) is normal with one spread below the estimate, log(estimate / low) / z,
and another above it, log(high / estimate) / z, where z is the normal quantile of the interval's
level (1.645 at 0.90). A symmetric interval in logs (as ``ltvcac ltv`` writes) is a plain lognormal;
a bootstrap's lopsided one keeps its shape. Draws are truncated to the quantity's valid range by
drawing within it (inverse CDF): elasticity at most 1, shape at most 10, max_customers above the
customers. An interval of zero width draws the estimate itself, every time. ``seed`` fixes them all.

A draw of customers (or CAC) moves the whole curve, as a what-if does: every customer figure of
the curve scales by customers_d / customers, and the curve keeps its shape. Draws of elasticity,
max_customers (in the estimate's units) and shape change the curve's shape. Joint uncertainty
(correlated parameters, posterior samples) comes instead as a draws table (:mod:`.table`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.model.channels import DEFAULT_CURVE, Channels
from optimizer.model.choices import CurveKind, Objective
from optimizer.model.curves import Curves, curves_through
from optimizer.model.intervals import LEVEL_COLUMN, QUANTITIES, UPPER, z_of
from optimizer.uncertainty.mixture import mixture, scale_only


@dataclass(frozen=True)
class DrawSet:
    """``size`` equally likely joint draws of every channel's curve (``curves``, draw-major) and LTV."""

    ltv: np.ndarray  # (draws, channels)
    curves: Curves  # draws * channels curves; curves[d * n + i] is channel i in draw d
    origin: str  # where the draws come from, in words
    varies: tuple[str, ...]  # the quantities that vary, such as ('ltv', 'elasticity')

    @property
    def size(self) -> int:
        return self.ltv.shape[0]

    @property
    def shape_varies(self) -> np.ndarray:
        """Channels whose curve changes shape between draws (not only its scale)."""
        return ~scale_only(self.curves, self.ltv.shape[1])

    def customers(self, spend: np.ndarray) -> np.ndarray:
        """Customers per draw and channel (draws, channels) at ``spend``: one plan, or one per draw."""
        spend = np.broadcast_to(np.asarray(spend, dtype=float), self.ltv.shape)
        return self.curves.customers(spend.ravel()).reshape(self.ltv.shape)

    def weights(self, objective: Objective) -> np.ndarray:
        """What one customer of each channel adds to the objective in each draw."""
        return np.ones(self.ltv.shape) if objective == Objective.customers else self.ltv

    def mean_channels(self, table: Channels, objective: Objective, weights: np.ndarray | None = None) -> Channels:
        """``table`` with the draws' mean in place of its curves and LTVs (or another weighting of draws).

        For value-like objectives a channel's curve is the value-weighted mean of its draws' curves,
        so that LTV x curve is exactly the mean value of the draws (even when LTV and customers are
        drawn together); for the customers objective it is the plain mean. ``weights`` (per draw,
        summing to 1) replace the equal weights.
        """
        p = np.full(self.size, 1 / self.size) if weights is None else np.asarray(weights, float)
        curves = mixture(self.curves, self.mean_weights(objective, p))
        return dataclasses.replace(table, curves=curves, ltv=p @ self.ltv)

    def mean_weights(self, objective: Objective, p: np.ndarray | None = None) -> np.ndarray:
        """The weight of each draw's curve in each channel's mean curve (see :meth:`mean_channels`)."""
        p = np.full(self.size, 1 / self.size) if p is None else p
        per = self.weights(objective)
        total = p @ per
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, (p[:, None] * per) / total, p[:, None])

    def channels(self, d: int, table: Channels) -> Channels:
        """``table`` as draw ``d`` has it."""
        n = self.ltv.shape[1]
        return dataclasses.replace(table, curves=self.curves.subset(np.arange(d * n, (d + 1) * n)), ltv=self.ltv[d])

    def thinned(self, count: int) -> DrawSet:
        """``count`` draws spread evenly through the set."""
        if count >= self.size:
            return self
        keep = np.linspace(0, self.size - 1, count).round().astype(int)
        n = self.ltv.shape[1]
        index = (keep[:, None] * n + np.arange(n)[None, :]).ravel()
        return DrawSet(self.ltv[keep], self.curves.subset(index), f"{self.origin}, {count} of its {self.size} draws",
                       self.varies)


def base_quantities(table: Channels) -> dict[str, np.ndarray]:
    """Each channel's estimates: its reference point, curve kind and shape parameters (NaN: none)."""
    t = table.table
    zero = t["spend"].to_numpy(float) == 0
    kind = np.array([CurveKind(c if isinstance(c, str) and c else DEFAULT_CURVE).code for c in t["curve"]])

    def column(name):
        return pd.to_numeric(t[name], errors="coerce").to_numpy(float)

    return {"kind": kind, "spend": np.where(zero, column("ref_spend"), column("spend")),
            "customers": np.where(zero, column("ref_customers"), column("customers")),
            "ltv": table.ltv.astype(float), "elasticity": column("elasticity"),
            "max_customers": column("max_customers"), "shape": column("shape"), "zero": zero}


def curves_of(base: dict, scale: np.ndarray, elasticity, max_customers, shape) -> Curves:
    """Draw-major curves: each draw's shape through the channel's reference point, then scaled."""
    size = scale.shape
    e = np.where(np.isnan(elasticity), 1.0, elasticity)
    m = np.where(np.isnan(max_customers), 0.0, max_customers)
    h = np.where(np.isnan(shape), 1.0, shape)
    fit = curves_through(*(np.broadcast_to(v, size).ravel() for v in (base["kind"], base["spend"], base["customers"],
                                                                       e, m, h)))
    return Curves(fit.kind, fit.p1 * scale.ravel(), fit.p2, fit.p3)


def draws_from_intervals(table: Channels, count: int, seed: int, level: float) -> DrawSet:
    """``count`` draws from the channel table's intervals (see the module for the distributions)."""
    base = base_quantities(table)
    n = len(table)
    intervals = table.intervals if table.intervals is not None else pd.DataFrame(index=range(n))
    z_level = np.array([z_of(v) for v in intervals.get(LEVEL_COLUMN, pd.Series(np.nan, index=range(n)))
                        .fillna(level)])
    rng = np.random.default_rng(seed)
    normals = {q: rng.standard_normal((count, n)) for q in QUANTITIES}  # every quantity, so one does not move another
    point_cac = np.where(base["customers"] > 0, base["spend"] / base["customers"], np.nan)
    estimate = {**base, "cac": point_cac}
    drawn, varies = {}, []
    for q in QUANTITIES:
        low = intervals.get(f"{q}_low", pd.Series(np.nan, index=range(n))).to_numpy(float)
        high = intervals.get(f"{q}_high", pd.Series(np.nan, index=range(n))).to_numpy(float)
        has = ~np.isnan(low)
        if has.any() and ((low < high) & has).any():
            varies.append(q)
        floor = base["customers"] if q == "max_customers" else np.zeros(n)
        drawn[q] = np.where(has, _split_lognormal(estimate[q], low, high, z_level, normals[q], floor,
                                                  np.full(n, UPPER.get(q, np.inf))), estimate[q])
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(np.isnan(drawn["customers"]), 1.0, drawn["customers"] / base["customers"])
        scale = np.where(np.isnan(intervals.get("cac_low", pd.Series(np.nan, index=range(n))).to_numpy(float)),
                         scale, point_cac / drawn["cac"])
    scale = np.nan_to_num(scale, nan=1.0)
    curves = curves_of(base, scale, drawn["elasticity"], drawn["max_customers"], drawn["shape"])
    levels = sorted({round(float(v), 4) for v in intervals.get(LEVEL_COLUMN, pd.Series(level)).fillna(level)})
    shown = " / ".join(f"{v * 100:g} %" for v in levels)
    origin = f"the channel table's {shown} intervals (seed {seed})"
    return DrawSet(np.broadcast_to(drawn["ltv"], (count, n)).copy(), curves, origin, tuple(varies))


def _split_lognormal(estimate, low, high, z_level, normal, floor, ceiling) -> np.ndarray:
    """estimate * exp(sigma * z), sigma below and above the estimate matched to the interval's ends,
    with z drawn within the valid range (floor, ceiling] by its inverse CDF."""
    from scipy.special import ndtr, ndtri  # the normal CDF and its inverse, vectorized

    with np.errstate(divide="ignore", invalid="ignore"):
        below = np.log(estimate / low) / z_level
        above = np.log(high / estimate) / z_level

        def standard(bound):  # the bound in standard-normal units
            r = np.log(bound / estimate)
            return np.where(r >= 0, np.where(above > 0, r / above, np.inf), np.where(below > 0, r / below, -np.inf))

        a = np.where(floor > 0, standard(floor * (1 + 1e-9)), -np.inf)
        b = np.where(np.isfinite(ceiling), standard(ceiling), np.inf)
        truncated = np.isfinite(a) | np.isfinite(b)
        u = ndtr(a) + ndtr(normal) * (ndtr(b) - ndtr(a))
        z = np.where(truncated, ndtri(np.clip(u, 1e-300, 1 - 1e-16)), normal)
        return estimate * np.exp(np.where(z < 0, below, above) * z)
