"""LTV per channel: published BG/NBD results on CDNOW, recovery of known parameters, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimizer import InputError
from optimizer.ltv import bgnbd
from optimizer.ltv.bgnbd import BgNbd, bgnbd_terms, compress, fit_bgnbd, fit_gamma_gamma, gamma_gamma_terms
from optimizer.ltv.estimate import LtvSettings, bgnbd_value, estimate_ltv
from optimizer.ltv.simulate import ChannelTruth, simulate
from optimizer.ltv.transactions import read_acquisition, read_transactions, summarize

DATA = Path(__file__).resolve().parent / "data"  # CDNOW as redistributed by lifetimes (MIT); see its README
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie and Lee (2005)


def _assert_published(model: BgNbd):
    for name, value in PUBLISHED.items():
        assert round(getattr(model, name), 3) == value, name
    assert round(model.loglik, 1) == -9582.4


@pytest.fixture(scope="module")
def cdnow_raw_summary():
    raw = pd.read_csv(DATA / "CDNOW_sample.txt", sep=r"\s+", header=None,
                      names=["master_id", "customer_id", "date", "cds", "amount"], dtype={"date": str})
    purchases = read_transactions(raw[["customer_id", "date", "amount"]])
    summary = summarize(purchases.frame, "weeks", "1997-09-30")
    summary.index = summary.index.astype(int)
    return summary.sort_index()


def test_bgnbd_reproduces_published_estimates_from_the_summary_file():
    data = pd.read_csv(DATA / "cdnow_customers_summary.csv")
    _assert_published(fit_bgnbd(data.frequency, data.recency, data["T"]))


def test_our_summary_of_the_raw_log_equals_the_published_summary(cdnow_raw_summary):
    published = pd.read_csv(DATA / "cdnow_customers_summary.csv").set_index("ID")
    assert (cdnow_raw_summary.frequency == published.frequency).all()
    assert (cdnow_raw_summary.recency.round(2) == published.recency).all()
    assert (cdnow_raw_summary["T"].round(2) == published["T"]).all()
    s = cdnow_raw_summary
    _assert_published(fit_bgnbd(s.frequency, s.recency, s["T"]))


def test_worked_example_expects_1_226_purchases():
    data = pd.read_csv(DATA / "cdnow_customers_summary.csv")
    model = fit_bgnbd(data.frequency, data.recency, data["T"])
    assert round(model.expected_given(39, 2, 30.43, 38.86), 3) == 1.226


def test_gamma_gamma_on_cdnow_matches_the_lifetimes_documentation(cdnow_raw_summary):
    # lifetimes' docs fit Gamma-Gamma to the same 946 repeat customers: p 6.25, q 3.74, v 15.44
    s = cdnow_raw_summary
    gg = fit_gamma_gamma(s.frequency, s.monetary_value)
    assert (round(gg.p, 2), round(gg.q, 2), round(gg.gamma, 2)) == (6.25, 3.74, 15.44)


def _central(f, theta, h=1e-6):
    return np.array([(f(theta + e) - f(theta - e)) / (2 * h) for e in np.eye(len(theta)) * h])


@pytest.mark.parametrize("theta", [np.log([0.3, 4.0, 0.9, 2.0]), np.log([2.0, 0.5, 3.0, 0.4])], ids=["cdnow-like", "far"])
def test_bgnbd_gradient_and_hessian_equal_finite_differences(theta):
    rng = np.random.default_rng(4)
    big_t = rng.uniform(1, 80, 500)
    x = rng.poisson(2.0, 500) * (rng.random(500) < 0.6)
    t_x = np.where(x > 0, rng.uniform(0, 1, 500) * big_t, 0.0)
    w = rng.integers(1, 5, 500).astype(float)
    _, grad, hess = bgnbd_terms(theta, x, t_x, big_t, w)
    assert grad == pytest.approx(_central(lambda t: bgnbd_terms(t, x, t_x, big_t, w, 0)[0], theta), rel=1e-6, abs=1e-5)
    assert hess == pytest.approx(_central(lambda t: bgnbd_terms(t, x, t_x, big_t, w, 1)[1], theta), rel=1e-6, abs=1e-5)


def test_gamma_gamma_gradient_and_hessian_equal_finite_differences():
    rng = np.random.default_rng(5)
    x, m, theta = rng.integers(1, 9, 400).astype(float), rng.gamma(3.0, 12.0, 400), np.log([5.0, 3.0, 15.0])
    _, grad, hess = gamma_gamma_terms(theta, x, m)
    assert grad == pytest.approx(_central(lambda t: gamma_gamma_terms(t, x, m, None, 0)[0], theta), rel=1e-6, abs=1e-5)
    assert hess == pytest.approx(_central(lambda t: gamma_gamma_terms(t, x, m, None, 1)[1], theta), rel=1e-6, abs=1e-5)


def test_compression_is_exact():
    rng = np.random.default_rng(6)
    x, t_x, big_t = rng.integers(0, 3, 2000), rng.integers(0, 5, 2000), rng.integers(5, 9, 2000)
    cx, ct, cT, w = compress(None, x.astype(float), t_x.astype(float), big_t.astype(float))
    assert len(cx) < 100 and w.sum() == 2000
    theta = np.log([0.5, 3.0, 0.8, 2.0])
    assert bgnbd_terms(theta, cx, ct, cT, w, 0)[0] == pytest.approx(bgnbd_terms(theta, x, t_x, big_t, None, 0)[0], rel=1e-12)


TRUTH = {"Search": ChannelTruth(6000, 0.30, 5.0, 0.8, 2.8, 6.0, 4.0, 30.0),
         "Social": ChannelTruth(5000, 0.50, 7.0, 1.2, 2.0, 5.0, 3.5, 20.0)}


@pytest.fixture(scope="module")
def synthetic():
    log, acq = simulate(TRUTH, acquisition_units=26, observe_units=104, seed=3)
    return read_transactions(log), read_acquisition(acq)


def test_a_fit_started_from_a_sample_reaches_the_maximum_of_every_row(synthetic, monkeypatch):
    s = summarize(synthetic[0].frame, "weeks")
    rows = compress(None, *(s[c].to_numpy(float) for c in ("frequency", "recency", "T")))[0]
    assert len(rows) > bgnbd.SAMPLE  # enough distinct customers that the fit starts from a sample's maximum
    repeat = s[s.frequency > 0]

    def fits():
        bg = fit_bgnbd(s.frequency, s.recency, s["T"])
        gg = fit_gamma_gamma(repeat.frequency, repeat.monetary_value)
        return np.array([bg.r, bg.alpha, bg.a, bg.b, gg.p, gg.q, gg.gamma]), (bg.loglik, gg.loglik)

    sampled, sampled_ll = fits()
    monkeypatch.setattr(bgnbd, "SAMPLE", 10**9)  # no sample: BFGS from the start, then Newton, on every row
    whole, whole_ll = fits()
    assert np.allclose(sampled, whole, rtol=1e-7)
    assert sampled_ll == pytest.approx(whole_ll, rel=1e-12)


def test_recovers_known_parameters_per_channel(synthetic):
    purchases, acquisition = synthetic
    settings = LtvSettings(model="bgnbd", horizon=52, unit="weeks", discount=0.0)
    table = estimate_ltv(purchases, acquisition, settings).table.set_index("channel")
    for name, truth in TRUTH.items():
        row = table.loc[name]
        assert row.fit == "per channel"
        for p in ("r", "alpha", "a", "b"):  # within 25 %: 5 000 customers, two years
            assert row[p] == pytest.approx(getattr(truth, p), rel=0.25), (name, p)
        assert row.mean_spend == pytest.approx(truth.p * truth.gamma / (truth.q - 1), rel=0.08)


@pytest.mark.parametrize("model", ["bgnbd", "cohort"])
def test_ltv_interval_covers_the_true_value(synthetic, model):
    purchases, acquisition = synthetic
    settings = LtvSettings(model=model, horizon=52, unit="weeks", discount=0.002, margin=0.4)
    table = estimate_ltv(purchases, acquisition, settings).table.set_index("channel")
    for name, t in TRUTH.items():
        spend = t.p * t.gamma / (t.q - 1)
        true = bgnbd_value(np.array([t.r, t.alpha, t.a, t.b]), spend, spend, settings)
        row = table.loc[name]
        assert row.ltv_low <= row.ltv <= row.ltv_high
        assert row.ltv == pytest.approx(true, rel=0.1), name
        assert row.ltv_low * 0.95 <= true <= row.ltv_high * 1.05, name


def test_simple_method_is_lower_over_long_horizons_as_documented(synthetic):
    purchases, acquisition = synthetic
    kw = dict(horizon=52, unit="weeks", discount=0.0)
    simple = estimate_ltv(purchases, acquisition, LtvSettings(model="simple", **kw)).table
    model = estimate_ltv(purchases, acquisition, LtvSettings(model="bgnbd", **kw)).table
    assert (simple.ltv < model.ltv).all()
    assert (simple.ltv_low <= simple.ltv).all() and (simple.ltv <= simple.ltv_high).all()


def test_longer_horizon_and_lower_discount_raise_ltv(synthetic):
    purchases, acquisition = synthetic
    base = estimate_ltv(purchases, acquisition, LtvSettings(horizon=12, unit="months", discount=0.01)).table.ltv
    longer = estimate_ltv(purchases, acquisition, LtvSettings(horizon=24, unit="months", discount=0.01)).table.ltv
    cheaper = estimate_ltv(purchases, acquisition, LtvSettings(horizon=12, unit="months", discount=0.0)).table.ltv
    assert (longer > base).all() and (cheaper > base).all()


def test_returns_net_per_day_and_are_counted():
    log = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b"],
                        "date": ["2024-01-01", "2024-01-01", "2024-02-01", "2024-01-05", "2024-01-09"],
                        "amount": [100, -30, 0, 50, -50]})
    p = read_transactions(log)
    days = p.frame.set_index(["customer_id", p.frame.date.dt.strftime("%m-%d")]).amount.to_dict()
    assert days == {("a", "01-01"): 70, ("a", "02-01"): 0, ("b", "01-05"): 50}  # b's return alone: no purchase
    assert "2 rows with negative amounts" in p.notes[0] and "1 rows are free items" in p.notes[0]
    assert "1 days with only returns are not purchases" in p.notes[0]


def test_bad_transaction_logs_name_line_and_column(write):
    path = write("t.csv", "customer_id,date,amount\na,2024-01-01,10\n,2024-13-01,x\nb,yesterday,5\n")
    with pytest.raises(InputError) as info:
        read_transactions(path)
    text = str(info.value)
    assert "line 3, column 'customer_id': the customer id is empty" in text
    assert "line 3, column 'date': '2024-13-01' is not a date" in text
    assert "line 4, column 'date': 'yesterday' is not a date" in text
    assert "line 3, column 'amount': 'x' is not an amount" in text
    with pytest.raises(InputError, match="the date column 'when' is missing; name yours with `date_col`"):
        read_transactions(path, date_col="when")


def test_customers_without_channel_and_channels_without_repeat_buyers(write):
    log = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "date": ["2024-01-01", "2024-02-01", "2024-01-01",
                                                                       "2024-01-03"], "amount": [10, 20, 30, 5]})
    with pytest.raises(InputError, match="1 customers have no acquisition channel"):
        estimate_ltv(read_transactions(log), pd.Series({"a": "X", "b": "Y"}), LtvSettings())
    with pytest.raises(InputError, match=r"channel 'Y'.*no customer of this channel bought twice"):
        estimate_ltv(read_transactions(log), pd.Series({"a": "X", "b": "Y", "c": "Y"}), LtvSettings())
    acq = write("acq.csv", "customer_id,channel\na,X\na,Y\n")
    with pytest.raises(InputError, match="two different channels"):
        read_acquisition(acq)
