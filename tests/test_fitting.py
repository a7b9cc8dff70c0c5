"""Curves fitted from history: recovery of known curves, adstock, bad input, extrapolation warning."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import InputError, optimize, read_channels
from optimizer.fitting.fit import fit_curves, model_customers
from optimizer.fitting.simulate import simulate_history

TRUTH = {"Search": ("power", [2.0, 0.5]), "TV": ("hill", [900.0, 80_000.0, 2.5]),
         "Social": ("saturating", [700.0, 60_000.0]), "Affiliates": ("linear", [0.004])}


@pytest.mark.parametrize("decay", [0.0, 0.3])
def test_chosen_curves_follow_the_true_ones_where_data_exists(decay):
    fits = fit_curves(simulate_history(TRUTH, periods=60, noise=0.05, seed=1, adstock=decay), adstock=decay)
    chosen = fits.candidates.merge(fits.table[["channel", "curve"]], on=["channel", "curve"])
    for channel, (kind, params) in TRUTH.items():
        row = chosen[chosen.channel == channel].iloc[0]
        seen = fits.history[fits.history.channel == channel].effective_spend
        a = np.linspace(seen.min(), seen.max(), 50)
        got = model_customers(row.curve, np.array([row.p1, row.p2, row.p3]), a)
        true = model_customers(kind, np.array(params + [np.nan] * (3 - len(params))), a)
        # 5 % noise a period: the fit is least sure at the sparse ends of the range, so allow 10 %
        assert np.max(np.abs(got / true - 1)) < 0.10, channel
        assert row.r2 > 0.85


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_s_curve_is_recognised_and_its_parameters_recovered(seed):
    fits = fit_curves(simulate_history({"TV": TRUTH["TV"], "Affiliates": TRUTH["Affiliates"]}, periods=60,
                                       noise=0.05, seed=seed))
    chosen = fits.candidates.merge(fits.table[["channel", "curve"]], on=["channel", "curve"]).set_index("channel")
    assert chosen.loc["TV", "curve"] == "hill" and chosen.loc["Affiliates", "curve"] == "linear"
    # the maximum lies beyond the observed spend, so it is the least certain of the three
    assert [chosen.loc["TV", p] for p in ("p1", "p2", "p3")] == pytest.approx(TRUTH["TV"][1], rel=0.20)
    assert chosen.loc["Affiliates", "p1"] == pytest.approx(0.004, rel=0.03)


def test_steady_state_curve_accounts_for_carry_over():
    decay = 0.4
    fits = fit_curves(simulate_history({"TV": TRUTH["TV"]}, periods=80, noise=0.02, seed=2, adstock=decay),
                      adstock=decay)
    table = read_channels(fits.table)
    x = np.array([60_000.0])
    # steady spend x works like effective spend x / (1 - decay) on the true curve
    expected = model_customers("hill", np.array(TRUTH["TV"][1]), x / (1 - decay))
    assert table.curves.customers(x) == pytest.approx(expected, rel=0.05)


def test_fitted_table_optimizes_and_warns_about_extrapolation():
    fits = fit_curves(simulate_history(TRUTH, seed=4))
    result = optimize(read_channels(fits.table), budget="x4")
    assert result.ok
    assert any("extrapolates curves far beyond the spend their data supports" in n for n in result.notes)


def test_bad_history_rows_are_reported(write):
    path = write("h.csv", "period,channel,spend,customers\n1,TV,100,5\n1,TV,120,6\n2,TV,abc,4\n")
    with pytest.raises(InputError) as info:
        fit_curves(path)
    text = str(info.value)
    assert "line 3, channel 'TV', column 'period': a second row for this channel and period" in text
    assert "line 4, channel 'TV', column 'spend': 'abc' is not a number" in text
    with pytest.raises(InputError, match="column 'customers' is missing"):
        fit_curves(write("g.csv", "period,channel,spend\n1,TV,100\n"))


def test_too_little_history_falls_back_to_linear_with_a_note():
    history = simulate_history({"TV": TRUTH["TV"]}, periods=3, seed=5)
    fits = fit_curves(history)
    assert fits.table.curve.tolist() == ["linear"]
    assert any("too few" in n for n in fits.notes)
