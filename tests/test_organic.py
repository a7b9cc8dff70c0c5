"""Organic baseline: paid and blended LTV:CAC and CAC by hand, an objective organic customers never inflate,
and a ratio floor on the paid ratio unless it is asked to be blended."""

from __future__ import annotations

from fractions import Fraction as F

import pandas as pd
import pytest

from optimizer import UsageError, optimize

# two linear channels; A returns 3x, B 2.5x; A is capped at 150, so a budget of 200 puts 150 on A and 50 on B
TABLE = pd.DataFrame({"channel": ["A", "B"], "spend": [100.0, 100.0], "customers": [10.0, 5.0], "ltv": [30.0, 50.0],
                      "curve": ["linear", "linear"], "max_spend": [150.0, None], "organic_customers": [5.0, 0.0]})


def test_paid_and_blended_ratios_equal_hand_computations():
    result = optimize(TABLE, fixed_costs=10, organic_customers=20, organic_ltv=40)
    a = result.after
    paid_customers = F(150, 10) + F(50, 20)  # 17.5
    paid_value = F(150, 10) * 30 + F(50, 20) * 50  # 575
    cost = F(200) + 10
    organic_customers, organic_value = F(20) + 5, F(20) * 40 + 5 * 30  # 25 and 950
    assert a.customers == pytest.approx(float(paid_customers), rel=1e-12)
    assert a.ltv_cac == pytest.approx(float(paid_value / cost), rel=1e-12)
    assert a.cac == pytest.approx(float(cost / paid_customers), rel=1e-12)
    assert a.blended_ltv_cac == pytest.approx(float((paid_value + organic_value) / cost), rel=1e-12)
    assert a.blended_cac == pytest.approx(float(cost / (paid_customers + organic_customers)), rel=1e-12)
    plan = result.plan.set_index("channel")
    assert plan.loc["A", "recommended_blended_cac"] == pytest.approx(150 / (15 + 5))  # A's own organic customers
    assert plan.loc["A", "recommended_blended_ltv_cac"] == pytest.approx(30 * 20 / 150)
    assert plan.loc["B", "recommended_blended_ltv_cac"] == pytest.approx(plan.loc["B", "recommended_ltv_cac"])
    summary = result.summary()
    assert summary["after"]["blended_ltv_cac"] == pytest.approx(float((paid_value + organic_value) / cost))
    assert summary["organic_customers"] == 20 and summary["organic_ltv"] == 40


@pytest.mark.parametrize("kw", [dict(objective="ratio", budget_mode="at-most", fixed_costs=30.0),
                                dict(objective="profit", budget_mode="at-most"), dict(objective="value")],
                         ids=["ratio-at-most", "profit", "value"])
def test_organic_customers_never_change_the_plan(kw):
    frame = TABLE.assign(curve=["power", "power"], elasticity=[0.5, 0.7])
    plain = optimize(frame.drop(columns="organic_customers"), **kw)
    organic = optimize(frame, organic_customers=1_000, organic_ltv=500, **kw)
    assert organic.plan.recommended_spend.tolist() == pytest.approx(plain.plan.recommended_spend.tolist(), rel=1e-9)
    assert organic.after.ltv_cac == pytest.approx(plain.after.ltv_cac, rel=1e-12)
    assert organic.after.blended_ltv_cac > organic.after.ltv_cac


def test_min_ratio_stays_on_paid_unless_blended():
    kw = dict(fixed_costs=10, organic_customers=20, organic_ltv=40)
    paid_best, blended_best = 575 / 210, (575 + 950) / 210  # from the hand computation above
    floor = (paid_best + blended_best) / 2
    paid = optimize(TABLE, min_ratio=floor, **kw)
    assert not paid.ok and f"the best reachable LTV:CAC is {paid_best:.4g}" in paid.diagnosis[0]
    assert optimize(TABLE, min_ratio=floor, blended=True, **kw).ok
    above = optimize(TABLE, min_ratio=blended_best * 1.01, blended=True, **kw)
    assert not above.ok
    assert f"the best reachable blended LTV:CAC (paid and organic customers' value over spend plus fixed costs) is " \
           f"{blended_best:.2f}x" in above.diagnosis[0]


def test_blended_floor_binds_with_a_budget_that_may_stay_unspent():
    frame = TABLE.assign(curve=["power", "power"], elasticity=[0.5, 0.7])
    kw = dict(objective="value", budget=1_000, budget_mode="at-most", fixed_costs=30.0, organic_customers=4,
              organic_ltv=20)
    free = optimize(frame, **kw)
    floor = free.after.blended_ltv_cac * 1.3
    held = optimize(frame, min_ratio=floor, blended=True, **kw)
    assert held.ok and held.after.blended_ltv_cac == pytest.approx(floor, rel=1e-6)
    assert held.after.value < free.after.value
    too_high = optimize(frame, min_ratio=1e6, blended=True, **kw)
    assert "the best reachable blended LTV:CAC" in too_high.diagnosis[0]


def test_organic_settings_are_checked_at_the_door():
    with pytest.raises(UsageError, match=r"`organic_customers` must be 0 or more"):
        optimize(TABLE, organic_customers=-5, organic_ltv=10)
    with pytest.raises(UsageError, match=r"`organic_customers` needs `organic_ltv`"):
        optimize(TABLE, organic_customers=5)
    with pytest.raises(UsageError, match=r"`blended` must be true or false"):
        optimize(TABLE, blended="yes")
