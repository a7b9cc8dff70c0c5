"""No plan keeps every rule: a result with a diagnosis in words, never a crash or a partial plan."""

from __future__ import annotations

import pytest

from optimizer import UsageError, optimize

TABLE = "channel,spend,customers,ltv,min_spend,max_spend,locked\n"


def test_minimum_spends_above_budget(write):
    path = write("t.csv", TABLE + "Search,500000,1000,300,700000,,\nTV,500000,500,400,500000,,\n")
    result = optimize(path, budget=1_000_000)
    assert result.status == "infeasible" and result.plan is None
    assert "the minimum spends add up to 1 200 000 but the budget is 1 000 000" in result.diagnosis[0]


def test_ceilings_below_an_exact_budget(write):
    path = write("t.csv", TABLE + "A,100,10,30,,120,\nB,100,10,30,,150,\n")
    result = optimize(path, budget=400)
    assert "can take at most 270 in all" in result.diagnosis[0]
    assert optimize(path, budget=400, budget_mode="at-most", objective="value").ok  # the way out


def test_locked_channel_outside_its_own_limits(write):
    path = write("t.csv", TABLE + "A,100,10,30,150,,true\nB,100,10,30,,,\n")
    result = optimize(path)
    assert any("channel 'A' is locked at 100, below its min_spend 150" in d for d in result.diagnosis)


def test_min_spend_above_max_change_ceiling(write):
    path = write("t.csv", TABLE + "A,200000,10,30,300000,,\nB,100000,10,30,,,\n")
    result = optimize(path, max_change=0.2, budget_mode="at-most")
    assert any("min_spend 300 000 is above its max-change ceiling 240 000" in d for d in result.diagnosis)


def test_ratio_floor_out_of_reach(write, example):
    best = optimize(example).after.ltv_cac
    result = optimize(example, min_ratio=best * 1.05, objective="value")
    assert result.status == "infeasible"
    assert f"the best reachable LTV:CAC is {best:.4g}" in result.diagnosis[0]


def test_ratio_at_most_without_any_cost_floor_is_a_usage_error(write):
    path = write("t.csv", "channel,spend,customers,ltv,curve,elasticity\nA,100,10,30,power,0.5\n")
    with pytest.raises(UsageError, match="`fixed_costs`"):
        optimize(path, budget_mode="at-most")
