"""Expected lifetime value of a NEWLY acquired customer, per acquisition channel, with an interval.

Methods (each value is gross margin x discounted revenue over the horizon, first purchase included
at time 0):

- ``simple``: average order value x purchases per active period x expected discounted lifetime
  from a constant period-to-period retention rate. Known bias: a constant rate ignores that the
  customers who stay are the loyal ones (retention rises with age), and counts a quiet period as
  churn, so it usually underestimates long horizons.
- ``cohort``: the observed value per acquired customer in each period since acquisition, then
  extended to the horizon by a geometric retention curve fitted to the observed periods.
- ``bgnbd``: BG/NBD for the number of repeat purchases and Gamma-Gamma for spend per purchase,
  fitted by maximum likelihood per channel where the channel has enough customers, else on all
  customers (pooled); the output says which. The first purchase is valued at the channel's mean.

Intervals: bgnbd from the likelihood (delta method on the log scale); simple and cohort by
bootstrap over customers.

Every method also gives the value over time: the expected cumulative value per new customer by the
end of each period up to the horizon (period 0: the first purchase, at acquisition), with the same
kind of interval; the LTV is its last point (:mod:`optimizer.ltv.timeline`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.numbers import parse_date
from optimizer.files.ranges import Allowed, check_number
from optimizer.ltv.bgnbd import BgNbd, GammaGamma, expected_repeat, fit_bgnbd, fit_gamma_gamma
from optimizer.ltv.timeline import envelope, timeline_frame
from optimizer.ltv.transactions import Purchases, read_acquisition, read_transactions, summary_of
from optimizer.model.choices import LtvModel, TimeUnit, choose

RANGES = {  # the numbers each LTV setting allows (checked by the one validator, optimizer.files.ranges)
    "horizon": Allowed(0.0, 10_000, low_open=True, words="above 0 (and at most 10 000 units)"),
    "discount": Allowed(0.0, 1.0, high_open=True, words="a rate per unit in [0, 1), such as 0.01 for 1 % a month"),
    "margin": Allowed(0.0, 1.0, low_open=True, words="a fraction in (0, 1], such as 0.3 for 30 %"),
    "confidence": Allowed(0.0, 1.0, low_open=True, high_open=True, words="a fraction in (0, 1), such as 0.9"),
    "min_customers": Allowed(1, 1e9, whole=True, words="a whole number, 1 or more"),
    "bootstrap": Allowed(10, 1e6, whole=True, words="a whole number, 10 or more"),
}


@dataclass(frozen=True)
class LtvSettings:
    """How LTV is estimated; ``horizon`` and ``discount`` are per ``unit``."""

    model: LtvModel = LtvModel.bgnbd
    horizon: float = 36
    unit: TimeUnit = TimeUnit.months
    discount: float = 0.01
    margin: float = 1.0
    confidence: float = 0.9
    min_customers: int = 300  # a channel smaller than this borrows the pooled BG/NBD fit
    bootstrap: int = 200
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", choose(LtvModel, self.model, "LTV model"))
        object.__setattr__(self, "unit", choose(TimeUnit, self.unit, "time unit"))
        problems = [p for p in (check_number(name, getattr(self, name), allowed) for name, allowed in RANGES.items())
                    if p]
        if problems:
            raise UsageError("; ".join(problems))


@dataclass(frozen=True)
class LtvResult:
    """LTV per channel (``table``), with the settings and what the data handling did.

    ``timeline`` holds the cumulative value per new customer by period, per channel (channel, period,
    cumulative_value, low, high, unit); its last period per channel is the LTV.
    """

    table: pd.DataFrame
    settings: LtvSettings
    notes: tuple[str, ...]
    timeline: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def estimate_ltv(purchases: Purchases, acquisition: pd.Series, settings: LtvSettings,
                 end: str | pd.Timestamp | None = None) -> LtvResult:
    """LTV of a new customer per channel from purchase days and each customer's channel."""
    summary = summary_of(purchases, settings.unit, end)
    channel, notes = _join_channels(summary, acquisition, purchases.source)
    summary["channel"] = channel
    rows = []
    method = {LtvModel.simple: _simple, LtvModel.cohort: _cohort, LtvModel.bgnbd: _bgnbd}[settings.model]
    pooled = functools.cache(lambda: _pooled_fits(summary))  # fitted only if a small channel needs it
    _check_learnable(summary, settings, purchases.source)
    curves = {}
    for name, group in summary.groupby("channel", sort=True):
        own = settings.model != LtvModel.bgnbd
        days = purchases.frame[purchases.frame["customer_id"].isin(group.index)] if own else None
        found = method(group, days, settings, pooled)
        curves[name] = found.pop("timeline")
        rows.append({"channel": name, "customers": len(group), "repeat_customers": int((group.frequency > 0).sum()),
                     **found})
    if settings.margin == 1:
        notes += ("the margin is 1, so these values are revenue, not gross margin; set the margin (such as 0.3 "
                  "for 30 %) to value customers by what they earn",)
    table = pd.DataFrame(rows)
    table.insert(table.columns.get_loc("ltv_high") + 1, "interval_level", settings.confidence)  # set-ltv carries it
    return LtvResult(table, settings, (*purchases.notes, *notes), timeline_frame(curves, settings.unit.value))


