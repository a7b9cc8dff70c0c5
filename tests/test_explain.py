"""Frontier, charts and the HTML report: the data behind them, and that they are produced."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from optimizer import optimize
from optimizer.report.charts import allocation_data, curve_data, save_charts
from optimizer.report.html import render_report
from optimizer.whatif.frontier import frontier
from optimizer.whatif.scenario import load_scenario
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def front():
    return frontier(EXAMPLE, "-60%", "+100%", 15, target=3.5)


def test_frontier_value_never_falls_and_its_margin_never_rises(front):
    p = front.points
    assert (p.status == "optimal").all()
    assert (np.diff(p.value) >= -1e-6 * p.value.max()).all()
    assert (np.diff(p.marginal_value) <= 1e-6).all()  # concave curves, budget spent in full
    assert np.allclose(p.spend, p.budget)


def test_frontier_crossing_is_where_the_best_ratio_equals_the_target(front):
    assert front.crossing is not None
    at = optimize(EXAMPLE, budget=front.crossing, objective="value")
    assert at.after.ltv_cac == pytest.approx(3.5, rel=1e-5)
    assert front.points.ltv_cac.iloc[0] > 3.5 > front.points.ltv_cac.iloc[-1]


def test_frontier_points_match_single_optimizations(front):
    row = front.points.iloc[4]
    alone = optimize(EXAMPLE, budget=row.budget, objective="value")
    assert row.value == pytest.approx(alone.after.value, rel=1e-9)
    spend = alone.plan.set_index("channel").recommended_spend
    assert row["spend: TV"] == pytest.approx(spend["TV"], rel=1e-9)


def test_chart_data_is_the_plan(example):
    result = optimize(example)
    data = allocation_data(result)
    assert data.recommended_spend.sum() == pytest.approx(result.after.spend)
    assert list(data.recommended_spend) == sorted(data.recommended_spend, reverse=True)
    curves = curve_data(result)
    assert set(curves.channel) == set(result.plan.channel)
    search = curves[curves.channel == "Søk (paid search)"]
    assert np.interp(450_000, search.spend, search.customers) == pytest.approx(1500, rel=1e-3)


def test_charts_are_written_as_png_and_svg_of_the_expected_size(example, tmp_path):
    result = optimize(example)
    paths = save_charts(tmp_path, result, frontier(example, steps=5))
    assert {p.name for p in paths} == {f"{n}.{f}" for n in ("allocation", "curves", "frontier") for f in ("png", "svg")}
    with Image.open(tmp_path / "frontier.png") as image:
        assert image.size == (960, 600)  # 8 x 5 inches at 120 dpi
    with Image.open(tmp_path / "allocation.png") as image:
        assert image.size[0] == 960 and image.size[1] == int((0.45 * 10 + 1.5) * 120)
    assert (tmp_path / "curves.svg").read_text().lstrip().startswith("<?xml")


def test_html_report_is_self_contained_and_explains_every_channel(example):
    s = load_scenario(example.parent / "digital-floor.toml")
    result = s.run()
    page = render_report(result, "ltvcac: digital-floor", s.description, s.changes,
                         frontier(s.channels, steps=4, rules=list(s.rules), max_change=0.5))
    assert page.startswith("<!doctype html>") and page.count("<svg") == 3
    assert "<script" not in page and "<link" not in page and "src=" not in page
    for channel in result.plan.channel:
        assert channel in page
    assert "held by group &#x27;digital&#x27; at least 80% of spend" in page
    assert "What this scenario changes" in page


def test_frontier_keeps_every_setting_of_its_scenario():
    import pandas as pd

    from optimizer import Settings

    small = pd.DataFrame({"channel": ["A", "B", "C", "D"], "spend": [100.0, 80.0, 60.0, 40.0],
                          "customers": [10.0, 9.0, 7.0, 5.0], "ltv": [50.0, 50.0, 50.0, 50.0],
                          "curve": ["power"] * 4, "elasticity": [0.5, 0.6, 0.7, 0.8]})
    front = frontier(small, "-20%", "+20%", 2, target=1e6, settings=Settings(max_active=2, time_limit=30))
    spends = front.points.filter(like="spend: ")
    assert ((spends > 1e-6).sum(axis=1) <= 2).all()
    floored = frontier(small, "-20%", "+20%", 3, settings=Settings(min_ratio=50.0))
    assert set(floored.points["status"]) == {"infeasible"}
