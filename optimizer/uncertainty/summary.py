"""What a plan under uncertainty reports: typed, frozen records of the draws' summary, each channel's
stability, and the price of safety of a risk-aware plan; and the tail mean they are measured by.

The tail mean of a share ``a`` of D draws is the mean of the worst a * D of them, the boundary draw
counted by its fraction (Rockafellar and Uryasev's CVaR: max over t of t - E[(t - V)+] / a). At
a = 1 it is the mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

PLANS = ("today", "point", "recommended")  # the rows of the summary, in this order where present
FIGURES = ("ltv_cac", "value", "customers")
STATS = ("mean", "std", "p05", "p50", "p95")
STABILITY_COLUMNS = ("spend_p05", "spend_p50", "spend_p95", "direction_agreement")


def tail_mean(values: np.ndarray, share: float) -> np.ndarray:
    """The mean of the worst ``share`` of ``values`` along the first axis (the boundary one in part)."""
    v = np.sort(np.asarray(values, dtype=float), axis=0)
    count = v.shape[0]
    k = share * count
    whole = min(math.floor(k + 1e-9), count)
    part = k - whole
    total = v[:whole].sum(axis=0) + (part * v[whole] if whole < count and part > 1e-12 else 0.0)
    return total / k


@dataclass(frozen=True)
class PriceOfSafety:
    """What a risk-aware plan gives up on average against the point plan, and what it gains in bad draws.

    Figures are in the objective's units (for the ratio: LTV:CAC); ``tail_share`` is the share of
    worst draws the tail means are over.
    """

    expected_point: float
    expected_risk: float
    tail_point: float
    tail_risk: float
    tail_share: float

    @property
    def given_up(self) -> float:
        return self.expected_point - self.expected_risk

    @property
    def gained(self) -> float:
        return self.tail_risk - self.tail_point

    def as_dict(self) -> dict:
        return {"expected_point": self.expected_point, "expected_risk_aware": self.expected_risk,
                "expected_given_up": self.given_up, "tail_share": self.tail_share, "tail_point": self.tail_point,
                "tail_risk_aware": self.tail_risk, "tail_gained": self.gained}


@dataclass(frozen=True)
class Uncertainty:
    """How sure a plan is: the plans' figures over the draws, each channel's stability, the price of safety.

    ``frame`` has one row per plan (today, point, recommended) and columns ``<figure>_<stat>`` for
    LTV:CAC, value and customers (mean, std, 5/50/95 %), ``objective_tail`` (the objective's mean over
    the worst ``tail_share`` of draws), ``p_beats_today`` and ``p_reaches_target``. ``per_draw`` holds
    every draw's figures per plan (for charts); ``stability`` the channels' spend when each draw is
    re-optimized (None when not asked for).
    """

    origin: str
    draws: int
    varies: tuple[str, ...]
    risk: str | None
    tail_share: float
    target: float | None
    frame: pd.DataFrame
    per_draw: pd.DataFrame
    stability: pd.DataFrame | None = None
    price: PriceOfSafety | None = None
    notes: tuple[str, ...] = ()

    def summary(self) -> dict:
        """The figures as plain JSON-ready values."""
        plans = {plan: {k: _plain(v) for k, v in row.items()} for plan, row in self.frame.iterrows()}
        out = {"draws": self.draws, "origin": self.origin, "varies": list(self.varies), "risk": self.risk,
               "tail_share": self.tail_share, "target": self.target, "plans": plans,
               "price_of_safety": {k: _plain(v) for k, v in self.price.as_dict().items()} if self.price else None,
               "notes": list(self.notes)}
        if self.stability is not None:
            out["stability"] = [{k: _plain(v) for k, v in row.items()} for row in
                                self.stability.reset_index().to_dict("records")]
        return out


def _plain(value):
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value