def discount_factors(settings: LtvSettings) -> tuple[np.ndarray, np.ndarray]:
    """Period ends 1..H (in units) and their discount factors (1 + d) ** -k."""
    k = np.arange(1, int(np.ceil(settings.horizon)) + 1, dtype=float)
    k[-1] = settings.horizon
    return k, (1 + settings.discount) ** -k


def bgnbd_value(bg: BgNbd | np.ndarray, mean_spend: float, first_value: float, settings: LtvSettings) -> float:
    """Discounted margin of a new customer: first purchase now, repeats as BG/NBD expects."""
    return float(bgnbd_cumulative(bg, mean_spend, first_value, settings)[1][-1])


def bgnbd_cumulative(bg: BgNbd | np.ndarray, mean_spend: float, first_value: float, settings: LtvSettings
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Period ends 0..H and a new customer's discounted margin by each: the first purchase at 0, then
    each period's expected repeat purchases (BG/NBD) at the mean spend, discounted to the period's end."""
    params = np.array([bg.r, bg.alpha, bg.a, bg.b]) if isinstance(bg, BgNbd) else bg
    k, factor = discount_factors(settings)
    cumulative = expected_repeat(params, np.concatenate([[0.0], k]))
    gained = np.concatenate([[first_value], mean_spend * np.diff(cumulative) * factor])
    return np.concatenate([[0.0], k]), settings.margin * np.cumsum(gained)


def _bgnbd(group: pd.DataFrame, _days, settings: LtvSettings, pooled) -> dict:
    own = len(group) >= settings.min_customers
    bg, gg = (fit_bgnbd(group.frequency, group.recency, group["T"]),
              fit_gamma_gamma(group.frequency, group.monetary_value)) if own else pooled()
    first = float(group.first_value.mean())
    periods, curve = bgnbd_cumulative(bg, gg.mean_spend, first, settings)
    se = _delta_se(bg, gg, first, group.first_value.std(ddof=1) / np.sqrt(len(group)), settings)
    lows, highs = envelope(*_lognormal_interval(curve, se, settings.confidence))
    value, low, high = float(curve[-1]), float(lows[-1]), float(highs[-1])
    k, _ = discount_factors(settings)
    return {"ltv": value, "ltv_low": low, "ltv_high": high, "model": LtvModel.bgnbd.value,
            "fit": "per channel" if own else f"pooled (fewer than {settings.min_customers} customers)",
            "expected_repeat_purchases": float(bg.expected_new(k[-1])), "mean_spend": gg.mean_spend,
            "first_purchase_value": first, "r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b,
            "p": gg.p, "q": gg.q, "gamma": gg.gamma, "timeline": (periods, curve, lows, highs)}


def _delta_se(bg: BgNbd, gg: GammaGamma, first: float, first_se: float, settings: LtvSettings) -> np.ndarray:
    """Standard errors of the cumulative value by each period (delta method on the log parameters)."""
    theta = np.log([bg.r, bg.alpha, bg.a, bg.b, gg.p, gg.q, gg.gamma])

    def value(t):
        e = np.exp(t)
        return bgnbd_cumulative(e[:4], e[4] * e[6] / (e[5] - 1), first, settings)[1]

    grad = np.array([(value(theta + h) - value(theta - h)) / 2e-5 for h in np.eye(7) * 1e-5])  # (7, periods)
    var = np.full(grad.shape[1], settings.margin**2 * first_se**2 if np.isfinite(first_se) else 0.0)
    if bg.covariance is not None:
        var += np.einsum("ip,ij,jp->p", grad[:4], bg.covariance, grad[:4])
    if gg.covariance is not None:
        var += np.einsum("ip,ij,jp->p", grad[4:], gg.covariance, grad[4:])
    return np.sqrt(np.maximum(var, 0.0))


def _lognormal_interval(value, se, confidence: float):
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(np.asarray(value) > 0, z * se / value, np.inf)
    return value * np.exp(-spread), value * np.exp(spread)


def _simple(group: pd.DataFrame, days: pd.DataFrame, settings: LtvSettings, _pooled) -> dict:
    stats = _period_stats(group, days, settings)  # per customer: days, value, active, kept, eligible

    def estimate(w):  # the first purchase at 0, then each active period's value, kept at the retention rate
        aov = (w @ stats[:, 1]) / (w @ stats[:, 0])
        per_active = (w @ stats[:, 0]) / (w @ stats[:, 2])
        retention = (w @ stats[:, 3]) / max(w @ stats[:, 4], 1e-12)
        k = np.arange(int(np.ceil(settings.horizon)))
        life = np.cumsum((retention / (1 + settings.discount)) ** k)
        curve = settings.margin * aov * np.concatenate([[1.0], per_active * life])
        return curve, aov, per_active, retention

    curve, aov, per_active, retention = estimate(np.ones(len(stats)))
    lows, highs = _bootstrap(lambda w: estimate(w)[0], len(stats), settings)
    periods = np.arange(len(curve), dtype=float)
    return {"ltv": float(curve[-1]), "ltv_low": float(lows[-1]), "ltv_high": float(highs[-1]),
            "model": LtvModel.simple.value, "fit": "per channel", "average_order_value": aov,
            "purchases_per_active_period": per_active, "retention": retention,
            "timeline": (periods, curve, lows, highs)}


def _cohort(group: pd.DataFrame, days: pd.DataFrame, settings: LtvSettings, _pooled) -> dict:
    values, observed = _value_by_period(group, days, settings)
    horizon = int(np.ceil(settings.horizon))
    first = group["first_value"].to_numpy(float) * observed[:, 0]

    def estimate(w):  # the first purchase at 0 (among those seen through period 0), then each period's value
        seen = w @ observed
        per_customer = np.where(seen > 0, (w @ values) / np.maximum(seen, 1e-12), np.nan)
        known = np.flatnonzero(~np.isnan(per_customer))
        curve, retention = _extend(per_customer[known], known, horizon)
        k = np.arange(horizon)
        at_zero = (w @ first) / max(seen[0], 1e-12)
        cumulative = settings.margin * np.concatenate([[at_zero], np.cumsum(curve * (1 + settings.discount) ** -k)])
        return cumulative, retention, len(known)

    curve, retention, periods = estimate(np.ones(len(values)))
    lows, highs = _bootstrap(lambda w: estimate(w)[0], len(values), settings)
    return {"ltv": float(curve[-1]), "ltv_low": float(lows[-1]), "ltv_high": float(highs[-1]),
            "model": LtvModel.cohort.value, "fit": "per channel", "observed_periods": periods, "retention": retention,
            "timeline": (np.arange(len(curve), dtype=float), curve, lows, highs)}


def _extend(per_customer: np.ndarray, periods: np.ndarray, horizon: int) -> tuple[np.ndarray, float]:
    """Observed value per period, then a geometric tail fitted to periods after the first."""
    if not len(per_customer):  # a bootstrap draw of none of the customers seen through a whole period
        return np.full(horizon, np.nan), np.nan
    later = (periods >= 1) & (per_customer > 0)
    if later.sum() >= 2:
        slope, intercept = np.polyfit(periods[later], np.log(per_customer[later]), 1)
        retention = float(min(np.exp(slope), 0.999))
    else:
        slope, intercept, retention = 0.0, np.log(max(per_customer[-1], 1e-12)), 0.0
    k = np.arange(horizon)
    curve = np.exp(intercept) * retention ** k if later.sum() >= 2 else np.zeros(horizon)
    observed = periods[periods < horizon]
    curve[observed] = per_customer[: len(observed)]
    return curve, retention


def _period_index(days: pd.DataFrame, group: pd.DataFrame, settings: LtvSettings) -> pd.DataFrame:
    first = group["first_purchase"].reindex(days["customer_id"]).to_numpy()
    age = (days["date"].to_numpy() - first) / np.timedelta64(1, "D") / settings.unit.days_each
    return days.assign(period=np.floor(age).astype(int))


def _period_stats(group, days, settings) -> np.ndarray:
    d = _period_index(days, group, settings)
    active = d.groupby(["customer_id", "period"]).size().reset_index()[["customer_id", "period"]]
    full = np.floor(group["T"]).astype(int)  # periods 0..full-1 are fully observed
    nxt = active.assign(period=active.period + 1).merge(active, on=["customer_id", "period"], how="inner")
    eligible = active[active.period + 1 < full.reindex(active.customer_id).to_numpy()]
    kept = nxt[nxt.period < full.reindex(nxt.customer_id).to_numpy()]
    per = pd.DataFrame({"days": d.groupby("customer_id").size(), "value": d.groupby("customer_id")["amount"].sum(),
                        "active": active.groupby("customer_id").size(), "kept": kept.groupby("customer_id").size(),
                        "eligible": eligible.groupby("customer_id").size()}).reindex(group.index).fillna(0.0)
    return per.to_numpy(float)


def _value_by_period(group, days, settings) -> tuple[np.ndarray, np.ndarray]:
    d = _period_index(days, group, settings)
    horizon = int(np.ceil(settings.horizon))
    d = d[d.period < horizon]
    row = pd.Series(np.arange(len(group)), index=group.index).reindex(d["customer_id"]).to_numpy()
    values = np.zeros((len(group), horizon))
    np.add.at(values, (row, d["period"].to_numpy()), d["amount"].to_numpy())
    full = np.floor(group["T"].to_numpy()).astype(int)
    observed = (np.arange(horizon)[None, :] < full[:, None]).astype(float)
    return values * observed, observed


def _bootstrap(estimate, n: int, settings: LtvSettings) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals of ``estimate`` (a value per period) over customers drawn with replacement."""
    rng = np.random.default_rng(settings.seed)
    draws = np.array([estimate(rng.multinomial(n, np.full(n, 1 / n)).astype(float))
                      for _ in range(settings.bootstrap)])
    tail = (1 - settings.confidence) / 2 * 100
    return np.nanpercentile(draws, tail, axis=0), np.nanpercentile(draws, 100 - tail, axis=0)


def _pooled_fits(summary: pd.DataFrame) -> tuple[BgNbd, GammaGamma]:
    return (fit_bgnbd(summary.frequency, summary.recency, summary["T"]),
            fit_gamma_gamma(summary.frequency, summary.monetary_value))


def _join_channels(summary: pd.DataFrame, acquisition: pd.Series, source: str) -> tuple[pd.Series, tuple[str, ...]]:
    channel = acquisition.reindex(summary.index)
    missing = channel.index[channel.isna()]
    if len(missing):
        shown = ", ".join(repr(c) for c in missing[:5])
        raise InputError(source, [Problem(f"{len(missing)} customers have no acquisition channel (such as {shown}); "
                                          "add them to the acquisition table")])
    unused = int((summary.index.get_indexer(acquisition.index.unique()) < 0).sum())  # hashed, not a Python set
    if not unused:
        return channel, ()
    return channel, (f"{unused} customers in the acquisition table have no purchase in the log and are left out",)


def _check_learnable(summary: pd.DataFrame, settings: LtvSettings, source: str) -> None:
    """Every channel has what its model learns from: a customer who bought twice (BG/NBD), a customer seen
    through a whole period after the first purchase (cohort)."""
    if settings.model == LtvModel.bgnbd:
        has = summary.groupby("channel")["frequency"].max() > 0
        why = ("no customer of this channel bought twice, so BG/NBD has nothing to learn repeat buying from; "
               "use a longer log, or --model simple or cohort")
    elif settings.model == LtvModel.cohort:
        has = summary.groupby("channel")["T"].max() >= 1
        why = (f"no customer of this channel was seen through a whole {settings.unit.value[:-1]} after the first "
               "purchase, so the cohort model has no period to learn from; use a longer log (or a later `end`), "
               "or --model simple")
    else:
        return
    if not has.all():
        raise InputError(source, [Problem(why, channel=c) for c in has.index[~has]])


def ltv_from_files(transactions: str | Path | pd.DataFrame, acquisition: str | Path | pd.DataFrame,
                   settings: LtvSettings, end: str | pd.Timestamp | None = None, customer_col: str = "customer_id",
                   date_col: str = "date", amount_col: str = "amount", channel_col: str = "channel",
                   date_format: str | None = None) -> LtvResult:
    """Read a transaction log and an acquisition table, then :func:`estimate_ltv`."""
    if isinstance(end, str):
        try:
            end = parse_date(end)
        except ValueError as exc:
            raise UsageError(f"`end`: {exc}") from None
    purchases = read_transactions(transactions, customer_col, date_col, amount_col, date_format)
    channels = read_acquisition(acquisition, customer_col, channel_col)
    return estimate_ltv(purchases, channels, settings, end)
