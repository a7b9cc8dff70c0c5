"""Active periods over cells (a channel on air in at least N periods of each market), and the charts of a
plan over cells: spend per channel, per market and per period, never a bar per cell."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import ActivePeriods, InputError, optimize, read_channels
from optimizer.model.dims import DimBudget
from optimizer.report.charts import dimension_data, save_charts
from optimizer.report.html import render_report
from optimizer.whatif.scenario import load_scenario
from tests.test_cells import cells_frame

WEAK = "ch2"  # a saturating curve: its first unit returns a finite amount, so it can be cut to zero


def weak_frame():
    """A table where one channel is so weak that, left alone, the plan cuts it to zero everywhere."""
    frame = cells_frame(markets=2, channels=3, periods=6)
    frame.loc[frame.channel == WEAK, "customers"] *= 0.01
    return frame


def test_a_weak_channel_is_cut_without_the_rule():
    plan = optimize(weak_frame(), objective="value").plan
    assert (plan[plan.channel == WEAK].recommended_spend < 1).all()


def test_min_active_periods_keeps_the_least_spend_in_the_periods_where_it_buys_most():
    frame = weak_frame()
    result = optimize(frame, objective="value", min_active_periods=4)
    assert result.status == "optimal" and result.approach.value == "refined MILP" and result.gap <= 1e-4
    table = read_channels(frame)
    plan = result.plan
    for market in ("M0", "M1"):
        mine = (frame.channel == WEAK) & (frame.market == market)
        level = max(0.01 * frame.spend[mine].mean(), 1.0)  # the rule's default: 1 % of the average, at least 1
        spend = plan.recommended_spend[mine].to_numpy()
        on = spend >= level * (1 - 1e-9)
        assert on.sum() == 4  # no more than it must: the channel is worth less than any other use of the budget
        assert np.allclose(spend[on], level, rtol=1e-6)  # and no more than the least spend in each
        # the periods kept are those where that least spend buys the most value (its best season)
        cells = np.flatnonzero(mine)
        bought = table.ltv[cells] * table.curves.subset(cells).customers(np.full(len(cells), level))
        assert set(np.flatnonzero(on)) == set(np.argsort(-bought)[:4])
    check = {r.name: r for r in result.rules}["min_active_periods"]
    assert check.binding and "at their least" in check.text


def test_a_rule_the_plan_keeps_anyway_needs_no_mixed_integer_model():
    frame = cells_frame(markets=2, channels=3, periods=6)
    plain = optimize(frame, objective="value")
    chain = [frame.channel, frame.market]  # the rule's default level: 1 % of a chain's average, at least 1
    level = np.maximum(0.01 * frame.groupby(chain).spend.transform("mean"), 1.0)
    least = int((plain.plan.recommended_spend >= level).groupby(chain).sum().min())
    assert 1 <= least < 6  # the plan without the rule is on air in at least this many periods of every chain
    kept = optimize(frame, objective="value", min_active_periods=least)
    assert kept.approach.value in ("closed form", "refined LP") and kept.gap <= 1e-4
    assert any("needs no mixed-integer model" in note for note in kept.notes)
    assert kept.after.value == pytest.approx(plain.after.value, rel=1e-6)
    # the same rule solved by the mixed-integer model (a weak channel forces it) reaches no better value
    forced = optimize(frame, objective="value", min_active_periods=least + 1)
    assert forced.approach.value == "refined MILP"
    assert forced.after.value <= kept.after.value * (1 + 1e-4)
    assert "min_active_periods" in {r.name for r in kept.rules}


def test_min_active_periods_for_some_channels_with_their_own_level():
    frame = weak_frame()
    rule = ActivePeriods(2, channels=(WEAK,), min_spend=500.0)
    plan = optimize(frame, objective="value", rules=[rule, DimBudget("market", "M0", "-10%")]).plan
    weak = plan[plan.channel == WEAK]
    assert (weak.groupby("market").recommended_spend.apply(lambda s: (s >= 500 * (1 - 1e-9)).sum()) == 2).all()


def test_more_active_periods_than_a_market_has_is_a_diagnosis_in_words():
    result = optimize(weak_frame(), objective="value", min_active_periods=7)
    assert result.status == "infeasible"
    assert any("at least 7 of its 6 periods: it has only 6" in d for d in result.diagnosis)


def test_a_scenario_sets_active_periods_under_flighting(tmp_path):
    frame = weak_frame()
    frame.to_csv(tmp_path / "cells.csv", index=False)
    (tmp_path / "s.toml").write_text('channels = "cells.csv"\nobjective = "value"\n'
                                     f'[[flighting]]\nchannel = "{WEAK}"\nmin_active_periods = 3\n'
                                     'active_spend = 200\n')
    plan = load_scenario(tmp_path / "s.toml").run().plan
    weak = plan[plan.channel == WEAK]
    assert (weak.groupby("market").recommended_spend.apply(lambda s: (s >= 200 * (1 - 1e-9)).sum()) == 3).all()
    (tmp_path / "bad.toml").write_text(f'channels = "cells.csv"\n[[flighting]]\nchannel = "{WEAK}"\n')
    with pytest.raises(InputError, match="give max_period_change or min_active_periods"):
        load_scenario(tmp_path / "bad.toml")


def test_charts_of_cells_sum_per_dimension_and_never_draw_a_bar_per_cell(tmp_path):
    frame = cells_frame(markets=3, channels=4, periods=5)
    result = optimize(frame, objective="value", rules=[DimBudget("market", "M1", "+20%")])
    plan = result.plan
    by_market = dimension_data(result, "market")
    expected = plan.groupby("market").recommended_spend.sum()
    assert dict(zip(by_market.market, by_market.recommended_spend, strict=True)) == pytest.approx(expected.to_dict())
    periods = dimension_data(result, "period")
    assert list(periods.period) == sorted(frame.period.unique())  # in time order, not by size
    few = dimension_data(result, "channel", most=2)  # 4 channels: the 2 with most spend or change, 2 summed
    assert len(few) == 3 and few.channel.iloc[-1] == "other 2 channels"
    assert few.recommended_spend.sum() == pytest.approx(plan.recommended_spend.sum())
    paths = save_charts(tmp_path, result, formats=("svg",))
    assert {p.name for p in paths} == {f"spend_by_{d}.svg" for d in ("channel", "market", "period")}
    page = render_report(result, "cells")
    assert page.count("<svg") == 3 and "Spend per market" in page
