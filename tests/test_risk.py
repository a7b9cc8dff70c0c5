"""Risk-aware plans: the CVaR plan against brute force over the same draws, its certificate, and its rules.

The reference types the curves again from the README, takes the draws from the same draws table, and
computes CVaR as the mean of the worst ALPHA * D draws (the boundary draw by its fraction), without
the optimizer's code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer import UsageError

TWO = pd.DataFrame({"channel": ["A", "B"], "spend": [100.0, 100.0], "customers": [10.0, 8.0], "ltv": [50.0, 70.0],
                    "curve": ["power", "saturating"], "elasticity": [0.5, None], "max_customers": [None, 20.0]})


def two_draws(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Joint draws: A's elasticity and LTV (its shape moves), B's customers and LTV (its level moves)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 4))
    return pd.DataFrame({"draw": np.repeat(np.arange(n), 2), "channel": ["A", "B"] * n,
                         "ltv": np.column_stack([50 * np.exp(0.3 * z[:, 0]), 70 * np.exp(0.4 * z[:, 1])]).ravel(),
                         "elasticity": np.column_stack([np.clip(0.5 * np.exp(0.25 * z[:, 2]), 0.05, 1), np.full(
                             n, np.nan)]).ravel(),
                         "customers": np.column_stack([np.full(n, np.nan), 8 * np.exp(0.2 * z[:, 3])]).ravel()})


def draw_values(draws: pd.DataFrame, x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """Value of every draw (rows) at spends x1 on A and x2 on B (columns), from the README's formulas."""
    a, b = draws[draws.channel == "A"], draws[draws.channel == "B"]
    k = -100 / math.log(1 - 8 / 20)  # B's saturating scale through (100, 8) with max 20
    scale = b.customers.to_numpy()[:, None] / 8  # B's draws move every customer figure of its curve
    va = a.ltv.to_numpy()[:, None] * 10 * (np.asarray(x1)[None, :] / 100) ** a.elasticity.to_numpy()[:, None]
    vb = b.ltv.to_numpy()[:, None] * scale * 20 * (1 - np.exp(-np.asarray(x2)[None, :] / k))
    return va + vb


def cvar(values: np.ndarray, alpha: float) -> np.ndarray:
    v = np.sort(values, axis=0)
    k = alpha * len(v)
    m = math.floor(k + 1e-9)
    return (v[:m].sum(axis=0) + ((k - m) * v[m] if m < len(v) else 0.0)) / k


def brute_force(draws: pd.DataFrame, alpha: float, budget: float) -> tuple[float, float]:
    """The best CVaR of value over x1 + x2 = budget: a fine grid, then golden sections (CVaR is concave)."""
    x = np.linspace(0, budget, 4001)
    best = int(np.argmax(cvar(draw_values(draws, x, budget - x), alpha)))
    lo, hi = x[max(best - 1, 0)], x[min(best + 1, len(x) - 1)]

    def f(v):
        return float(cvar(draw_values(draws, np.array([v]), np.array([budget - v])), alpha)[0])

    g = (math.sqrt(5) - 1) / 2
    for _ in range(80):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        lo, hi = (lo, b) if f(a) >= f(b) else (a, hi)
    return 0.5 * (lo + hi), f(0.5 * (lo + hi))


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.37, 1.0], ids=["5%", "10%", "37%", "mean"])
def test_two_channel_cvar_plan_equals_brute_force_with_a_proven_gap(alpha):
    draws = two_draws()
    result = optimizer.optimize(TWO, objective="value", risk=f"cvar:{alpha}", draws=draws)
    x1, best = brute_force(draws, alpha, 200.0)
    ours = result.uncertainty.frame.loc["recommended", "objective_tail"]
    assert result.gap <= 1e-4
    assert ours == pytest.approx(best, rel=1e-4)
    assert best <= ours * (1 + result.gap) * (1 + 1e-12)  # the proven bound holds for the true optimum
    assert result.plan.recommended_spend[0] == pytest.approx(x1, rel=2e-2)


