"""How sure a plan is, on the command line: outputs, charts, the report, scenarios and bad options."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def uncertain(example, tmp_path):
    frame = pd.read_csv(example)
    frame["ltv_low"], frame["ltv_high"] = frame.ltv * 0.8, frame.ltv * 1.25
    path = tmp_path / "channels.csv"
    frame.to_csv(path, index=False)
    return path


def test_simulate_writes_stability_columns_and_summary(uncertain, tmp_path):
    out, summary = tmp_path / "plan.csv", tmp_path / "s.json"
    result = run("optimize", uncertain, "--simulate", "300", "--target", "3.6", "--seed", "4", "--out", out,
                 "--summary-json", summary)
    assert result.exit_code == 0, result.output
    assert "Over 300 draws from the channel table's 90 % intervals (seed 4); ltv varies:" in result.stdout
    assert "reaches 3.6x" in result.stdout and "Display: cut in" in result.stdout
    plan = pd.read_csv(out)
    assert list(plan.columns[-4:]) == ["spend_p05", "spend_p50", "spend_p95", "direction_agreement"]
    data = json.loads(summary.read_text(encoding="utf-8"))["uncertainty"]
    assert data["draws"] == 300 and set(data["plans"]) == {"today", "recommended"} and len(data["stability"]) == 10


def test_a_cvar_plan_states_its_price_of_safety(uncertain, tmp_path):
    summary = tmp_path / "s.json"
    result = run("optimize", uncertain, "--risk", "cvar:0.1", "--simulate", "300", "--summary-json", summary)
    assert result.exit_code == 0, result.output
    assert "rounds of the risk LP over 300 draws" in result.stdout and "Price of safety (cvar:0.1)" in result.stdout
    price = json.loads(summary.read_text(encoding="utf-8"))["uncertainty"]["price_of_safety"]
    assert price["tail_gained"] >= -1e-9 * abs(price["tail_point"]) and price["tail_share"] == 0.1


@pytest.mark.parametrize("value, words", [("cvar:2", "--risk 'cvar:2'"), ("var", "unknown risk measure 'var'")],
                         ids=["share", "word"])
def test_bad_risk_options_exit_2_naming_the_flag(uncertain, value, words):
    result = run("optimize", uncertain, "--risk", value)
    assert result.exit_code == 2 and words in result.stderr


def test_report_frontier_and_run_take_the_same_options(uncertain, tmp_path):
    page = tmp_path / "r.html"
    assert run("report", uncertain, "--simulate", "100", "--no-frontier", "--out", page).exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert "How sure is this plan" in text and "LTV:CAC over the draws" in text and text.count("<svg") == 4
    result = run("frontier", uncertain, "--steps", "2", "--risk", "expected", "--simulate", "50", "--target", "50")
    assert result.exit_code == 0 and "stays below 50x" in result.stdout, result.output
    scenario = tmp_path / "risky.toml"
    scenario.write_text(f'channels = "{uncertain.name}"\nrisk = "expected"\nsimulate = 50\n', encoding="utf-8")
    result = run("run", scenario, "--out-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "risky.summary.json").read_text(encoding="utf-8"))
    assert data["uncertainty"]["risk"] == "expected" and data["uncertainty"]["draws"] == 50
