"""A frontier of a plain plan (the budget the only linking rule) is swept in closed form, every budget at
once: each point equals the plan that :func:`optimizer.optimize` finds for that budget on its own."""

from __future__ import annotations

import pytest

from optimizer import optimize, read_channels
from optimizer.whatif.frontier import frontier
from optimizer.whatif.sweep import sweepable


@pytest.mark.parametrize("options", [{}, {"max_change": 0.5}, {"fixed_costs": 100_000.0, "objective": "value"}],
                         ids=["plain", "max-change", "fixed-costs"])
def test_every_swept_point_is_the_plan_of_its_budget(example, options):
    table = read_channels(example)
    front = frontier(table, "-60%", "+80%", 8, 3.0, **options)
    for row in front.points.itertuples(index=False):
        alone = optimize(table, budget=row.budget, **options)
        assert row.status == alone.status.value
        if not alone.ok:
            continue
        spend = alone.plan.set_index("channel").recommended_spend
        points = front.points.set_index("budget").loc[row.budget]
        for name in table.names:
            assert points[f"spend: {name}"] == pytest.approx(spend[name], rel=1e-9, abs=1e-6 * row.budget)
        assert row.value == pytest.approx(alone.after.value, rel=1e-12)
        assert row.ltv_cac == pytest.approx(alone.after.ltv_cac, rel=1e-12)
        assert row.marginal_value == pytest.approx(alone.marginal_value, rel=1e-9)


def test_rules_and_floors_are_not_swept(example):
    table = read_channels(example)
    settings = optimize(table).settings
    assert sweepable(table, settings, [])
    assert not sweepable(table, settings.replace(min_ratio=3.0), [])
    assert not sweepable(table, settings.replace(budget_mode="at-most"), [])
