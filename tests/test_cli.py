"""The ltvcac command through Typer's runner: outputs, exit codes, messages and help."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_optimize_example_writes_plan_summary_and_lp(example, tmp_path):
    out, summary, lp = tmp_path / "plan.csv", tmp_path / "s.json", tmp_path / "m.lp"
    result = run("optimize", example, "--out", out, "--summary-json", summary, "--lp-file", lp)
    assert result.exit_code == 0, result.output
    assert "LTV:CAC" in result.stdout and "Budget shadow price" in result.stdout
    plan = pd.read_csv(out)
    assert list(plan.columns[:16]) == [
        "channel", "curve", "current_spend", "recommended_spend", "change", "change_pct",
        "current_customers", "recommended_customers", "ltv", "current_cac", "recommended_cac",
        "marginal_cac", "current_ltv_cac", "recommended_ltv_cac", "marginal_ltv_cac", "bound"]
    assert "Søk (paid search)" in set(plan.channel)
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["status"] == "optimal" and data["after"]["ltv_cac"] > data["before"]["ltv_cac"]
    text = lp.read_text()
    assert "budget:" in text and "spend_Sok_paid_search" in text and "spend_Paverkere_influencers" in text


def test_bad_input_exits_1_with_every_problem_and_writes_nothing(write, tmp_path):
    bad = write("bad.csv", "channel,spend,customers,ltv\nA,abc,1,5\nA,10,1,-1\n")
    out = tmp_path / "plan.csv"
    result = run("optimize", bad, "--out", out)
    assert result.exit_code == 1
    assert "line 2, channel 'A', column 'spend': 'abc' is not a number" in result.stderr
    assert "line 3, channel 'A', column 'ltv'" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_infeasible_exits_3_with_diagnosis_and_no_plan(write, tmp_path):
    path = write("t.csv", "channel,spend,customers,ltv,min_spend\nA,100,10,30,90\nB,100,10,30,90\n")
    out = tmp_path / "plan.csv"
    result = run("optimize", path, "--budget", "150", "--out", out)
    assert result.exit_code == 3
    assert "the minimum spends add up to 180 but the budget is 150" in result.stderr
    assert not out.exists()


def test_relative_budget_and_options(example):
    result = run("optimize", example, "--budget=-20%", "--objective", "profit", "--budget-mode", "at-most",
                 "--max-change", "0.5", "--solver", "cbc", "--method", "lp")
    assert result.exit_code == 0, result.output
    assert "budget 1 576 000" in result.stdout


def test_bad_options_exit_2(example):
    assert run("optimize", example, "--objective", "roi").exit_code == 2
    result = run("optimize", example, "--budget", "lots")
    assert result.exit_code == 2 and "'lots' is not an amount" in result.stderr


def test_output_in_a_missing_folder_creates_it(example, tmp_path):
    target = tmp_path / "out" / "plans" / "plan.csv"
    result = run("optimize", example, "--out", target, "-q")
    assert result.exit_code == 0 and target.exists() and f"Wrote {target}" in result.stdout


def test_output_under_a_file_fails_before_solving(example, tmp_path):
    (tmp_path / "taken").write_text("x")
    result = run("optimize", example, "--out", tmp_path / "taken" / "plan.csv")
    assert result.exit_code == 1 and "is a file, not a folder" in result.stderr


def test_formula_like_names_are_escaped_and_decimal_comma(write, tmp_path):
    path = write("t.csv", "channel,spend,customers,ltv\n=HYPERLINK(1),100,10,30\n@bad,100,5,30\n")
    out = tmp_path / "plan.csv"
    assert run("optimize", path, "--out", out, "--decimal-comma", "-q").exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "'@bad" in text and ";" in text.splitlines()[0]
    plan = pd.read_csv(out, sep=";", decimal=",", encoding="utf-8-sig")
    assert plan.recommended_spend.sum() == pytest.approx(200)


def test_validate_reports_each_file(example, write):
    bad = write("bad.csv", "channel,spend\nA,1\n")
    result = run("validate", example, bad)
    assert result.exit_code == 1
    assert "channels.csv: OK, 10 channels" in result.stdout
    assert "required column 'ltv' is missing" in result.stderr


def test_solvers_reports_what_truly_works(monkeypatch):
    from optimizer.solve import backends

    result = run("solvers")
    assert result.exit_code == 0
    working = {line.split(":")[0] for line in result.stdout.splitlines() if line.endswith(": works")}
    assert working == {name.value for name, b in backends.BACKENDS.items() if b.check() is None}
    monkeypatch.setattr(backends.Cbc, "available", lambda self: False)  # as if PuLP's CBC were missing
    result = run("solvers")
    assert "cbc: not installed" in result.stdout


def test_a_solver_that_fails_its_check_is_reported_with_the_reason(monkeypatch):
    from optimizer.solve import backends

    def broken(self, model, time_limit=None, mip_gap=None):
        raise RuntimeError("binary missing")

    monkeypatch.setattr(backends.Cbc, "solve", broken)
    assert "cbc: installed but failed (binary missing)" in run("solvers").stdout


def test_messages_name_the_flags_on_the_command_line_and_the_parameters_in_python(write):
    table = write("t.csv", "channel,spend,customers,ltv,curve,elasticity\nA,100,10,50,power,0.5\n")
    result = run("optimize", table, "--budget-mode", "at-most")
    assert result.exit_code == 2 and "--fixed-costs" in result.stderr and "`" not in result.stderr
    from optimizer import UsageError, optimize

    with pytest.raises(UsageError, match="`fixed_costs`"):
        optimize(table, budget_mode="at-most")


def test_outputs_under_an_existing_file_fail_before_any_work(example, write, tmp_path):
    blocker = write("file.txt", "not a folder")
    for args in (["optimize", example, "--plot", blocker / "charts"], ["run", SCENARIOS[0], "--out-dir", blocker / "out"],
                 ["fit-curves", example, "--out", tmp_path / "fits.csv", "--plot", blocker / "charts"]):
        result = run(*args)
        assert result.exit_code == 1, args
        assert "is a file, not a folder" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "fits.csv").exists()


def test_an_output_that_is_also_an_input_is_refused(example, tmp_path):
    copy = tmp_path / "channels.csv"
    copy.write_bytes(example.read_bytes())
    result = run("optimize", copy, "--out", copy)
    assert result.exit_code == 1 and "is also an input" in result.stderr
    assert copy.read_bytes() == example.read_bytes()


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("ltvcac ")


def _commands():
    group = get_command(app)
    return [(name, cmd) for name, cmd in group.commands.items()]


@pytest.mark.parametrize("name, command", _commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_and_option_has_help(name, command):
    assert command.help, f"{name} has no help"
    for param in command.params:  # options and arguments alike carry help in Typer
        assert getattr(param, "help", None), f"{name} {param.name} has no help"
    assert run(name, "-h").exit_code == 0


SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))


def test_all_example_scenarios_run_and_only_the_infeasible_one_fails(tmp_path):
    result = run("run", *SCENARIOS, "--out-dir", tmp_path)
    assert result.exit_code == 3, result.output
    assert "0 failed, 1 infeasible: infeasible-tv-contract" in result.stderr
    written = {p.name for p in tmp_path.iterdir()}
    for path in SCENARIOS:
        assert f"{path.stem}.summary.json" in written
        assert (f"{path.stem}.plan.csv" in written) == (path.stem != "infeasible-tv-contract")


def test_infeasible_example_alone_exits_3_with_its_diagnosis(tmp_path):
    result = run("run", SCENARIOS[0].parent / "infeasible-tv-contract.toml", "--out-dir", tmp_path)
    assert result.exit_code == 3
    assert "the minimum spends add up to 1 206 000 but the budget is 985 000" in result.stderr
    summary = json.loads((tmp_path / "infeasible-tv-contract.summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "infeasible" and summary["changes"]


def test_run_keeps_going_past_a_broken_scenario_and_exits_1(write, tmp_path):
    broken = write("broken.toml", 'channels = "nope.csv"\n')
    good = SCENARIOS[0].parent / "budget-cut.toml"
    result = run("run", broken, good, "--out-dir", tmp_path / "o")
    assert result.exit_code == 1
    assert "broken: Error:" in result.stderr and "nope.csv" in result.stderr
    assert (tmp_path / "o" / "budget-cut.plan.csv").exists()


def test_run_single_scenario_prints_its_changes_and_command_line_wins(tmp_path):
    result = run("run", SCENARIOS[0].parent / "budget-cut.toml", "--out-dir", tmp_path, "--max-change", "0.3")
    assert result.exit_code == 0, result.output
    assert "budget: 1 970 000 -> 1 576 000 (budget-cut.toml)" in result.stdout
    assert "max_change: 0.5 -> 0.3 (command line)" in result.stdout


def test_compare_prints_and_writes_the_side_by_side_table(tmp_path):
    out = tmp_path / "cmp.csv"
    names = ["baseline.toml", "budget-cut.toml", "tv-cac-shock.toml"]
    result = run("compare", *(SCENARIOS[0].parent / n for n in names), "--out", out)
    assert result.exit_code == 0, result.output
    assert "ltv_cac" in result.stdout and "spend: TV" in result.stdout
    table = pd.read_csv(out).set_index("figure")
    assert list(table.columns) == ["baseline", "budget-cut", "tv-cac-shock"]
    assert float(table.loc["spend", "budget-cut"]) == pytest.approx(1_576_000)


def test_validate_checks_scenarios_too(write):
    bad = write("bad.toml", 'extends = "nowhere.toml"\nbudjet = 3\n')
    result = run("validate", SCENARIOS[0].parent / "digital-floor.toml", bad)
    assert result.exit_code == 1
    assert "digital-floor.toml: OK, scenario over 10 channels" in result.stdout
    assert "did you mean 'budget'" in result.stderr


def test_ltv_command_writes_a_table_that_set_ltv_puts_into_the_channel_table(tmp_path):
    root = Path(__file__).resolve().parents[1] / "scenarios"
    out, channels = tmp_path / "ltv.csv", tmp_path / "channels.csv"
    result = run("ltv", root / "transactions.csv", "--acquisition", root / "acquisition.csv", "--horizon", "24",
                 "--unit", "months", "--discount", "0.01", "--margin", "0.3", "--out", out)
    assert result.exit_code == 0, result.output
    assert "90% interval" in result.stdout and "returns" in result.stdout
    ltv = pd.read_csv(out)
    assert {"channel", "ltv", "ltv_low", "ltv_high", "fit"} <= set(ltv.columns) and (ltv.interval_level == 0.9).all()
    result = run("set-ltv", root / "channels.csv", out, "--out", channels)
    assert result.exit_code == 0 and "no LTV for 'Connected TV'" in result.stderr
    merged = pd.read_csv(channels).set_index("channel")
    assert merged.loc["TV", "ltv"] == pytest.approx(ltv.set_index("channel").loc["TV", "ltv"])
    assert merged.loc["TV", "ltv_high"] == pytest.approx(ltv.set_index("channel").loc["TV", "ltv_high"])
    assert run("optimize", channels, "-q").exit_code == 0


def test_ltv_command_reports_bad_input(write, tmp_path):
    log = write("log.csv", "customer_id,date,amount\na,2024-01-01,10\n")
    acq = write("acq.csv", "customer_id,channel\nb,X\n")
    result = run("ltv", log, "--acquisition", acq, "--out", tmp_path / "x.csv")
    assert result.exit_code == 1 and "no acquisition channel" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_plan_csv_explains_each_channel(example, tmp_path):
    out = tmp_path / "plan.csv"
    assert run("optimize", example, "--out", out, "-q").exit_code == 0
    plan = pd.read_csv(out).set_index("channel")
    assert {"held_by", "limit_shadow_price", "reason", "ltv_range_low", "ltv_range_high",
            "cac_range_low", "cac_range_high"} <= set(plan.columns)
    assert plan.loc["Affiliates", "held_by"] == "max_spend"
    assert plan.loc["Affiliates", "reason"].startswith("capped by its max_spend (200 000)")


def test_frontier_command_writes_points_and_charts(example, tmp_path):
    out, charts = tmp_path / "front.csv", tmp_path / "charts"
    result = run("frontier", example, "--from=-50%", "--to=+50%", "--steps", "6", "--target", "3.5",
                 "--out", out, "--plot", charts)
    assert result.exit_code == 0, result.output
    assert "The best LTV:CAC reaches 3.5x at a budget of" in result.stdout
    points = pd.read_csv(out)
    assert len(points) == 6 and "spend: TV" in points.columns
    assert {p.name for p in charts.iterdir()} >= {"channels.frontier.png", "channels.allocation.svg"}


def test_report_command_writes_one_html_page(tmp_path):
    root = Path(__file__).resolve().parents[1] / "scenarios"
    out = tmp_path / "report.html"
    result = run("report", root / "baseline.toml", "--out", out, "--no-frontier")
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and "Søk (paid search)" in page
    result = run("report", root / "infeasible-tv-contract.toml", "--out", tmp_path / "bad.html")
    assert result.exit_code == 3 and "minimum spends add up to" in (tmp_path / "bad.html").read_text()


def test_every_command_names_its_charts_after_its_input(example, tmp_path):
    """One rule for --plot: NAME.CHART.png and .svg, NAME the channel table's or scenario's name."""
    assert run("optimize", example, "-q", "--plot", tmp_path / "a").exit_code == 0
    assert {p.name for p in (tmp_path / "a").iterdir()} == {
        "channels.allocation.png", "channels.allocation.svg", "channels.curves.png", "channels.curves.svg"}



def test_written_files_are_readable_by_others(example, tmp_path):
    out = tmp_path / "plan.csv"
    run("optimize", example, "-q", "--out", out)
    assert out.stat().st_mode & 0o044  # not the 0600 of a temporary file


def test_attribute_writes_a_channel_table_the_optimizer_reads(tmp_path):
    root = Path(__file__).resolve().parents[1] / "scenarios"
    out, models, stats = tmp_path / "channels.csv", tmp_path / "models.csv", tmp_path / "stats"
    result = run("attribute", root / "journeys.csv", "--model", "markov", "--spend", root / "spend.csv",
                 "--out", out, "--compare-models", models, "--stats-dir", stats)
    assert result.exit_code == 0, result.output
    assert "markov_order1" in result.stdout and "Most common converting paths" in result.stdout
    table = pd.read_csv(out)
    assert {"channel", "spend", "customers", "ltv", "curve"} <= set(table.columns)
    assert table.customers.sum() == pytest.approx(pd.read_csv(models).markov_order1.sum())
    assert {p.name for p in stats.iterdir()} == {"channels.csv", "lengths.csv", "top_paths.csv", "transitions.csv",
                                                 "days_to_conversion.csv"}
    assert "Days from first touch to conversion: median" in result.stdout
    assert run("optimize", out, "-q").exit_code == 0


def test_attribute_rejects_bad_weights_and_time_decay_on_paths(write):
    paths = write("p.csv", "path,total_conversions,total_null\na > b,3,1\nb,1,2\n")
    assert run("attribute", paths, "--weights", "half").exit_code == 2
    result = run("attribute", paths, "--model", "time_decay")
    assert result.exit_code == 1 and "time decay needs timestamps" in result.stderr


def test_fit_curves_writes_a_channel_table_and_a_chart(tmp_path):
    from optimizer.fitting.simulate import simulate_history

    history = tmp_path / "history.csv"
    simulate_history({"Search": ("power", [2.0, 0.5]), "TV": ("hill", [900.0, 80_000.0, 2.5])}, seed=3).to_csv(
        history, index=False)
    out, charts = tmp_path / "channels.csv", tmp_path / "charts"
    result = run("fit-curves", history, "--out", out, "--plot", charts)
    assert result.exit_code == 0, result.output
    assert "Chosen by the lowest AIC" in result.stdout
    table = pd.read_csv(out).set_index("channel")
    assert table.loc["TV", "curve"] == "hill" and table.loc["Search", "curve"] == "power"
    assert {p.name for p in charts.iterdir()} == {"history.fits.png", "history.fits.svg"}
    assert run("optimize", out, "-q").exit_code == 0


def test_optimize_with_buy_ins_and_max_active(write):
    path = write("s.csv", "channel,spend,customers,ltv,curve,elasticity,max_customers,shape,min_buy_in\n"
                          "Search,950,60,100,power,0.5,,,\nTV,50,0.1,400,hill,,80,3,300\nPod,100,5,200,power,0.6,,,5000\n")
    result = run("optimize", path, "--max-active", "2", "--time-limit", "60")
    assert result.exit_code == 0, result.output
    assert "mixed-integer model" in result.stdout and "min (min_buy_in (off))" in result.stdout


def test_a_command_says_when_it_replaces_a_file(tmp_path):
    """report and run write to out/ by default, so they say "Replaced" for a file that was there (report goes
    through the same check; its charts make it too slow to run twice here)."""
    scenario = SCENARIOS[0].parent / "budget-cut.toml"
    first = run("run", scenario, "--out-dir", tmp_path, "-q")
    second = run("run", scenario, "--out-dir", tmp_path, "-q")
    assert first.exit_code == second.exit_code == 0
    plan = tmp_path / "budget-cut.plan.csv"
    assert f"Wrote {plan}" in first.stdout and f"Replaced {plan}" in second.stdout


def test_a_channel_table_stands_for_a_scenario_in_compare(example):
    result = run("compare", example, example.parent / "budget-cut.toml")
    assert result.exit_code == 0 and "channels" in result.stdout and "budget-cut" in result.stdout
