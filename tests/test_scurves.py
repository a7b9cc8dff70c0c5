"""S-shaped curves, minimum buy-ins and active-channel limits: global optima on the true curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from optimizer import optimize, read_channels

TWO = pd.DataFrame({  # TV is S-shaped and today sits in its flat start: its next unit returns less than
    # search's, so a local method moves TV's money to search, though TV at scale is worth far more
    "channel": ["Search", "TV"], "spend": [950.0, 50.0], "customers": [60.0, 0.1], "ltv": [100.0, 400.0],
    "curve": ["power", "hill"], "elasticity": [0.5, None], "max_customers": [None, 80.0], "shape": [None, 3.0]})


def true_value(frame: pd.DataFrame, spend: np.ndarray) -> float:
    table = read_channels(frame)
    return float(table.ltv @ table.curves.customers(np.asarray(spend, float)))


def brute_force_two(frame: pd.DataFrame, budget: float, buy_in=(0.0, 0.0), steps: int = 200_001) -> float:
    """Best value of two channels spending the budget exactly, on a fine grid (with buy-ins)."""
    x = np.linspace(0, budget, steps)
    spend = np.column_stack([x, budget - x])
    ok = np.all((spend == 0) | (spend >= np.array(buy_in) - 1e-9), axis=1)
    table = read_channels(frame)
    values = (table.ltv * np.column_stack([table.curves.customers_along(i, spend[:, i]) for i in range(2)])).sum(1)
    return float(values[ok].max())


def test_s_curve_plan_beats_a_local_method_stuck_at_todays_spend():
    result = optimize(TWO, objective="value")
    table = read_channels(TWO)
    budget = TWO.spend.sum()

    def slsqp(start):
        res = minimize(lambda x: -table.ltv @ table.curves.customers(x), start, method="SLSQP",
                       bounds=[(0, budget)] * 2, constraints=[{"type": "eq", "fun": lambda x: x.sum() - budget}])
        return true_value(TWO, np.clip(res.x, 0, budget))

    from_today = slsqp(TWO.spend.to_numpy())
    rng = np.random.default_rng(0)
    starts = [slsqp(np.array([s, budget - s])) for s in rng.uniform(0, budget, 30)]
    assert result.after.value >= max(starts) * (1 - 1e-4)
    assert result.after.value > from_today * 1.05  # stuck near today's plan, at least 5 % worse
    assert result.after.value == pytest.approx(brute_force_two(TWO, budget), rel=1e-4)


@pytest.mark.parametrize("seed", range(4), ids=lambda s: f"seed{s}")
def test_small_s_curve_cases_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    frame = TWO.assign(ltv=rng.uniform(50, 500, 2), shape=[None, rng.uniform(1.5, 4)],
                       max_customers=[None, rng.uniform(10, 100)])
    budget = float(rng.uniform(300, 3000))
    result = optimize(frame, budget=budget, objective="value")
    assert result.after.value == pytest.approx(brute_force_two(frame, budget), rel=1e-4)
    assert result.after.value >= brute_force_two(frame, budget) * (1 - 1e-4)


def test_buy_ins_are_0_or_at_least_the_minimum_and_equal_brute_force():
    frame = TWO.assign(min_buy_in=[None, 600.0])
    for budget in (500.0, 1000.0, 2000.0):
        plan = optimize(frame, budget=budget, objective="value")
        tv = plan.plan.set_index("channel").loc["TV"]
        assert tv.recommended_spend == 0 or tv.recommended_spend >= 600 - 1e-6
        assert plan.after.value == pytest.approx(brute_force_two(frame, budget, (0, 600)), rel=1e-4)
        if tv.recommended_spend == 0:
            assert tv.limit == "min_buy_in (off)"


def test_buy_ins_and_active_limit_hold_on_random_instances():
    rng = np.random.default_rng(5)
    n = 6
    frame = pd.DataFrame({"channel": [f"c{i}" for i in range(n)], "spend": rng.uniform(100, 1000, n),
                          "customers": rng.uniform(5, 50, n), "ltv": rng.uniform(50, 300, n),
                          "curve": ["hill", "power"] * 3, "elasticity": [None, 0.5] * 3,
                          "max_customers": [100.0, None] * 3, "shape": [2.5, None] * 3,
                          "min_buy_in": rng.choice([0.0, 400.0], n)})
    result = optimize(frame, objective="value", max_active=3)
    x = result.plan.recommended_spend.to_numpy()
    m = frame.min_buy_in.to_numpy()
    assert np.all((x <= 1e-6) | (x >= m - 1e-6))
    assert (x > 1e-6).sum() <= 3
    assert x.sum() == pytest.approx(frame.spend.sum(), rel=1e-9)


def test_dinkelbach_ratio_with_s_curves_equals_brute_force_and_converges():
    fixed, budget = 400.0, 2000.0
    result = optimize(TWO, budget=budget, budget_mode="at-most", fixed_costs=fixed)
    table = read_channels(TWO)
    grid = np.linspace(0, budget, 801)
    a, b = np.meshgrid(grid, grid, indexing="ij")
    keep = a + b <= budget
    value = table.ltv[0] * table.curves.customers_along(0, a[keep]) + table.ltv[1] * table.curves.customers_along(
        1, b[keep])
    brute = float((value / (a[keep] + b[keep] + fixed)).max())
    assert result.after.ltv_cac >= brute * (1 - 1e-9)  # the grid can only be worse
    assert result.after.ltv_cac == pytest.approx(brute, rel=1e-3)
    assert result.gap <= 1e-3


def test_a_time_limit_gives_a_marked_plan_with_its_gap_or_a_clear_error():
    import sys
    from pathlib import Path

    from optimizer import SolverError

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_scurves import instance

    try:  # the limit is a total for the whole solve; 0.2 s is far too short for 100 channels
        result = optimize(instance(100), objective="value", time_limit=0.2)
    except SolverError as exc:  # no plan at all by then: the message says what to do
        assert "`time_limit`" in str(exc)  # the command line shows it as --time-limit
        return
    if result.status == "optimal":  # a machine fast enough to prove it in time
        assert result.gap <= 1e-4
    else:
        assert result.status == "time limit" and result.ok
        assert result.gap > 0  # never claimed optimal when it is not proven


def test_the_summary_and_the_report_say_a_mixed_integer_model_solved_the_plan():
    from optimizer import Approach
    from optimizer.report.text import format_result

    result = optimize(TWO, objective="value")
    assert result.approach == Approach.refined_milp
    assert result.summary()["method"] == "refined MILP"
    assert "mixed-integer model" in format_result(result)
    plain = optimize(TWO.assign(curve=["power", "power"], elasticity=[0.5, 0.5]), objective="value")
    assert plain.approach == Approach.closed_form and plain.summary()["method"] == "closed form"


def test_a_channel_with_a_floor_stays_on_under_an_active_channel_limit():
    frame = pd.DataFrame({"channel": ["Search", "Social", "Radio"], "spend": [100.0, 100.0, 100.0],
                          "customers": [10.0, 10.0, 2.0], "ltv": [100.0, 100.0, 100.0],
                          "curve": ["power"] * 3, "elasticity": [0.5] * 3, "min_spend": [None, None, 50.0]})
    plan = optimize(frame, objective="value", max_active=2).plan.set_index("channel")["recommended_spend"]
    assert plan["Radio"] >= 50 - 1e-6  # its min_spend holds: it cannot be switched off to free a slot
    assert (plan > 1e-6).sum() == 2


def test_the_mixed_integer_model_keeps_rows_over_customers():
    """A row on customers (p) holds in the MILP too: the cheapest plan that buys 5 customers spends on them."""
    from optimizer.model.curves import fit_through_point, make_curves
    from optimizer.model.program import LinearObjective, Program, Row, Sense
    from optimizer.solve.backends import BACKENDS, Highs
    from optimizer.solve.mip import maximize_mip

    curves = make_curves([fit_through_point("linear", 100.0, 10.0)])  # 0.1 customers per unit
    row = Row("customers_floor", np.ones(1), np.zeros(1), Sense.ge, 5.0)
    program = Program(("A",), curves, np.zeros(1), np.full(1, 1000.0), (row,), buy_in=np.full(1, 20.0))
    sol = maximize_mip(program, LinearObjective(np.zeros(1), np.ones(1)), BACKENDS[Highs.name], 1e-6)
    assert sol.spend[0] == pytest.approx(50.0, rel=1e-6)


@pytest.mark.parametrize("kind, shape", [("hill", 3.0), ("hill", 1.6), ("power", None), ("saturating", None)],
                         ids=["hill3", "hill1.6", "power", "saturating"])
def test_the_curve_from_above_lies_above_the_true_curve_and_touches_it_past_the_inflection(kind, shape):
    from optimizer.solve.breakpoints import initial_points, upper_envelope

    frame = pd.DataFrame({"channel": ["A"], "spend": [100.0], "customers": [5.0], "ltv": [1.0], "curve": [kind],
                          "elasticity": [0.6 if kind == "power" else None],
                          "max_customers": [None if kind == "power" else 20.0], "shape": [shape]})
    curves = read_channels(frame).curves
    turn = float(curves.inflection()[0])
    pts = initial_points(0.0, 2000.0, bool(curves.concave[0]), turn=turn)
    at, value = upper_envelope(curves, 0, pts, turn)
    x = np.linspace(0, 2000, 400_001)
    assert np.all(np.interp(x, at, value) >= curves.customers_along(0, x) - 1e-12)
    past = pts[(pts >= turn) & (pts > 0)]
    assert np.allclose(np.interp(past, at, value), curves.customers_along(0, past), rtol=1e-12)


def test_three_channels_with_s_curves_and_a_buy_in_equal_a_brute_force_search():
    frame = pd.DataFrame({"channel": ["A", "B", "C"], "spend": [300.0, 200.0, 500.0], "customers": [3.0, 2.0, 20.0],
                          "ltv": [400.0, 300.0, 100.0], "curve": ["hill", "hill", "power"],
                          "max_customers": [40.0, 30.0, None], "shape": [3.0, 2.2, None],
                          "elasticity": [None, None, 0.5], "min_buy_in": [None, 400.0, None]})
    budget = 1000.0
    result = optimize(frame, objective="value")
    table = read_channels(frame)

    def best_on(a_values, b_values):
        a, b = np.meshgrid(a_values, b_values, indexing="ij")
        c = budget - a - b
        ok = (c >= 0) & ((b == 0) | (b >= 400))
        value = sum(table.ltv[i] * table.curves.customers_along(i, v.ravel()).reshape(v.shape)
                    for i, v in enumerate((a, b, c)))
        k = np.argmax(np.where(ok, value, -np.inf))
        return float(value.ravel()[k]), float(a.ravel()[k]), float(b.ravel()[k])

    coarse = np.linspace(0, budget, 1001)
    _, a0, b0 = best_on(coarse, coarse)
    brute, _, _ = best_on(np.linspace(max(a0 - 2, 0), a0 + 2, 801),
                          np.unique(np.r_[0.0, np.linspace(max(b0 - 2, 400), b0 + 2, 801)]))
    assert result.gap <= 1e-4
    assert result.after.value >= brute * (1 - 1e-4)
    assert result.after.value <= brute * (1 + 1e-4)
