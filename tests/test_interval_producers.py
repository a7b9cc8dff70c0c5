"""The producers write intervals the optimizer reads: fit-curves, attribute --bootstrap, ltv and set-ltv."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import optimizer
from cli import app
from optimizer.fitting.fit import fit_curves
from optimizer.fitting.simulate import simulate_history
from optimizer.journeys.bootstrap import bootstrap_conversions
from optimizer.model.intervals import rescale

ROOT = Path(__file__).resolve().parents[1] / "scenarios"
runner = CliRunner()


def test_fit_curves_intervals_cover_the_true_elasticity_about_as_often_as_their_level():
    inside = 0
    for seed in range(10):
        fits = fit_curves(simulate_history({"Search": ("power", [2.0, 0.5])}, periods=30, noise=0.08, seed=seed))
        row = fits.table.iloc[0]
        assert row.curve == "power" and row.elasticity_low <= row.elasticity <= row.elasticity_high <= 1
        assert row.customers_low <= row.customers <= row.customers_high
        inside += row.elasticity_low <= 0.5 <= row.elasticity_high
    # 90 % intervals: 7 or more of 10 hold the truth with probability 0.99 (0.17 were they 50 % intervals)
    assert inside >= 7


def test_fitted_tables_with_intervals_plan_under_uncertainty(tmp_path):
    truths = {"Search": ("power", [2.0, 0.5]), "Social": ("saturating", [700.0, 60_000.0])}
    fits = fit_curves(simulate_history(truths, periods=40, noise=0.05, seed=3))
    assert {"max_customers_low", "max_customers_high", "interval_level"} <= set(fits.table.columns)
    result = optimizer.optimize(fits.table.assign(ltv=800.0), simulate=100)
    assert result.ok and {"elasticity", "max_customers", "customers"} & set(result.uncertainty.varies)


def test_bootstrap_intervals_contain_the_attributed_conversions_and_narrow_with_more_data():
    found = optimizer.analyze(ROOT / "journeys.csv", "markov")
    paths = found.paths
    frame, _ = bootstrap_conversions(paths, "markov", 1, (0.4, 0.2, 0.4), 60)
    got = found.attributed.set_index("channel")["conversions"]
    frame = frame.set_index("channel")
    assert (frame.customers_low <= got).all() and (got <= frame.customers_high).all()
    bigger = paths.__class__(paths.channels, paths.offsets, paths.flat, paths.conversions * 16, paths.value * 16,
                             paths.nulls * 16, paths.source)
    wide, _ = bootstrap_conversions(bigger, "markov", 1, (0.4, 0.2, 0.4), 60)
    # 16 times the journeys: relative widths shrink about 4 times (Poisson counts)
    ratio = ((wide.customers_high - wide.customers_low) / 16).to_numpy() / (
        frame.customers_high - frame.customers_low).to_numpy()
    assert np.median(ratio) == pytest.approx(0.25, abs=0.1)


def test_the_readme_chain_carries_intervals_from_journeys_and_transactions_to_the_plan(tmp_path):
    ltv, channels, plan = tmp_path / "ltv.csv", tmp_path / "channels.csv", tmp_path / "plan.csv"
    # an LTV table as `ltvcac ltv --confidence 0.8` writes it (that command is tested in test_cli)
    pd.DataFrame({"channel": ["Søk (paid search)", "TV", "Display"], "ltv": [1400.0, 1800.0, 900.0],
                  "ltv_low": [1250.0, 1500.0, 800.0], "ltv_high": [1600.0, 2100.0, 1000.0],
                  "interval_level": 0.8}).to_csv(ltv, index=False)
    got = runner.invoke(app, ["attribute", str(ROOT / "journeys.csv"), "--spend", str(ROOT / "spend.csv"), "--ltv",
                              str(ltv), "--bootstrap", "30", "--out", str(channels)])
    assert got.exit_code == 0, got.output
    table = pd.read_csv(channels).set_index("channel")
    source = pd.read_csv(ltv).set_index("channel")
    name = table.index[table.index.isin(source.index)][0]
    # the LTV interval restated at the bootstrap's 90 %, from the lognormal it was written at
    low, high = rescale(source.ltv[name], source.ltv_low[name], source.ltv_high[name], 0.8, 0.9)
    assert table.loc[name, ["ltv_low", "ltv_high"]].tolist() == pytest.approx([low, high])
    assert table.loc[name, "interval_level"] == 0.9 and table.loc[name, "customers_low"] > 0
    got = runner.invoke(app, ["optimize", str(channels), "--simulate", "200", "--out", str(plan)])
    assert got.exit_code == 0 and "of draws" in got.stdout, got.output
    assert {"spend_p05", "spend_p50", "spend_p95", "direction_agreement"} <= set(pd.read_csv(plan).columns)


def test_set_ltv_carries_the_interval_and_its_level(tmp_path):
    ltv = pd.DataFrame({"channel": ["TV", "Display"], "ltv": [2000.0, 1000.0], "ltv_low": [1700.0, 900.0],
                        "ltv_high": [2300.0, 1150.0], "interval_level": [0.95, 0.95]})
    table, _ = optimizer.set_ltv(ROOT / "channels.csv", ltv)
    rows = table.set_index("channel")
    assert rows.loc["TV", ["ltv", "ltv_low", "ltv_high", "interval_level"]].tolist() == [2000.0, 1700.0, 2300.0, 0.95]
    assert optimizer.read_channels(table).intervals is not None
