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
