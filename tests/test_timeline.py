"""Value over time: ltv --timeline against the true generating parameters, set-ltv's value columns, bad input,
and payback in scenarios, frontiers and comparisons."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1
from typer.testing import CliRunner

from cli import app
from optimizer import InputError, read_channels
from optimizer.ltv.estimate import LtvSettings, estimate_ltv
from optimizer.ltv.simulate import ChannelTruth, simulate
from optimizer.ltv.timeline import payback_from_timeline, value_columns
from optimizer.ltv.transactions import read_acquisition, read_transactions

runner = CliRunner()
TRUTH = {"Search": ChannelTruth(4000, 0.30, 5.0, 0.8, 2.8, 6.0, 4.0, 30.0)}  # weeks; mean spend 60
WEEKS_A_MONTH = 365.25 / 12 / 7


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def true_value_by_month(t: ChannelTruth, months: np.ndarray, margin: float, discount: float) -> np.ndarray:
    """Fader, Hardie and Lee (2005) eq. 9, typed again: E[X(t)] repeat purchases; the first purchase at 0."""
    def repeat(weeks):
        return (t.a + t.b - 1) / (t.a - 1) * (1 - (t.alpha / (t.alpha + weeks)) ** t.r
                                              * hyp2f1(t.r, t.b, t.a + t.b - 1, weeks / (t.alpha + weeks)))

    spend = t.p * t.gamma / (t.q - 1)
    out = []
    for m in months:
        k = np.arange(1, m + 1)
        gained = repeat(k * WEEKS_A_MONTH) - repeat((k - 1) * WEEKS_A_MONTH)
        out.append(margin * (spend + spend * float(gained @ (1 + discount) ** -k)))
    return np.array(out)


@pytest.fixture(scope="module")
def synthetic_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("log")
    log, acq = simulate(TRUTH, acquisition_units=26, observe_units=104, seed=5)
    log.to_csv(folder / "t.csv", index=False, date_format="%Y-%m-%d")
    acq.to_csv(folder / "a.csv", index=False)
    return folder


def test_payback_from_the_ltv_timeline_matches_the_true_parameters_within_its_interval(synthetic_files):
    folder = synthetic_files
    result = run("ltv", folder / "t.csv", "--acquisition", folder / "a.csv", "--horizon", 24, "--unit", "months",
                 "--discount", 0.01, "--margin", 0.3, "--timeline", folder / "timeline.csv")
    assert result.exit_code == 0, result.output
    assert "Cumulative value per new customer by the end of each month" in result.stdout
    timeline = pd.read_csv(folder / "timeline.csv")
    true = true_value_by_month(TRUTH["Search"], np.arange(25), 0.3, 0.01)
    for month in (3, 6, 12):  # a CAC that the true customers pay back in exactly this many months
        found = payback_from_timeline(timeline, float(true[month])).iloc[0]
        assert found.payback_low <= month <= found.payback_high, (month, found.to_dict())
        assert found.payback == pytest.approx(month, abs=0.25 * month)


@pytest.mark.parametrize("model", ["bgnbd", "cohort", "simple"])
def test_every_model_gives_a_rising_timeline_that_ends_at_its_ltv(synthetic_files, model):
    settings = LtvSettings(model=model, horizon=12, unit="months", discount=0.01, margin=0.3, bootstrap=20)
    found = estimate_ltv(read_transactions(synthetic_files / "t.csv"), read_acquisition(synthetic_files / "a.csv"),
                         settings)
    timeline, ltv = found.timeline, found.table.iloc[0]
    assert timeline.period.tolist() == list(range(13)) and set(timeline.unit) == {"months"}
    for column in ("cumulative_value", "low", "high"):
        assert (np.diff(timeline[column]) >= 0).all(), column
    assert (timeline.low <= timeline.cumulative_value).all() and (timeline.cumulative_value <= timeline.high).all()
    last = timeline.iloc[-1]
    assert (last.cumulative_value, last.low, last.high) == pytest.approx((ltv.ltv, ltv.ltv_low, ltv.ltv_high))
    assert 0 < timeline.cumulative_value.iloc[0] < timeline.cumulative_value.iloc[1]


def test_set_ltv_writes_value_columns_at_months_from_a_weekly_timeline(write, tmp_path):
    weeks = np.arange(0, 105)
    timeline = pd.DataFrame({"channel": "A", "period": weeks, "cumulative_value": 10.0 * weeks,
                             "low": 8.0 * weeks, "high": 12.0 * weeks, "unit": "weeks"})
    timeline.to_csv(tmp_path / "timeline.csv", index=False)
    channels = write("c.csv", "channel,spend,customers,ltv\nA,100,10,30\nB,100,5,40\n")
    ltv = write("ltv.csv", "channel,ltv\nA,900\n")
    out = tmp_path / "out.csv"
    result = run("set-ltv", channels, ltv, "--timeline", tmp_path / "timeline.csv", "--months", "0,3,12", "--out", out)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out).set_index("channel")
    assert table.loc["A", "value_3m"] == pytest.approx(10 * 3 * WEEKS_A_MONTH)
    assert table.loc["A", "value_12m"] == pytest.approx(10 * 12 * WEEKS_A_MONTH)
    assert np.isnan(table.loc["B", "value_12m"]) and "no value timeline for 'B'" in result.stderr
    assert read_channels(out).timeline.horizon.tolist()[0] == 12
    defaults = [c for c in value_columns(timeline, "weeks").columns if c != "channel"]  # 104 weeks: 23.9 months
    assert defaults == [f"value_{m}m" for m in (*range(13), 15, 18, 21)]


def test_a_timeline_that_falls_or_has_no_unit_is_refused_and_nothing_written(write, tmp_path):
    channels = write("c.csv", "channel,spend,customers,ltv\nA,100,10,30\n")
    ltv = write("ltv.csv", "channel,ltv\nA,900\n")
    falls = write("t.csv", "channel,period,cumulative_value,unit\nA,0,10,months\nA,1,30,months\nA,2,25,months\n")
    out = tmp_path / "out.csv"
    result = run("set-ltv", channels, ltv, "--timeline", falls, "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert ("line 4, channel 'A', column 'cumulative_value': cumulative_value 25 at period 2 is below 30 at period 1"
            in result.stderr)
    no_unit = write("u.csv", "channel,period,cumulative_value\nA,0,10\n")
    assert "column 'unit' is missing" in run("set-ltv", channels, ltv, "--timeline", no_unit, "--out", out).stderr


def test_bad_payback_columns_are_all_reported_and_nothing_is_written(write, tmp_path):
    misnamed = write("m.csv", "channel,spend,customers,ltv,value_6\nA,100,10,30,20\n")
    out = tmp_path / "plan.csv"
    result = run("optimize", misnamed, "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert "column 'value_6': unknown column 'value_6'; value timeline columns are named value_<N>m" in result.stderr
    bad = write("bad.csv", "channel,spend,customers,ltv,value_3m,value_12m,max_payback,organic_customers\n"
                           "A,100,10,30,20,15,,\n"
                           "B,100,10,30,5,20,24,\n"
                           "C,100,10,30,,,6,-3\n")
    result = run("optimize", bad, "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert "4 problems found, nothing was written" in result.stderr
    with pytest.raises(InputError) as info:
        read_channels(bad)
    text = str(info.value)
    assert "line 2, channel 'A', column 'value_12m': 15 is below value_3m (20); cumulative value" in text
    assert "line 3, channel 'B', column 'max_payback': 24 months is beyond the channel's value timeline (its last " \
           "column is value_12m)" in text
    assert "line 4, channel 'C', column 'max_payback': max_payback needs the channel's value over time" in text
    assert "line 4, channel 'C', column 'organic_customers': -3 is negative" in text


def test_command_line_payback_and_organic_options_reach_every_output(write, tmp_path):
    cells = ",".join(f"value_{m}m" for m in (0, 6, 12, 24))
    table = write("c.csv", f"channel,spend,customers,ltv,curve,elasticity,{cells}\n"
                           "A,1000,10,500,power,0.5,50,200,350,500\nB,1000,20,200,power,0.7,80,140,180,200\n")
    out, summary = tmp_path / "plan.csv", tmp_path / "s.json"
    result = run("optimize", table, "--max-payback", 12, "--organic-customers", 50, "--organic-ltv", 100,
                 "--out", out, "--summary-json", summary)
    assert result.exit_code == 0, result.output
    assert "Payback: months until a new customer's cumulative value covers its CAC" in result.stdout
    assert "LTV:CAC paid" in result.stdout and "blended" in result.stdout
    plan = pd.read_csv(out)
    assert {"current_payback_months", "recommended_payback_months", "marginal_payback_months"} <= set(plan.columns)
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["max_payback"] == 12 and data["payback"]["recommended_months"] <= 12 + 1e-6
    assert data["after"]["blended_ltv_cac"] > data["after"]["ltv_cac"]
    assert [r["name"] for r in data["rules"]] == ["max_payback"]
    too_long = run("optimize", table, "--max-payback", 30, "--out", out)
    assert too_long.exit_code == 2 and "--max-payback 30 months is beyond the value timeline" in too_long.stderr


def test_scenarios_frontier_and_comparison_carry_payback(write, tmp_path):
    cells = ",".join(f"value_{m}m" for m in (0, 6, 12, 24))
    write("c.csv", f"channel,spend,customers,ltv,curve,elasticity,{cells}\n"
                   "A,1000,10,500,power,0.5,50,200,350,500\nB,1000,20,200,power,0.7,80,140,180,200\n")
    base = write("base.toml", 'channels = "c.csv"\nmax_payback = 12\norganic_customers = 10\norganic_ltv = 90\n')
    better = write("better.toml", 'extends = "base.toml"\n[[adjust]]\nchannel = "A"\nltv = "+20%"\n'
                                  '[[add]]\nchannel = "C"\nspend = 500\ncustomers = 5\nltv = 300\nvalue_12m = 250\n'
                                  'value_24m = 300\n')
    result = run("compare", base, better, "--out", tmp_path / "cmp.csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "cmp.csv").set_index("figure")
    assert {"payback_months", "cac", "blended_ltv_cac", "blended_cac"} <= set(frame.index)
    a = run("run", better, "--out-dir", tmp_path / "out")
    assert "A: ltv 500 -> 600 (value timeline scaled with it)" in a.stdout
    front = run("frontier", base, "--steps", 3, "--out", tmp_path / "f.csv")
    assert front.exit_code == 0, front.output
    points = pd.read_csv(tmp_path / "f.csv")
    assert {"payback_months", "blended_ltv_cac"} <= set(points.columns)
    assert (points.payback_months.dropna() <= 12 + 1e-6).all()
