"""Plans under uncertainty: draws from intervals, draws tables, simulation, stability, the expected plan.

References are written here without the optimizer's code: the lognormal matched to an interval from
statistics.NormalDist, the closed-form mean and variance of a linear plan's value under normal LTV
draws, the averaged curves typed again from the README and maximized by tests.reference.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer import InputError, UsageError
from optimizer.model.formulation import formulate
from optimizer.model.limits import channel_limits
from optimizer.uncertainty.draws import draws_from_intervals
from optimizer.uncertainty.many import reoptimize
from optimizer.uncertainty.plan import make_draws
from optimizer.uncertainty.stability import draw_plans
from tests.reference import Instance, reference_value, value_of

EXAMPLE_COLUMNS = ["channel", "spend", "customers", "ltv", "curve", "elasticity", "max_customers"]


def three(**intervals) -> pd.DataFrame:
    """Three concave channels; ``intervals`` adds columns such as ltv_low=[...]."""
    frame = pd.DataFrame({"channel": ["Search", "Social", "TV"], "spend": [400.0, 300.0, 300.0],
                          "customers": [40.0, 25.0, 20.0], "ltv": [100.0, 120.0, 150.0],
                          "curve": ["power", "saturating", "power"], "elasticity": [0.6, None, 0.4],
                          "max_customers": [None, 60.0, None]})
    for column, values in intervals.items():
        frame[column] = values
    return frame


def test_interval_draws_are_the_lognormal_matched_to_both_ends():
    frame = three(ltv_low=[80.0, 60.0, 150.0], ltv_high=[140.0, 150.0, 150.0], interval_level=[0.9, 0.8, 0.9])
    draws = draws_from_intervals(optimizer.read_channels(frame), 40_000, seed=1, level=0.9)
    for i, (low, high, level) in enumerate(((80, 140, 0.9), (60, 150, 0.8))):
        tail = (1 - level) / 2
        got = np.quantile(draws.ltv[:, i], [tail, 0.5, 1 - tail])
        # the quantiles of 40 000 draws sit within about 1 % of the lognormal's here
        assert got == pytest.approx([low, frame.ltv[i], high], rel=0.015)
    assert (draws.ltv[:, 2] == 150.0).all()  # zero width: the estimate, every time


def test_a_truncated_draw_keeps_the_shape_of_the_distribution_below_its_limit():
    frame = three(elasticity_low=[0.45, None, None], elasticity_high=[0.98, None, None])
    draws = draws_from_intervals(optimizer.read_channels(frame), 40_000, seed=2, level=0.9)
    e = draws.curves.p2.reshape(draws.size, 3)[:, 0]
    assert e.max() <= 1.0 and e.min() > 0
    z, below, above = NormalDist().inv_cdf(0.95), math.log(0.6 / 0.45), math.log(0.98 / 0.6)
    cdf = NormalDist().cdf  # of log(e / 0.6) in units of its spread; the draw is conditioned on e <= 1

    def share_below(q):
        u = math.log(q / 0.6)
        return cdf(u / (below / z) if u < 0 else u / (above / z)) / cdf(math.log(1 / 0.6) / (above / z))

    for q in (0.5, 0.6, 0.8, 0.95):
        assert np.mean(e <= q) == pytest.approx(share_below(q), abs=0.01)


def test_the_seed_makes_draws_reproducible():
    table = optimizer.read_channels(three(ltv_low=[80.0, 90.0, 100.0], ltv_high=[120.0, 150.0, 200.0]))
    a, b, c = (draws_from_intervals(table, 50, seed, 0.9).ltv for seed in (7, 7, 8))
    assert (a == b).all() and not (a == c).all()


def test_linear_plan_under_normal_ltv_draws_has_the_closed_form_mean_and_variance():
    rng = np.random.default_rng(3)
    n_draws, mu, sigma = 4000, np.array([100.0, 200.0]), np.array([10.0, 30.0])
    frame = pd.DataFrame({"channel": ["A", "B"], "spend": [1000.0, 500.0], "customers": [20.0, 4.0],
                          "ltv": mu, "max_spend": [1200.0, 800.0]})
    ltv = mu + sigma * rng.standard_normal((n_draws, 2))
    draws = pd.DataFrame({"draw": np.repeat(np.arange(n_draws), 2), "channel": ["A", "B"] * n_draws,
                          "ltv": ltv.ravel()})
    result = optimizer.optimize(frame, objective="value", draws=draws)
    x = result.plan["recommended_spend"].to_numpy()
    customers = x * np.array([20 / 1000, 4 / 500])  # linear curves: customers = spend / cac
    mean, var = float(mu @ customers), float((sigma**2) @ customers**2)
    row = result.risk.loc["recommended"]
    # Monte Carlo error: the mean within 4 standard errors, the variance within 4 of its own
    assert row["value_mean"] == pytest.approx(mean, abs=4 * math.sqrt(var / n_draws))
    assert row["value_std"] ** 2 == pytest.approx(var, abs=4 * var * math.sqrt(2 / (n_draws - 1)))


def _ltv_draws(frame: pd.DataFrame, n: int, seed: int, spread: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [{"draw": d, "channel": c, "ltv": v * math.exp(spread * rng.standard_normal()),
             "customers": k * math.exp(0.5 * spread * rng.standard_normal())}
            for d in range(n) for c, v, k in zip(frame.channel, frame.ltv, frame.customers)]
    return pd.DataFrame(rows)


def test_expected_plan_is_the_point_plan_on_averaged_curves_when_draws_scale_curves():
    frame = three()
    draws = _ltv_draws(frame, 300, 4, 0.3)
    result = optimizer.optimize(frame, risk="expected", draws=draws, objective="value")
    # draws of LTV and customers scale each curve: the mean curve is the curve times mean(ltv * scale)
    scale = draws.assign(w=draws.ltv * draws.customers / draws.channel.map(dict(zip(frame.channel, frame.customers))))
    averaged = frame.assign(ltv=frame.channel.map(scale.groupby("channel").w.mean()))
    point = optimizer.optimize(averaged, objective="value")
    assert result.plan["recommended_spend"].to_numpy() == pytest.approx(
        point.plan["recommended_spend"].to_numpy(), rel=1e-7)
    assert result.after.value == pytest.approx(point.after.value, rel=1e-9)


def test_expected_plan_with_shape_draws_matches_an_independent_reference_on_averaged_curves():
    frame = three()
    rng = np.random.default_rng(5)
    e = {"Search": 0.6 * np.exp(0.2 * rng.standard_normal(40)).clip(max=1), "TV": 0.4 * np.exp(
        0.3 * rng.standard_normal(40)).clip(max=1)}
    draws = pd.DataFrame([{"draw": d, "channel": c, "elasticity": e[c][d]} for d in range(40) for c in e])
    result = optimizer.optimize(frame, risk="expected", draws=draws, objective="value")

    def mean_power(c0, s0, es):  # customers averaged over the draws, typed from the README's formula
        return lambda x: float(np.mean([c0 * (x / s0) ** k for k in es]))

    k = -300 / math.log(1 - 25 / 60)
    funcs = [mean_power(40, 400, e["Search"]), lambda x: 60 * (1 - math.exp(-x / k)), mean_power(20, 300, e["TV"])]
    inst = Instance(frame, funcs, frame.ltv.to_numpy(float), np.zeros(3), np.full(3, np.inf))
    reference = reference_value(inst, 1000.0, exact=True)
    x = result.plan["recommended_spend"].to_numpy()
    # certified within 1e-6 in value; near a flat optimum that leaves about sqrt(1e-6) in spend
    assert result.gap <= 1e-6 and value_of(inst, x) >= value_of(inst, reference) * (1 - 1e-6)
    assert x == pytest.approx(reference, rel=5e-3)


@pytest.mark.parametrize("risk", [None, "expected", "cvar:0.1"], ids=["simulate", "expected", "cvar"])
def test_as_intervals_shrink_to_zero_every_result_is_the_point_plan(risk):
    width = 1e-9
    frame = three(ltv_low=[100 * (1 - width), 120 * (1 - width), 150.0], ltv_high=[100 * (1 + width), 120.0, 150.0],
                  elasticity_low=[0.6 * (1 - width), None, 0.4], elasticity_high=[0.6, None, 0.4 * (1 + width)])
    point = optimizer.optimize(three(), max_change=0.6)
    result = optimizer.optimize(frame, max_change=0.6, simulate=200, risk=risk)
    x = point.plan["recommended_spend"].to_numpy()
    # the risk-aware plans are certified in value (1e-5 for cvar): spend agrees to about its square root
    assert result.after.value == pytest.approx(point.after.value, rel=1e-5)
    assert result.plan["recommended_spend"].to_numpy() == pytest.approx(x, rel=5e-3)
    for column in ("spend_p05", "spend_p50", "spend_p95"):  # each draw's plan by the exact closed form
        assert result.plan[column].to_numpy() == pytest.approx(x, rel=1e-6)
    assert (result.plan["direction_agreement"] == 1.0).all()
    row = result.risk.loc["recommended"]
    assert row["ltv_cac_p05"] == pytest.approx(point.after.ltv_cac, rel=1e-6)
    assert row["ltv_cac_p95"] == pytest.approx(point.after.ltv_cac, rel=1e-6)
    assert row["p_beats_today"] == 1.0


def test_stability_widens_and_agreement_falls_as_the_draws_spread():
    spreads, agreement = [], []
    for w in (0.05, 0.15, 0.3, 0.6):
        frame = three(ltv_low=[100 / (1 + w), 120 / (1 + w), 150 / (1 + w)],
                      ltv_high=[100 * (1 + w), 120 * (1 + w), 150 * (1 + w)])
        plan = optimizer.optimize(frame, simulate=400, seed=11).plan
        spreads.append((plan.spend_p95 - plan.spend_p05).to_numpy())
        agreement.append(plan.direction_agreement.to_numpy())
    assert (np.diff(spreads, axis=0) >= -1e-9).all()
    assert (np.diff(agreement, axis=0) <= 1e-12).all()
    assert spreads[-1].min() > spreads[0].max()


def test_every_draw_reoptimized_at_once_equals_one_solve_per_draw_by_lps():
    frame = three(ltv_low=[70.0, 90.0, 100.0], ltv_high=[140.0, 150.0, 220.0],
                  elasticity_low=[0.4, None, 0.3], elasticity_high=[0.8, None, 0.6])
    result = optimizer.optimize(frame, simulate=50, budget_mode="at-most", fixed_costs=300.0)

    table = optimizer.read_channels(frame)
    draws = make_draws(table, result.settings)
    many = reoptimize(draws, np.zeros(3), np.full(3, 1000.0), 1000.0, False, result.settings.objective, 300.0)
    for d in (0, 17, 49):
        one = optimizer.optimize_settings(draws.channels(d, table), result.settings.replace(
            simulate=None, method="lp"))
        lp = one.plan["recommended_spend"].to_numpy()
        mine = optimizer.optimize_settings(draws.channels(d, table), result.settings.replace(
            simulate=None, budget=float(many[d].sum())))
        ratio = float(draws.ltv[d] @ draws.customers(many[d])[d]) / (many[d].sum() + 300.0)
        assert ratio >= one.after.ltv_cac * (1 - 1e-6)  # at least the LP's certified ratio
        assert many[d] == pytest.approx(lp, rel=1e-3) and mine.ok


def test_rules_make_each_draw_a_full_solve_and_say_so():
    frame = three(ltv_low=[80.0, 90.0, 100.0], ltv_high=[130.0, 150.0, 200.0])
    rule = optimizer.GroupRule("digital", ("Search", "Social"), max_share=0.6)
    result = optimizer.optimize(frame, simulate=30, rules=[rule])
    assert any("30 of the 30 draws" in n for n in result.uncertainty.notes)
    assert (result.plan.spend_p95[:2].sum() <= 0.6 * 1000 * 1.5)  # the medians of plans that keep the rule


def test_scenario_settings_carry_the_risk_and_a_draws_table_beside_the_file(tmp_path):
    frame = three()
    frame.to_csv(tmp_path / "channels.csv", index=False)
    _ltv_draws(frame, 20, 1, 0.2).to_csv(tmp_path / "draws.csv", index=False)
    (tmp_path / "risky.toml").write_text('channels = "channels.csv"\ndraws = "draws.csv"\nrisk = "cvar:0.2"\n'
                                         "simulate = 10\nseed = 3\n", encoding="utf-8")
    scenario = optimizer.load_scenario(tmp_path / "risky.toml")
    result = scenario.run()
    assert result.settings.risk == "cvar:0.2" and result.uncertainty.draws == 10
    assert result.uncertainty.price is not None and result.gap <= 1e-4


BAD = [
    (dict(ltv_low=[120.0, 100.0, 140.0], ltv_high=[130.0, 130.0, 160.0]), "line 2, channel 'Search', column 'ltv_low'",
     "does not contain the estimate ltv = 100"),
    (dict(ltv_low=[90.0, 130.0, 140.0], ltv_high=[110.0, 110.0, 160.0]), "line 3, channel 'Social', column 'ltv_low'",
     "is above ltv_high 110; swap them"),
    (dict(elasticity_low=[0.5, 0.1, None], elasticity_high=[0.7, 0.2, None]), "channel 'Social', column 'elasticity_low'",
     "a saturating curve has no elasticity"),
    (dict(ltv_low=[90.0, None, None], ltv_high=[None, None, None]), "channel 'Search', column 'ltv_high'",
     "ltv_high is missing"),
]


@pytest.mark.parametrize("columns, where, what", BAD, ids=["outside", "swapped", "wrong curve", "one end"])
def test_bad_intervals_name_the_line_channel_and_column(tmp_path, columns, where, what):
    path = tmp_path / "bad.csv"
    three(**columns).to_csv(path, index=False)
    with pytest.raises(InputError) as caught:
        optimizer.read_channels(path)
    assert where in str(caught.value) and what in str(caught.value)


def _draws_file(tmp_path, rows: list[dict]):
    path = tmp_path / "draws.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


DRAWS_BAD = [
    ([{"draw": 1, "channel": "Search", "ltv": 90}, {"draw": 1, "channel": "Radio", "ltv": 90},
      {"draw": 2, "channel": "Search", "ltv": 95}], "line 3, channel 'Radio', column 'channel': no channel 'Radio'"),
    ([{"draw": 1, "channel": "Search", "ltv": 90}, {"draw": 1, "channel": "TV", "ltv": 90},
      {"draw": 2, "channel": "Search", "ltv": 95}], "channel 'TV', column 'draw': no row for draw '2'"),
    ([{"draw": 1, "channel": "Search", "ltv": -90}, {"draw": 2, "channel": "Search", "ltv": 95}],
     "line 2, channel 'Search', column 'ltv': -90 is a negative draw of a positive quantity"),
    ([{"draw": 1, "channel": "Search", "elasticity": 1.5}], "column 'elasticity': 1.5 is above 1"),
    ([{"draw": 1, "channel": "Search", "spend": 10}], "column 'spend': 'spend' is the plan's, not an uncertain input"),
]


@pytest.mark.parametrize("rows, message", DRAWS_BAD, ids=["unknown channel", "missing draw", "negative", "range",
                                                           "not uncertain"])
def test_bad_draws_tables_name_the_file_line_channel_and_column_and_nothing_is_written(tmp_path, rows, message):
    from typer.testing import CliRunner

    from cli import app

    table = tmp_path / "channels.csv"
    three().to_csv(table, index=False)
    draws, out = _draws_file(tmp_path, rows), tmp_path / "plan.csv"
    got = CliRunner().invoke(app, ["optimize", str(table), "--draws", str(draws), "--out", str(out)])
    assert got.exit_code == 1 and "draws.csv: " in got.stderr and message in got.stderr, got.output
    assert not out.exists()


def test_uncertain_options_without_uncertain_inputs_say_what_to_add():
    with pytest.raises(UsageError, match="interval columns in the channel table"):
        optimizer.optimize(three(), simulate=100)
    with pytest.raises(UsageError, match="cvar:ALPHA"):
        optimizer.optimize(three(), risk="cvar:1.5")
    with pytest.raises(UsageError, match="draws table has 20"):
        optimizer.optimize(three(), draws=_ltv_draws(three(), 20, 0, 0.1), simulate=50)


def test_s_curves_are_reoptimized_draw_by_draw_not_by_the_closed_form():
    frame = three(ltv_low=[80.0, 90.0, 100.0], ltv_high=[130.0, 150.0, 200.0])
    frame.loc[2, ["curve", "elasticity", "max_customers", "shape"]] = ["hill", None, 60.0, 2.5]
    table = optimizer.read_channels(frame)
    settings = optimizer.Settings(budget=1000.0, simulate=6)
    limits, _ = channel_limits(table, settings, 1000.0)
    program = formulate(table, limits, settings, [])
    assert program.budget_only and program.needs_integers  # the budget alone, but an S-curve
    asked = []

    def solve(draw, _settings):  # each draw's own solve (a mixed-integer model in the optimizer)
        asked.append(draw.ltv.copy())
        return draw.spend

    draws = make_draws(table, settings)
    plans, note = draw_plans(draws, table, settings, program, limits, solve)
    assert len(asked) == 6 and "6 of the 6 draws" in note and (plans == table.spend).all()
