"""Plans of many channels read well: 40 channels (most spend or change) and one row for the rest, every
channel in the CSV; numbers never run into each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer import optimize
from optimizer.report.charts import allocation_data, curve_data
from optimizer.report.html import _plan
from optimizer.report.text import format_result
from optimizer.report.top import TOP, rest_row, top_rows


@pytest.fixture(scope="module")
def wide():
    rng = np.random.default_rng(7)
    n = 120
    spend = rng.uniform(5_000, 200_000, n)
    table = pd.DataFrame({"channel": [f"ch{i:03d}" for i in range(n)], "spend": spend,
                          "customers": spend / rng.uniform(40, 600, n), "ltv": rng.uniform(100, 2_000, n),
                          "curve": "power", "elasticity": rng.uniform(0.3, 0.9, n)})
    return optimize(table)


def test_the_shown_channels_are_those_with_the_most_spend_or_change(wide):
    plan = wide.plan
    shown, rest = top_rows(plan)
    assert len(shown) == TOP and len(rest) == len(plan) - TOP and set(shown.channel).isdisjoint(rest.channel)
    change = (plan.recommended_spend - plan.current_spend).abs()
    assert set(plan.nlargest(TOP // 2, "recommended_spend").channel) <= set(shown.channel)
    assert set(plan.loc[change.nlargest(TOP // 2).index, "channel"]) <= set(shown.channel)
    assert list(shown.recommended_spend) == sorted(shown.recommended_spend, reverse=True)


def test_the_rest_is_one_row_whose_sums_are_the_channels_not_shown(wide):
    rest = top_rows(wide.plan)[1]
    row = rest_row(rest)
    assert row["channel"] == f"other {len(rest)} channels"
    assert row["recommended_spend"] == pytest.approx(rest.recommended_spend.sum())
    value = (rest.ltv * rest.recommended_customers).sum()
    assert row["recommended_ltv_cac"] == pytest.approx(value / rest.recommended_spend.sum())
    text = format_result(wide)
    assert text.count("\nch") == TOP and f"other {len(rest)} channels" in text
    data = allocation_data(wide)
    assert len(data) == TOP + 1 and data.recommended_spend.sum() == pytest.approx(wide.plan.recommended_spend.sum())
    assert curve_data(wide, most=12).channel.nunique() == 12
    page = _plan(wide)  # the report's plan table
    assert page.count("<tr><td>ch") == TOP and f"other {len(rest)} channels" in page


def test_small_plans_show_every_channel_in_their_own_order(example):
    plan = optimize(example).plan
    shown, rest = top_rows(plan)
    assert list(shown.channel) == list(plan.channel) and rest.empty


def test_large_amounts_stand_apart_in_the_terminal():
    table = pd.DataFrame({"channel": ["a", "b"], "spend": [4e9, 5e8], "customers": [1e6, 2e5], "ltv": [9e3, 8e3],
                          "curve": "power", "elasticity": [0.5, 0.6]})
    lines = format_result(optimize(table)).splitlines()
    value = next(line for line in lines if line.startswith("  value")).split("  ")
    cells = [c.strip() for c in value if c.strip()]
    assert cells[:2] == ["value (LTV)", "10 600 000 000"]  # 9 000 x 1e6 + 8 000 x 2e5, apart from its label
    a = next(line for line in lines if line.startswith("a "))
    assert [c.strip() for c in a.split("  ") if c.strip()][:3] == ["a", "power", "4 000 000 000"]
