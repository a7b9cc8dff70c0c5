"""The budget's shadow price equals finite differences of the optimum, under each objective."""

from __future__ import annotations

import pytest

from optimizer import optimize
from tests.reference import random_instance

OBJECTIVES = {
    "value": lambda r: r.after.value,
    "profit": lambda r: r.after.value - r.after.spend,
    "customers": lambda r: r.after.customers,
    "ratio": lambda r: r.after.ltv_cac,
}


@pytest.mark.parametrize("method", ["auto", "lp"])
@pytest.mark.parametrize("mode", ["exact", "at-most"])
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_budget_shadow_price_equals_finite_difference(objective, mode, method):
    inst = random_instance(11, n=5)
    budget = float(inst.frame.spend.sum()) * 0.7  # small enough to bind in every mode
    kw = dict(objective=objective, budget_mode=mode, fixed_costs=budget * 0.2, method=method,
              tolerance=1e-9)
    h = budget * 1e-4
    up, down = (OBJECTIVES[objective](optimize(inst.frame, budget=budget + d, **kw)) for d in (h, -h))
    result = optimize(inst.frame, budget=budget, **kw)
    assert result.shadow_price == pytest.approx((up - down) / (2 * h), rel=2e-3)
    if objective != "customers":
        values = [optimize(inst.frame, budget=budget + d, **kw).after.value for d in (h, -h)]
        assert result.marginal_value == pytest.approx((values[0] - values[1]) / (2 * h), rel=2e-3)


def test_unspent_budget_has_zero_shadow_price():
    inst = random_instance(12, n=4)
    budget = float(inst.frame.spend.sum()) * 50
    result = optimize(inst.frame, budget=budget, objective="profit", budget_mode="at-most")
    assert result.unspent > 0
    assert result.shadow_price == 0


def test_rule_shadow_price_equals_finite_difference():
    from optimizer import GroupRule

    inst = random_instance(13, n=5, with_limits=False)
    names = tuple(inst.frame.channel[:2])
    free = optimize(inst.frame, objective="value")
    cap = float(free.plan.recommended_spend[:2].sum()) * 0.8  # binds

    def value(c):
        return optimize(inst.frame, objective="value", rules=[GroupRule("g", names, max_spend=c)], tolerance=1e-9)

    result = value(cap)
    h = cap * 1e-4
    slope = (value(cap + h).after.value - value(cap - h).after.value) / (2 * h)
    assert result.rules[0].binding
    assert result.rules[0].shadow_price == pytest.approx(slope, rel=2e-3)


def _capped_instance():
    """Four channels, one clearly capped by max_spend and one held at its min_spend."""
    import pandas as pd

    return pd.DataFrame({
        "channel": ["a", "b", "c", "d"], "spend": [100.0, 100.0, 100.0, 100.0],
        "customers": [10.0, 8.0, 6.0, 5.0], "ltv": [60.0, 40.0, 30.0, 20.0], "curve": ["power"] * 4,
        "elasticity": [0.6, 0.5, 0.7, 0.5], "max_spend": [120.0, None, None, None],
        "min_spend": [None, None, None, 90.0]})


@pytest.mark.parametrize("method", ["auto", "lp"])
@pytest.mark.parametrize("objective", ["value", "ratio", "profit", "customers"])
def test_limit_shadow_prices_equal_finite_differences(objective, method):
    frame = _capped_instance()
    kw = dict(objective=objective, method=method, fixed_costs=50.0, tolerance=1e-9)
    result = optimize(frame, **kw)
    plan = result.plan.set_index("channel")
    assert plan.loc["a", "bound"] == "max" and plan.loc["d", "bound"] == "min"
    h = 0.01
    for channel, column, sign in (("a", "max_spend", 1), ("d", "min_spend", -1)):
        moved = [OBJECTIVES[objective](optimize(frame.assign(**{column: frame[column].where(
            frame.channel != channel, frame[column] + sign * d)}), **kw)) for d in (h, -h)]
        slope = (moved[0] - moved[1]) / (2 * h)
        assert plan.loc[channel, "limit_shadow_price"] == pytest.approx(slope, rel=2e-3), channel


def test_ranging_says_when_a_capped_channel_would_leave_its_cap():
    frame = _capped_instance()
    plan = optimize(frame, objective="value").plan.set_index("channel")
    low = plan.loc["a", "ltv_range_low"]
    assert 0 < low < 60
    for factor, capped in ((1.03, True), (0.97, False)):
        moved = optimize(frame.assign(ltv=frame.ltv.where(frame.channel != "a", low * factor)), objective="value")
        assert (moved.plan.set_index("channel").loc["a", "bound"] == "max") is capped


@pytest.mark.parametrize("side, expected", [("ltv_range_high", 1.10), ("ltv_range_low", 0.90)])
def test_ranging_of_a_free_channel_is_exact_when_nothing_else_responds(side, expected):
    # profit with budget to spare: the budget's multiplier is 0, so no other channel responds
    frame = _capped_instance()
    kw = dict(objective="profit", budget_mode="at-most", budget=10_000)
    plan = optimize(frame, **kw).plan.set_index("channel")
    spend, ltv = plan.loc["b", "recommended_spend"], plan.loc["b", side]
    moved = optimize(frame.assign(ltv=frame.ltv.where(frame.channel != "b", ltv)), **kw)
    assert moved.plan.set_index("channel").loc["b", "recommended_spend"] / spend == pytest.approx(expected, rel=1e-6)


def test_ranging_with_a_binding_budget_is_a_first_order_bound():
    frame = _capped_instance()
    plan = optimize(frame, objective="value").plan.set_index("channel")
    spend, high = plan.loc["b", "recommended_spend"], plan.loc["b", "ltv_range_high"]
    moved = optimize(frame.assign(ltv=frame.ltv.where(frame.channel != "b", high)), objective="value")
    # the others give up budget less readily than a fixed multiplier assumes: the move is smaller
    assert 1.0 < moved.plan.set_index("channel").loc["b", "recommended_spend"] / spend <= 1.10 + 1e-9
