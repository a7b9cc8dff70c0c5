"""The optimizer's plans against independent references on random concave instances."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from optimizer import optimize
from tests.conftest import SOLVERS
from tests.reference import (
    brute_force_ratio,
    random_instance,
    reference_ratio,
    reference_value,
    value_of,
)

SEEDS = range(8)
METHODS = ["auto", "lp"]


def _budget(inst, factor):
    """A budget the instance's limits can meet in full."""
    total = inst.frame.spend.sum() * factor
    return float(np.clip(total, inst.lo.sum() * 1.01, np.minimum(inst.hi, 1e12).sum() * 0.99))


@functools.cache
def _value_case(seed: int):
    """An instance, a budget and the reference's best value: computed once for every method."""
    inst = random_instance(seed, n=3 + seed % 5)
    budget = _budget(inst, 0.6 + 0.15 * seed)
    return inst, budget, value_of(inst, reference_value(inst, budget, exact=True))


@functools.cache
def _ratio_case(seed: int):
    """An instance, a budget, fixed costs and the reference's best ratio: computed once for every method."""
    inst = random_instance(100 + seed, n=2 + seed % 4)
    budget = _budget(inst, 1.0)
    fixed = float(inst.frame.spend.sum() * (0.05 + 0.1 * seed))
    return inst, budget, fixed, reference_ratio(inst, budget, fixed)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
def test_value_with_exact_budget_matches_marginal_equalization(seed, method):
    inst, budget, expected = _value_case(seed)
    result = optimize(inst.frame, budget=budget, objective="value", method=method)
    assert result.after.value == pytest.approx(expected, rel=1e-6)
    assert result.after.spend == pytest.approx(budget, rel=1e-9)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
def test_ratio_with_at_most_budget_matches_dinkelbach_reference(seed, method):
    inst, budget, fixed, expected = _ratio_case(seed)
    result = optimize(inst.frame, budget=budget, budget_mode="at-most", fixed_costs=fixed, method=method)
    assert result.after.ltv_cac == pytest.approx(expected, rel=1e-6)
    assert result.after.spend <= budget * (1 + 1e-9)


@pytest.mark.parametrize("seed", range(4), ids=lambda s: f"seed{s}")
def test_ratio_of_two_channels_matches_brute_force(seed):
    inst = random_instance(200 + seed, n=2, with_limits=False)
    budget = float(inst.frame.spend.sum())
    fixed = budget * 0.3
    result = optimize(inst.frame, budget=budget, budget_mode="at-most", fixed_costs=fixed)
    brute = brute_force_ratio(inst, budget, fixed)
    assert result.after.ltv_cac >= brute * (1 - 1e-9)  # the grid can only be worse
    assert result.after.ltv_cac == pytest.approx(brute, rel=1e-4)


@pytest.mark.parametrize("seed", range(4), ids=lambda s: f"seed{s}")
def test_profit_with_at_most_budget_matches_reference(seed):
    inst = random_instance(300 + seed, n=4)
    budget = _budget(inst, 3.0)
    result = optimize(inst.frame, budget=budget, objective="profit", budget_mode="at-most")
    x = reference_value(inst, budget, exact=False, beta=1.0)
    assert result.after.value - result.after.spend == pytest.approx(value_of(inst, x) - x.sum(), rel=1e-6)


@pytest.mark.parametrize("seed", range(3), ids=lambda s: f"seed{s}")
def test_customers_objective_matches_reference(seed):
    inst = random_instance(400 + seed, n=5)
    budget = _budget(inst, 1.2)
    result = optimize(inst.frame, budget=budget, objective="customers")
    inst.ltv = np.ones_like(inst.ltv)  # the reference maximizes ltv * customers
    assert result.after.customers == pytest.approx(value_of(inst, reference_value(inst, budget, True)), rel=1e-6)


def test_linear_channels_fill_by_ltv_cac_up_to_their_caps(write):
    table = write("lin.csv", "channel,spend,cac,ltv,max_spend\n"
                  "a,100,10,30,150\nb,100,10,50,120\nc,100,10,20,\n")
    plan = optimize(table, objective="value").plan.set_index("channel")
    # b (5x) fills to its cap 120, then a (3x) to 150, and c takes the remaining 30
    assert plan.recommended_spend.to_dict() == pytest.approx({"a": 150, "b": 120, "c": 30})


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("objective", ["ratio", "value", "profit", "customers"])
def test_lp_path_agrees_with_multiplier_path(objective, solver):
    inst = random_instance(7, n=6)
    budget = _budget(inst, 1.1)
    kw = dict(budget=budget, objective=objective, budget_mode="exact", fixed_costs=1000.0)
    exact = optimize(inst.frame, method="auto", **kw)
    lp = optimize(inst.frame, method="lp", solver=solver, **kw)
    assert _achieved(lp) == pytest.approx(_achieved(exact), rel=1e-5)
    assert lp.gap <= 1e-5


def _achieved(result):
    """The figure the objective maximizes."""
    a = result.after
    return {"ratio": a.ltv_cac, "value": a.value, "profit": a.value - a.spend,
            "customers": a.customers}[result.settings.objective.value]


def test_dinkelbach_certificate_brackets_the_reference():
    inst = random_instance(900, n=4)
    budget, fixed = _budget(inst, 1.0), 5_000.0
    result = optimize(inst.frame, budget=budget, budget_mode="at-most", fixed_costs=fixed, method="lp")
    best = reference_ratio(inst, budget, fixed)
    upper = result.after.ltv_cac * (1 + result.gap)
    assert result.after.ltv_cac <= best * (1 + 1e-9) and upper >= best * (1 - 1e-9)
