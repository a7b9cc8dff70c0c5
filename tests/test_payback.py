"""CAC payback: against closed forms, bisection on the true curves, finite differences and hand computations.

The references here are typed again from the formulas (geometric retention, the curves of the README),
not taken from the optimizer's code.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from optimizer import UsageError, optimize, read_channels
from optimizer.model.payback import payback_range

MONTHS = list(range(37))


def geometric(pay: float, keep: float, discount: float, n: float) -> float:
    """Value by the end of month n of a customer who pays ``pay`` at the end of each month while active,
    staying each month with probability ``keep``, discounted by (1 + discount) per month."""
    q = keep / (1 + discount)
    return pay / (1 + discount) * (1 - q**n) / (1 - q)


def timeline_cells(values_by_month) -> dict:
    return {f"value_{m}m": values_by_month(m) for m in MONTHS}


def crossing(values: list[float], months: list[float], cost: float) -> float:
    """The first month the chord-joined values reach ``cost`` (inf if never)."""
    if cost <= values[0]:
        return months[0]
    for k in range(1, len(values)):
        if values[k] >= cost:
            return months[k - 1] + (cost - values[k - 1]) / (values[k] - values[k - 1]) * (months[k] - months[k - 1])
    return math.inf


def test_linear_channel_with_geometric_retention_pays_back_as_the_closed_form():
    pay, keep, d = 30.0, 0.8, 0.01
    q = keep / (1 + d)
    v8 = geometric(pay, keep, d, 8)
    rows = [{"channel": "between months", "spend": 1000.0, "customers": 10.0},  # CAC 100
            {"channel": "on month 8", "spend": 1000.0, "customers": 1000.0 / v8},  # CAC = value by month 8
            {"channel": "never", "spend": 1000.0, "customers": 1000.0 / 150.0}]  # above the value at infinity
    frame = pd.DataFrame([{**r, "ltv": geometric(pay, keep, d, 36), "curve": "linear", "locked": True,
                           **timeline_cells(lambda m: geometric(pay, keep, d, m))} for r in rows])
    result = optimize(frame, objective="value")
    plan = result.plan.set_index("channel")
    # whole months: the closed form n* = ln(1 - c (1 - q)(1 + d) / pay) / ln q; between them the value accrues linearly
    n_star = math.log(1 - 100 * (1 - q) * (1 + d) / pay) / math.log(q)
    k = math.floor(n_star)
    linear = k + (100 - geometric(pay, keep, d, k)) / (geometric(pay, keep, d, k + 1) - geometric(pay, keep, d, k))
    for column in ("current_payback_months", "recommended_payback_months", "marginal_payback_months"):
        assert plan.loc["between months", column] == pytest.approx(linear, rel=1e-12)
        assert plan.loc["on month 8", column] == pytest.approx(8.0, rel=1e-9)
        assert math.log(1 - v8 * (1 - q) * (1 + d) / pay) / math.log(q) == pytest.approx(8.0, rel=1e-9)
        assert math.isinf(plan.loc["never", column])
    assert k < n_star < k + 1 and k < linear < k + 1


def _power(c0: float, s0: float, e: float):
    return lambda x: c0 * (x / s0) ** e


def _saturating(c0: float, s0: float, m: float):
    k = -s0 / math.log(1 - c0 / m)
    return lambda x: m * (1 - math.exp(-x / k))


def _hill(c0: float, s0: float, m: float, s: float):
    h = s0 * (m / c0 - 1) ** (1 / s)
    return lambda x: m * x**s / (x**s + h**s)


def _bisect(f, lo: float, hi: float) -> float:
    """The root of f on [lo, hi] where f changes sign (f(lo) and f(hi) of opposite signs)."""
    flo = f(lo)
    for _ in range(300):
        mid = 0.5 * (lo + hi)
        if (f(mid) <= 0) == (flo <= 0):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


CURVES = {  # name: (table columns, customers(x) typed from the README)
    "power": ({"curve": "power", "elasticity": 0.6}, _power(500, 100_000, 0.6)),
    "saturating": ({"curve": "saturating", "max_customers": 900}, _saturating(500, 100_000, 900)),
    "hill 1": ({"curve": "hill", "max_customers": 1200, "shape": 1.0}, _hill(500, 100_000, 1200, 1.0)),
    "hill 0.7": ({"curve": "hill", "max_customers": 1500, "shape": 0.7}, _hill(500, 100_000, 1500, 0.7)),
}


@pytest.mark.parametrize("name", CURVES, ids=list(CURVES))
def test_channel_payback_ceiling_equals_bisection_on_the_true_curve(name):
    columns, customers = CURVES[name]
    value_by_month = lambda m: 75 * m  # noqa: E731 - value per customer by month m (ltv 3 000 by month 40)
    frame = pd.DataFrame([{"channel": name, "spend": 100_000.0, "customers": 500.0, "ltv": 3000.0, **columns,
                           "max_payback": 9, **timeline_cells(value_by_month)},
                          {"channel": "other", "spend": 100_000.0, "customers": 400.0, "ltv": 500.0, "curve": "linear",
                           "locked": True}])
    v = value_by_month(9)  # average CAC x / customers(x) must stay at or below this
    ceiling = _bisect(lambda x: x / customers(x) - v, 1e-6, 1e9)
    result = optimize(frame, budget=1e9, budget_mode="at-most", objective="customers")  # every channel wants more
    plan = result.plan.set_index("channel")
    assert plan.loc[name, "limit"] == "max_payback" and plan.loc[name, "bound"] == "max"
    assert plan.loc[name, "max_allowed"] == pytest.approx(ceiling, rel=1e-9)
    assert plan.loc[name, "recommended_payback_months"] == pytest.approx(9.0, rel=1e-6)
    assert plan.loc[name, "held_by"] == "9-month payback"
    assert "capped by its 9-month payback" in plan.loc[name, "reason"]


def test_s_curve_payback_holds_on_a_range_and_the_plan_stays_in_it():
    customers = _hill(300, 100_000, 1000, 2.5)  # S-shaped: average CAC falls, then rises
    table = read_channels(pd.DataFrame([{"channel": "tv", "spend": 100_000.0, "customers": 300.0, "ltv": 900.0,
                                         "curve": "hill", "max_customers": 1000, "shape": 2.5}]))
    v = 350.0  # the lowest average CAC is 274, at the spend below
    lowest = 100_000 * (1000 / 300 - 1) ** (1 / 2.5) * 1.5 ** (1 / 2.5)  # h (s - 1)^(1/s)
    floor = _bisect(lambda x: x / customers(x) - v, 1e-3, lowest)
    ceiling = _bisect(lambda x: x / customers(x) - v, lowest, 1e9)
    lo, hi = payback_range(table.curves, np.array([v]))
    assert (lo[0], hi[0]) == (pytest.approx(floor, rel=1e-9), pytest.approx(ceiling, rel=1e-9))
    frame = table.table.assign(max_payback=6.0, **timeline_cells(lambda m: v / 6 * m))
    frame = pd.concat([frame, pd.DataFrame([{"channel": "search", "spend": 50_000.0, "customers": 100.0,
                                             "ltv": 400.0, "curve": "power", "elasticity": 0.5}])])
    for budget in (floor * 0.5, floor * 1.5, ceiling * 3):
        x = optimize(frame, budget=budget, objective="value").plan.set_index("channel").loc["tv", "recommended_spend"]
        assert x <= 1e-6 or floor * (1 - 1e-6) <= x <= ceiling * (1 + 1e-6), (budget, x)


def _portfolio_frame(fixed_by: dict | None = None) -> pd.DataFrame:
    """Three channels: quick payers with low value, slow payers with high value."""
    fast = lambda m: 40 + 60 * (1 - 0.7**m)  # noqa: E731
    slow = lambda m: 10 + 400 * (1 - 0.93**m)  # noqa: E731
    mid = lambda m: 25 + 180 * (1 - 0.85**m)  # noqa: E731
    rows = [("fast", 40_000, 400, fast, 0.5), ("slow", 60_000, 300, slow, 0.7), ("mid", 50_000, 350, mid, 0.6)]
    return pd.DataFrame([{"channel": n, "spend": float(s), "customers": float(c), "ltv": f(36), "curve": "power",
                          "elasticity": e, **timeline_cells(f)} for n, s, c, f, e in rows])


def test_portfolio_payback_shadow_price_and_value_per_month_equal_finite_differences():
    frame = _portfolio_frame()
    kw = dict(objective="value", fixed_costs=5_000.0, tolerance=1e-10)
    free = optimize(frame, **kw)
    months = 8.75  # between two months of the timelines: the value per extra month is one slope
    assert free.payback.recommended > months  # the rule will bind
    result = optimize(frame, max_payback=months, **kw)
    check = next(r for r in result.rules if r.name == "max_payback")
    assert check.binding and result.payback.recommended == pytest.approx(months, rel=1e-6)
    h = 20.0
    by_fixed = [optimize(frame, max_payback=months, **{**kw, "fixed_costs": 5_000.0 + d}).after.value for d in (h, -h)]
    assert check.shadow_price == pytest.approx((by_fixed[1] - by_fixed[0]) / (2 * h), rel=1e-3)
    dm = 0.01
    by_month = [optimize(frame, max_payback=months + d, **kw).after.value for d in (dm, -dm)]
    assert result.payback.per_month == pytest.approx((by_month[0] - by_month[1]) / (2 * dm), rel=1e-3)
    assert result.after.value < free.after.value


def test_portfolio_payback_that_cannot_hold_names_the_months_needed():
    # linear channels, each held at its max_spend by an exact budget: the only plan is known
    pay = {"a": lambda m: 5.0 * m, "b": lambda m: 2.0 * m}
    frame = pd.DataFrame([{"channel": "a", "spend": 100.0, "customers": 10.0, "ltv": 180.0, "curve": "linear",
                           "max_spend": 100.0, **timeline_cells(pay["a"])},
                          {"channel": "b", "spend": 100.0, "customers": 5.0, "ltv": 72.0, "curve": "linear",
                           "max_spend": 100.0, **timeline_cells(pay["b"])}])
    # cohort value by month m: 10 * 5 m + 5 * 2 m = 60 m against a cost of 200 + 40 fixed: 4 months
    result = optimize(frame, max_payback=3, fixed_costs=40.0)
    assert not result.ok
    text = result.diagnosis[0]
    assert "the portfolio cannot pay back within 3 months" in text
    assert "the fastest plan needs 4.00 months: raise `max_payback` to at least 4.00" in text
    assert "return at most 180 against a cost of 240" in text
    never = optimize(frame, max_payback=3, fixed_costs=40_000.0)
    assert "no plan pays back within the value timelines (36 months)" in never.diagnosis[0]
    assert optimize(frame, max_payback=4, fixed_costs=40.0).ok


def test_channel_payback_that_cannot_hold_at_its_floor_names_the_channel_and_months():
    frame = pd.DataFrame([{"channel": "TV", "spend": 500.0, "customers": 5.0, "ltv": 300.0, "curve": "linear",
                           "min_spend": 200.0, "max_payback": 6, **timeline_cells(lambda m: 10.0 * m)},
                          {"channel": "search", "spend": 500.0, "customers": 10.0, "ltv": 90.0, "curve": "linear"}])
    result = optimize(frame)  # CAC 100 on TV: its value reaches 100 in month 10, not 6
    assert not result.ok
    assert ("channel 'TV': its 6-month payback cannot hold at its min_spend 200 (average CAC 100 there; a customer "
            "is worth 60.00 by month 6, so it pays back in 10.0 months)") in result.diagnosis[0]


def test_payback_rule_beyond_the_timelines_or_without_one_is_refused():
    frame = _portfolio_frame()
    with pytest.raises(UsageError, match=r"`max_payback` 40 months is beyond the value timeline of 'fast' \(to 36"):
        optimize(frame, max_payback=40)
    frame.loc[1, [c for c in frame.columns if c.startswith("value_")]] = np.nan
    with pytest.raises(UsageError, match=r"needs a value timeline .* 'slow' has none"):
        optimize(frame, max_payback=12)
    with pytest.raises(UsageError, match="`max_payback` must be months, above 0"):
        optimize(frame, max_payback=-1)


def test_payback_row_is_named_in_the_lp_file_and_refused_by_the_mixed_integer_model(tmp_path):
    frame = _portfolio_frame()
    lp = tmp_path / "m.lp"
    optimize(frame, max_payback=9, lp_file=lp)
    assert "max_payback:" in lp.read_text()
    with pytest.raises(UsageError, match="portfolio `max_payback` is not yet supported with S-shaped curves"):
        optimize(frame, max_payback=9, max_active=2)


def test_a_channel_that_cannot_pay_back_at_any_spend_is_held_at_zero_and_says_why():
    frame = pd.DataFrame([{"channel": "slow", "spend": 100.0, "customers": 1.0, "ltv": 400.0, "curve": "linear",
                           "max_payback": 6, **timeline_cells(lambda m: 10.0 * m)},  # CAC 100, worth 60 by month 6
                          {"channel": "search", "spend": 100.0, "customers": 2.0, "ltv": 90.0, "curve": "linear"}])
    plan = optimize(frame, objective="value").plan.set_index("channel")
    assert plan.loc["slow", "recommended_spend"] == 0 and plan.loc["slow", "limit"] == "max_payback"
    assert plan.loc["slow", "reason"].startswith("held at zero by its 6-month payback")
