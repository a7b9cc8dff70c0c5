"""Typed, frozen results of an optimization: the plan per channel and the portfolio figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimizer.model.channels import Channels
from optimizer.model.program import Approach, Status
from optimizer.model.settings import Settings
from optimizer.uncertainty.summary import Uncertainty

if TYPE_CHECKING:
    from optimizer.results.payback import Payback

PLAN_COLUMNS = (
    "channel", "curve", "current_spend", "recommended_spend", "change", "change_pct",
    "current_customers", "recommended_customers", "ltv", "current_cac", "recommended_cac",
    "marginal_cac", "current_ltv_cac", "recommended_ltv_cac", "marginal_ltv_cac", "bound",
    "limit", "min_allowed", "max_allowed",
)


@dataclass(frozen=True)
class Portfolio:
    """Totals of a plan: spend, customers, their lifetime value and the LTV:CAC ratio.

    ``customers``, ``value``, ``ltv_cac`` and ``cac`` are paid: the customers the spend buys. The
    organic customers (who arrive whatever the budget) and their value are kept beside them, for the
    blended figures.
    """

    spend: float
    customers: float
    value: float
    fixed_costs: float = 0.0
    organic_customers: float = 0.0
    organic_value: float = 0.0

    @property
    def cost(self) -> float:
        """Spend plus the fixed acquisition costs that are not media spend."""
        return self.spend + self.fixed_costs

    @property
    def ltv_cac(self) -> float:
        return self.value / self.cost if self.cost > 0 else math.nan

    @property
    def cac(self) -> float:
        return self.cost / self.customers if self.customers > 0 else math.nan

    @property
    def blended_ltv_cac(self) -> float:
        """Paid and organic customers' value over spend plus fixed costs."""
        return (self.value + self.organic_value) / self.cost if self.cost > 0 else math.nan

    @property
    def blended_cac(self) -> float:
        """Spend plus fixed costs over paid and organic customers."""
        everyone = self.customers + self.organic_customers
        return self.cost / everyone if everyone > 0 else math.nan

    def as_dict(self) -> dict[str, float]:
        return {"spend": self.spend, "fixed_costs": self.fixed_costs, "customers": self.customers,
                "value": self.value, "ltv_cac": self.ltv_cac, "cac": self.cac,
                "organic_customers": self.organic_customers, "organic_value": self.organic_value,
                "blended_ltv_cac": self.blended_ltv_cac, "blended_cac": self.blended_cac}


@dataclass(frozen=True)
class RuleCheck:
    """A rule across channels in the plan: its row's value, its limit, and its shadow price.

    ``shadow_price`` is what relaxing the rule by one unit of spend would add to the objective.
    """

    name: str
    text: str
    value: float
    limit: float
    binding: bool
    shadow_price: float


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`optimizer.optimize`.

    ``status`` is :class:`Status`: ``optimal`` (a plan proven optimal within ``gap``), ``time limit``
    (the best plan found in the time allowed, with its proven gap) or ``infeasible`` (no plan keeps
    every rule; ``diagnosis`` says why, in words). ``approach`` says which method solved the plan.
    """

    status: Status
    settings: Settings
    solver: str
    budget: float
    before: Portfolio
    plan: pd.DataFrame | None = None
    after: Portfolio | None = None
    shadow_price: float | None = None
    marginal_value: float | None = None
    gap: float = math.nan
    diagnosis: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    rounds: int = 0
    rules: tuple[RuleCheck, ...] = ()
    channels: Channels | None = None  # the channels the plan is for (their curves, for charts)
    approach: Approach | None = None  # None when there is no plan
    payback: Payback | None = None  # the portfolio's payback (None without value timelines)
    uncertainty: Uncertainty | None = None  # how sure the plan is, over draws of the uncertain inputs

    @property
    def risk(self) -> pd.DataFrame | None:
        """The plans' figures over the draws, one row per plan (today, point, recommended); None without draws."""
        return None if self.uncertainty is None else self.uncertainty.frame.copy()

    @property
    def ok(self) -> bool:
        """A plan was found: proven optimal, or the best within the time limit (see ``gap``)."""
        return self.plan is not None

    @property
    def unspent(self) -> float:
        if self.after is None:
            return 0.0
        left = self.budget - self.after.spend
        return left if left > 1e-9 * max(self.budget, 1.0) else 0.0  # not a solver's rounding

    def to_frame(self) -> pd.DataFrame:
        """The plan, one row per channel (empty when infeasible)."""
        return self.plan.copy() if self.plan is not None else pd.DataFrame(columns=PLAN_COLUMNS)

    def summary(self) -> dict:
        """Portfolio figures, objective, solver and status as plain JSON-ready values."""
        s = self.settings
        out = {
            "status": self.status.value,
            "objective": s.objective.value,
            "solver": self.solver,
            "method": self.approach.value if self.approach else None,
            "budget": self.budget,
            "budget_mode": s.budget_mode.value,
            "max_change": s.max_change,
            "min_ratio": s.min_ratio,
            "fixed_costs": s.fixed_costs,
            "max_payback": s.max_payback,
            "organic_customers": s.organic_customers,
            "organic_ltv": s.organic_ltv,
            "blended": s.blended,
            "before": self.before.as_dict(),
            "after": self.after.as_dict() if self.after else None,
            "unspent": self.unspent if self.after else None,
            "budget_shadow_price": self.shadow_price,
            "marginal_value_per_budget_unit": self.marginal_value,
            "proven_relative_gap": None if math.isnan(self.gap) else self.gap,
            "rounds": self.rounds,
            "diagnosis": list(self.diagnosis),
            "rules": [{"name": r.name, "rule": r.text, "binding": r.binding, "shadow_price": r.shadow_price}
                      for r in self.rules],
            "notes": list(self.notes),
            "payback": self.payback.as_dict() if self.payback is not None else None,
        }
        if self.uncertainty is not None:
            out["uncertainty"] = self.uncertainty.summary()
        return _plain(out)

    def __repr__(self) -> str:
        if not self.ok:
            return f"Result(status='infeasible', diagnosis={list(self.diagnosis)!r})"
        if self.status != Status.optimal:
            return f"Result(status={self.status.value!r}, gap={self.gap:.2g}, ltv_cac {self.after.ltv_cac:.3f})"
        a, b = self.after, self.before
        return (f"Result(status='optimal', objective='{self.settings.objective.value}', "
                f"ltv_cac {b.ltv_cac:.3f} -> {a.ltv_cac:.3f}, value {b.value:.6g} -> {a.value:.6g}, "
                f"spend {a.spend:.6g} of {self.budget:.6g}, channels={len(self.plan)})")


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value
