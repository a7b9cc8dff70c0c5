"""Weighted sums of curves, channel by channel: the mean curve over draws, or a risk-weighted one.

A channel's mixture M(x) = sum_d w_d c_d(x) of concave curves with weights w_d >= 0 is concave, so
everything that needs only a curve's values, its slope and "the spend where the slope falls to t"
works on it unchanged: the segment model, the Lagrangian certificate, the closed form and the
explanation. Where every draw of a channel only scales one curve (draws of LTV, customers or CAC),
the mixture is that curve, scaled: :func:`mixture` returns plain :class:`Curves` then. Otherwise
:class:`MixtureCurves` finds where the slope falls to t by bisection, to machine precision (an
error there moves a bound only to second order, as the slope is zero at the maximizer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.model.curves import Curves, spend_where_slope_is


@dataclass(frozen=True)
class MixtureCurves:
    """Channel i's customers(x) = sum_d weights[d, i] * parts[d * n + i](x) (n channels, draw-major)."""

    parts: Curves
    weights: np.ndarray  # (draws, channels), 0 or more

    def __len__(self) -> int:
        return self.weights.shape[1]

    @property
    def concave(self) -> np.ndarray:
        return self.parts.concave.reshape(self.weights.shape).all(axis=0)

    def customers(self, x) -> np.ndarray:
        return self._sum(self.parts.customers, x)

    def marginal(self, x) -> np.ndarray:
        return self._sum(self.parts.marginal, x)

    def spend_at_marginal(self, t) -> np.ndarray:
        """Where each channel's slope falls to ``t`` (0 if it never reaches it, inf if it stays above)."""
        t = np.broadcast_to(np.asarray(t, dtype=float), (len(self),))
        live = self.weights.sum(axis=0) > 0
        found = spend_where_slope_is(self.marginal, t, np.ones(len(self)), live & (t > 0))
        return np.where(~live, 0.0, np.where(t <= 0, np.inf, found))

    def customers_along(self, i: int, x) -> np.ndarray:
        """Customers of channel ``i`` at each spend in ``x``."""
        x = np.asarray(x, dtype=float)
        draws = self.weights.shape[0]
        index = np.repeat(np.arange(draws) * len(self) + i, len(x))
        each = self.parts.subset(index).customers(np.tile(x, draws)).reshape(draws, len(x))
        return self.weights[:, i] @ np.nan_to_num(each)

    def subset(self, index: np.ndarray) -> MixtureCurves:
        index = np.asarray(index)
        draws = self.weights.shape[0]
        parts = (np.arange(draws)[:, None] * len(self) + index[None, :]).ravel()
        return MixtureCurves(self.parts.subset(parts), self.weights[:, index])

    def _sum(self, formula, x) -> np.ndarray:
        x = np.broadcast_to(np.asarray(x, dtype=float), (len(self),))
        each = formula(np.tile(x, self.weights.shape[0])).reshape(self.weights.shape)
        with np.errstate(invalid="ignore"):
            return np.where(self.weights > 0, self.weights * each, 0.0).sum(axis=0)


def scale_only(parts: Curves, channels: int) -> np.ndarray:
    """Channels whose draws are all one curve, scaled (same kind and shape parameters in every draw)."""
    shape = (-1, channels)
    same = np.ones(channels, bool)
    for values in (parts.kind, parts.p2, parts.p3):
        v = values.reshape(shape)
        same &= np.all(np.isclose(v, v[:1], rtol=1e-12, atol=0.0), axis=0)
    return same


def mixture(parts: Curves, weights: np.ndarray) -> Curves | MixtureCurves:
    """The weighted sum of ``parts`` per channel: plain curves where every channel only scales one curve."""
    n = weights.shape[1]
    if not scale_only(parts, n).all():
        return MixtureCurves(parts, weights)
    p1 = (weights * parts.p1.reshape(weights.shape)).sum(axis=0)
    return Curves(parts.kind[:n].copy(), p1, parts.p2[:n].copy(), parts.p3[:n].copy())
