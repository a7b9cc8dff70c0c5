"""Every plan keeps every rule: limits, locks, max-change, the budget and the ratio floor."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import optimize
from tests.reference import random_instance

CASES = [
    dict(objective="ratio"),
    dict(objective="value", max_change=0.3),
    dict(objective="profit", budget_mode="at-most", max_change=0.5),
    dict(objective="customers", min_ratio=None),
    dict(objective="customers", budget_mode="at-most", min_ratio=0.0),
]


@pytest.mark.parametrize("seed", range(6), ids=lambda s: f"seed{s}")
@pytest.mark.parametrize("kwargs", CASES, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_plans_keep_limits_locks_and_max_change(seed, kwargs):
    inst = random_instance(500 + seed, n=6)
    frame = inst.frame.copy()
    frame["locked"] = [i == seed % 6 for i in range(6)]
    if kwargs.get("min_ratio") == 0.0:  # a floor that binds: just below the best reachable ratio
        kwargs = {**kwargs, "min_ratio": optimize(frame, budget_mode="at-most", fixed_costs=1.0,
                                                  budget=frame.spend.sum()).after.ltv_cac * 0.8}
    result = optimize(frame, fixed_costs=1.0, **kwargs)
    assert result.ok, result.diagnosis
    plan = result.plan.set_index("channel")
    x, s = plan.recommended_spend.to_numpy(), frame.spend.to_numpy()
    tol = 1e-6 * s.sum()
    assert np.all(x >= np.nan_to_num(frame.get("min_spend"), nan=0.0) - tol)
    assert np.all(x <= np.nan_to_num(frame.get("max_spend"), nan=np.inf) + tol)
    assert np.allclose(x[frame.locked], s[frame.locked])
    assert set(plan.bound[frame.locked.to_numpy()]) == {"locked"}
    if kwargs.get("max_change") is not None:
        f = kwargs["max_change"]
        free = ~frame.locked.to_numpy()
        assert np.all(x[free] >= s[free] * (1 - f) - tol) and np.all(x[free] <= s[free] * (1 + f) + tol)
    if kwargs.get("budget_mode", "exact") == "exact":
        assert x.sum() == pytest.approx(s.sum(), rel=1e-9)
    else:
        assert x.sum() <= s.sum() * (1 + 1e-9)
    if kwargs.get("min_ratio"):
        assert result.after.ltv_cac >= kwargs["min_ratio"] * (1 - 1e-9)


def test_binding_ratio_floor_holds_and_costs_value():
    inst = random_instance(42, n=5)
    budget = float(inst.frame.spend.sum() * 2)
    free = optimize(inst.frame, budget=budget, objective="value", budget_mode="at-most")
    floor = free.after.ltv_cac * 1.2
    bound = optimize(inst.frame, budget=budget, objective="value", budget_mode="at-most", min_ratio=floor)
    assert bound.after.ltv_cac >= floor * (1 - 1e-9)
    assert bound.after.value < free.after.value
    assert bound.gap <= 1e-5
