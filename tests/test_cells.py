"""Plans over cells (channel x market x period): budgets per market, nested multipliers, flighting,
the direct HiGHS backend against PuLP, LP files of cells and the shadow price of a market budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer import GroupRule, optimize
from optimizer.model.dims import CellRule, DimBudget, Flighting
from optimizer.solve import backends
from tests.conftest import ROOT


def cells_frame(markets=3, channels=4, periods=5, seed=0, linear=False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for m in range(markets):
        for c in range(channels):
            base, cac, e = rng.uniform(2_000, 20_000), rng.uniform(40, 400), rng.uniform(0.3, 0.8)
            kind = "linear" if linear and c == 0 else ("power" if c % 2 else "saturating")
            for t in range(periods):
                s = round(base * rng.uniform(0.85, 1.15), 2)
                cust = round(s / cac * (1 + 0.2 * np.sin(t + c)), 3)
                rows.append(dict(channel=f"ch{c}", market=f"M{m}", period=f"2027-{t + 1:02d}", spend=s,
                                 customers=cust, ltv=round(rng.uniform(100, 1500), 2), curve=kind,
                                 elasticity=e if kind == "power" else None,
                                 max_customers=cust * 3 if kind == "saturating" else None,
                                 max_spend=2 * s if kind == "linear" else None))
    return pd.DataFrame(rows)


def test_cells_are_named_and_planned_with_their_dimensions():
    result = optimize(cells_frame(), objective="value")
    plan = result.plan
    assert plan["cell"].iloc[0] == "ch0 / M0 / 2027-01"
    assert list(plan.columns[:4]) == ["cell", "channel", "market", "period"]
    assert result.gap <= 1e-6


@pytest.mark.parametrize("seed", range(3), ids=lambda s: f"seed{s}")
def test_per_market_budgets_equal_independent_per_market_plans(seed):
    frame = cells_frame(seed=seed, linear=True)
    budgets = {"M0": 150_000.0, "M1": 90_000.0, "M2": 120_000.0}
    together = optimize(frame, objective="value", rules=[DimBudget("market", m, b) for m, b in budgets.items()])
    assert together.budget == pytest.approx(sum(budgets.values()))  # the total is the markets' sum
    for market, amount in budgets.items():
        alone = optimize(frame[frame.market == market].reset_index(drop=True), objective="value", budget=amount)
        mine = together.plan[together.plan.market == market].recommended_spend.to_numpy()
        assert np.allclose(mine, alone.plan.recommended_spend.to_numpy(), rtol=1e-6, atol=1e-3 * amount / len(mine))


@pytest.mark.parametrize("seed", range(4), ids=lambda s: f"seed{s}")
def test_nested_multipliers_equal_the_lp_path(seed):
    rng = np.random.default_rng(seed)
    frame = cells_frame(seed=seed, linear=seed % 2 == 0)
    today = frame.groupby("market").spend.sum()
    rules = [DimBudget("market", m, max=float(today[m] * rng.uniform(0.7, 1.1))) for m in today.index]
    rules.append(CellRule("cap", ("ch1",), where=(("market", ("M0",)),), max_spend=float(
        frame[(frame.market == "M0") & (frame.channel == "ch1")].spend.sum() * 0.8)))
    mode = "exact" if seed % 2 else "at-most"
    budget = 0.95 * min(frame.spend.sum(), sum(r.max for r in rules[:-1]))
    nested = optimize(frame, objective="value", rules=rules, budget_mode=mode, budget=budget)
    lp = optimize(frame, objective="value", rules=rules, budget_mode=mode, method="lp", budget=budget, tolerance=1e-9)
    assert nested.approach.value == "nested multipliers"
    assert nested.after.value == pytest.approx(lp.after.value, rel=1e-6)
    assert nested.gap <= 1e-9


def test_a_tree_of_group_caps_is_solved_without_an_lp():
    frame = cells_frame(markets=1, channels=6, periods=1).assign(market="all", period="2027-01")
    frame = frame.drop(columns=["market", "period"]).assign(channel=[f"c{i}" for i in range(6)])
    rules = [GroupRule("a", ("c0", "c1", "c2"), max_spend=20_000), GroupRule("a1", ("c0",), max_spend=4_000),
             GroupRule("b", ("c3", "c4"), max_share=0.2)]
    nested = optimize(frame, objective="value", rules=rules)
    lp = optimize(frame, objective="value", rules=rules, method="lp", tolerance=1e-9)
    assert nested.approach.value == "nested multipliers"
    assert nested.after.value == pytest.approx(lp.after.value, rel=1e-6)
    for name in ("group_a_max_spend", "group_b_max_share"):
        mine = {r.name: r.shadow_price for r in nested.rules}[name]
        theirs = {r.name: r.shadow_price for r in lp.rules}[name]
        assert mine == pytest.approx(theirs, rel=1e-3, abs=1e-6)


def test_flighting_limits_hold():
    frame = cells_frame(periods=8)
    result = optimize(frame, objective="value", max_period_change=0.05, rules=[DimBudget("market", "M0", "+30%")])
    plan = result.plan.sort_values(["channel", "market", "period"])
    for _, chain in plan.groupby(["channel", "market"]):
        x = chain.recommended_spend.to_numpy()
        assert np.all(np.abs(np.diff(x)) <= 0.05 * x[:-1] * (1 + 1e-6) + 1e-6)
    assert any(r.binding for r in result.rules if r.name.startswith("flight"))
    assert result.gap <= 1e-6


@pytest.mark.parametrize("seed", range(3), ids=lambda s: f"seed{s}")
def test_direct_highs_equals_pulp_highs_and_cbc(seed, monkeypatch):
    frame = cells_frame(seed=seed, periods=4)
    rules = [DimBudget("market", "M1", "-20%"), CellRule("share", ("ch2",), per="market", max_share=0.15),
             Flighting(0.3)]
    values = {}
    for name, backend in (("direct", backends.Highs()), ("pulp", backends.PulpHighs()), ("cbc", backends.Cbc())):
        monkeypatch.setitem(backends.BACKENDS, backends.Solver.highs, backend)
        values[name] = optimize(frame, objective="value", rules=rules, method="lp").after.value
    assert values["direct"] == pytest.approx(values["pulp"], rel=1e-6)
    assert values["direct"] == pytest.approx(values["cbc"], rel=1e-6)


def test_the_lp_file_of_cells_reads_cleanly_with_readable_names(tmp_path):
    path = tmp_path / "cells.lp"
    optimize(cells_frame(periods=3), objective="value", max_period_change=0.2, method="lp",
             rules=[DimBudget("market", "M0", 100_000)], lp_file=path)
    text = path.read_text()
    for name in ("spend_ch0_M0_2027_01", "budget_market_M0:", "flight_up_ch1_M2_2027_03:", "ch0_M0_2027_01_step1"):
        assert name in text
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    assert h.getNumCol() > 0 and h.getNumRow() > 0


def test_shadow_price_of_a_market_budget_equals_its_finite_difference():
    frame = cells_frame(seed=5)

    def value(amount):
        rules = [DimBudget("market", "M0", max=amount), DimBudget("market", "M1", max=80_000.0)]
        return optimize(frame, objective="value", budget_mode="at-most", budget=1e9, method="lp", tolerance=1e-9,
                        rules=rules)

    base = value(100_000.0)
    price = {r.name: r.shadow_price for r in base.rules}["budget_market_M0"]
    step = 10.0
    finite = (value(100_000.0 + step).after.value - value(100_000.0 - step).after.value) / (2 * step)
    assert price > 0
    assert price == pytest.approx(finite, rel=2e-3)


def test_the_markets_example_runs_and_keeps_its_market_budgets():
    from optimizer import load_scenario

    result = load_scenario(ROOT / "scenarios" / "markets.toml").run()
    assert result.ok and result.gap <= 1e-6
    by_market = result.plan.groupby("market").recommended_spend.sum()
    assert by_market["NO"] == pytest.approx(3_200_000, rel=1e-9)
    assert by_market["DK"] == pytest.approx(2_600_000, rel=1e-9)


def test_rules_over_dimensions_need_dimension_columns():
    from optimizer import UsageError

    with pytest.raises(UsageError, match="dimension"):
        optimize(ROOT / "scenarios" / "channels.csv", max_period_change=0.2)