def test_cvar_of_ratio_with_spare_budget_and_fixed_costs_beats_a_grid_and_bounds_it():
    draws = two_draws(120, seed=4)
    result = optimizer.optimize(TWO, risk="cvar:0.2", draws=draws, budget=300, budget_mode="at-most",
                                fixed_costs=60.0)
    grid = np.linspace(0, 300, 301)
    x1, x2 = (g.ravel() for g in np.meshgrid(grid, grid, indexing="ij"))
    keep = x1 + x2 <= 300
    ratio = cvar(draw_values(draws, x1[keep], x2[keep]), 0.2) / (x1[keep] + x2[keep] + 60)
    ours = result.uncertainty.frame.loc["recommended", "objective_tail"]
    assert ours >= ratio.max() * (1 - 1e-5)
    assert ratio.max() <= ours * (1 + result.gap) * (1 + 1e-12)


def test_cvar_over_every_draw_is_the_expected_plan():
    draws = two_draws(100, seed=2)
    mean = optimizer.optimize(TWO, objective="value", risk="expected", draws=draws)
    full = optimizer.optimize(TWO, objective="value", risk="cvar:1", draws=draws)
    assert full.after.value == pytest.approx(mean.after.value, rel=2e-5)


def test_the_risk_aware_plan_does_better_in_the_bad_draws_than_the_point_plan():
    result = optimizer.optimize(TWO, objective="value", risk="cvar:0.1", draws=two_draws())
    price = result.uncertainty.price
    assert price.tail_risk >= price.tail_point * (1 - 1e-5) and price.tail_share == 0.1
    frame = result.risk
    assert list(frame.index) == ["today", "point", "recommended"]
    assert frame.loc["recommended", "objective_tail"] == pytest.approx(price.tail_risk)


def _four() -> pd.DataFrame:
    frame = pd.DataFrame({"channel": ["Search", "Social", "TV", "Radio"], "spend": [400.0, 300.0, 300.0, 100.0],
                          "customers": [40.0, 25.0, 20.0, 6.0], "ltv": [100.0, 120.0, 150.0, 140.0],
                          "curve": ["power", "saturating", "power", "power"], "elasticity": [0.6, None, 0.4, 0.5],
                          "max_customers": [None, 60.0, None, None]})
    frame["ltv_low"], frame["ltv_high"] = frame.ltv * 0.6, frame.ltv * 1.5
    return frame


def test_cvar_plans_keep_group_rules_and_a_ratio_floor_on_the_expected_ltv_cac():
    rule = optimizer.GroupRule("offline", ("TV", "Radio"), min_share=0.4)
    result = optimizer.optimize(_four(), risk="cvar:0.1", rules=[rule])
    spend = result.plan.set_index("channel").recommended_spend
    assert (spend["TV"] + spend["Radio"]) >= 0.4 * spend.sum() * (1 - 1e-9) and result.gap <= 1e-5
    floored = optimizer.optimize(_four(), risk="cvar:0.1", objective="value", budget_mode="at-most",
                                 min_ratio=4.1)
    assert floored.ok and floored.after.ltv_cac >= 4.1 * (1 - 1e-7)


def test_cvar_refuses_s_curves_and_says_what_works():
    frame = _four()
    frame.loc[2, ["curve", "max_customers", "shape", "elasticity"]] = ["hill", 60.0, 2.5, None]
    with pytest.raises(UsageError, match="use `risk` expected"):
        optimizer.optimize(frame, risk="cvar:0.1", simulate=50)


def test_the_cvar_lp_file_names_draws_and_shortfalls(tmp_path):
    path = tmp_path / "risk.lp"
    optimizer.optimize(TWO, risk="cvar:0.5", draws=two_draws(6), lp_file=path)
    text = path.read_text()
    for name in ("value_at_risk", "shortfall_1", "draw_6:", "customers_B", "count_B:", "A_step1", "budget:"):
        assert name in text
