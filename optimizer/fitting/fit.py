"""Response curves fitted from history: per-period spend and customers per channel.

Each channel gets linear, power, saturating and Hill fits by least squares with residuals scaled
by sqrt(fitted customers) (counts vary with their mean, as for Poisson data). The fit with the
lowest AIC (n log(RSS / n) + 2 k) is chosen, except that a curve with fewer parameters within 2
AIC units of it is preferred. Within a narrow observed range, concave curves can fit about equally
well; what the data supports is the curve inside that range, which is why the range is reported.

With ``adstock`` = d, spend carries over: effective spend a_t = x_t + d * a_{t-1}; curves are
fitted on a and reported for steady per-period spend x, where a = x / (1 - d). A plan that goes far
beyond the observed spend is flagged by the optimizer.

Intervals: the fit's parameters are estimated in logs, with covariance s^2 (J'J)^-1 from the
Jacobian J at the optimum and s^2 = RSS / (n - k). Each written interval is lognormal at ``level``:
the customers at the current spend (delta method), the elasticity (at most 1), max_customers and the
Hill shape (at most 10). They are marginal intervals: the correlation between a curve's parameters is
not carried into the channel table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import InputError, Problem, UsageError
from optimizer.files.numbers import parse_numbers
from optimizer.files.ranges import AMOUNT, Allowed, check_number
from optimizer.files.tables import read_table
from optimizer.model.choices import CurveKind
from optimizer.model.curves import customers_of
from optimizer.model.intervals import LEVEL_COLUMN, UPPER, z_of

ADSTOCK = Allowed(0.0, 1.0, high_open=True, words="in [0, 1), such as 0.3")
LEVEL = Allowed(0.0, 1.0, low_open=True, high_open=True, words="a fraction such as 0.9 for 90 %")


@dataclass(frozen=True)
class CurveFits:
    """The chosen curves as a channel table, every candidate fit, and the data behind them."""

    table: pd.DataFrame  # the optimizer's input columns, plus fit quality and the observed range
    candidates: pd.DataFrame  # channel, curve, aic, r2, parameters
    history: pd.DataFrame  # channel, period, spend, effective_spend, customers
    adstock: float
    notes: tuple[str, ...]


def model_customers(kind: CurveKind | str, params: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Customers at effective spend ``a`` for a curve kind and its parameters (the optimizer's formulas)."""
    p = list(params) + [1.0] * (3 - len(params))
    return customers_of(CurveKind(kind), a, p[0], p[1], p[2])


def apply_adstock(spend: np.ndarray, decay: float) -> np.ndarray:
    """Geometric carry-over: a_t = x_t + decay * a_(t-1)."""
    out = np.zeros(len(spend))
    carry = 0.0
    for t, x in enumerate(spend):
        carry = x + decay * carry
        out[t] = carry
    return out


def fit_curves(history: str | Path | pd.DataFrame, adstock: float = 0.0, level: float = 0.9) -> CurveFits:
    """Fit and choose each channel's curve from per-period rows (period, channel, spend, customers); the
    table holds intervals at ``level`` around the customers and the curve's parameters."""
    problem = check_number("adstock", adstock, ADSTOCK)
    if problem:
        raise UsageError(f"{problem}: the share of a period's spend that carries to the next one")
    problem = check_number("interval_level", level, LEVEL)
    if problem:
        raise UsageError(problem)
    frame, ltv_given = _read(history)
    rows, candidates, data, notes = [], [], [], []
    for channel, group in frame.groupby("channel", sort=True):
        group = group.sort_values("period")
        x, y = group["spend"].to_numpy(float), group["customers"].to_numpy(float)
        a = apply_adstock(x, adstock)
        data.append(group.assign(effective_spend=a))
        if len(group) < 4 or np.ptp(x) <= 0:
            notes.append(f"{channel!r}: {len(group)} periods with spend from {x.min():g} to {x.max():g} are too few "
                         "or too alike to fit a curve; linear assumed")
        fits = [_fit(kind, a, y) for kind in CurveKind] if len(group) >= 4 else [_fit(CurveKind.linear, a, y)]
        fits = [f for f in fits if f is not None]
        for f in fits:
            candidates.append({"channel": channel, **{k: v for k, v in f.items() if not k.startswith("_")}})
        best = _choose(fits)
        rows.append(_row(channel, best, x, adstock, group, ltv_given))
        rows[-1].update(_intervals(best, rows[-1], 1 - adstock, level))
    table = pd.DataFrame(rows)
    if not ltv_given:
        notes.append("the history has no ltv column: fill the ltv column of the table (see `ltvcac ltv` and "
                     "`ltvcac set-ltv`) before optimizing")
    return CurveFits(table, pd.DataFrame(candidates), pd.concat(data, ignore_index=True), adstock, tuple(notes))


def _choose(fits: list[dict]) -> dict:
    """The lowest AIC, but the fewest parameters among fits within 2 AIC units of it."""
    lowest = min(f["aic"] for f in fits)
    close = [f for f in fits if f["aic"] <= lowest + 2.0]
    return min(close, key=lambda f: (CurveKind(f["curve"]).parameters, f["aic"]))


def _fit(kind: CurveKind, a: np.ndarray, y: np.ndarray) -> dict | None:
    from scipy.optimize import least_squares  # scipy.optimize costs start-up time; only fits need it

    scale_a, scale_y = max(a.max(), 1e-12), max(y.max(), 1e-12)
    starts = {"linear": [np.log(scale_y / scale_a)],
              "power": [np.log(scale_y / np.sqrt(scale_a)), np.log(0.5)],
              "saturating": [np.log(2 * scale_y), np.log(scale_a)],
              "hill": [np.log(2 * scale_y), np.log(np.median(a) + 1e-12), np.log(2.0)]}[kind]

    def params(theta):
        return _params(kind, theta)

    def residuals(theta):
        fitted = model_customers(kind, params(theta), a)
        return (y - fitted) / np.sqrt(np.maximum(fitted, 1.0))

    try:
        res = least_squares(residuals, starts, method="trf", max_nfev=5000)
    except (ValueError, FloatingPointError):
        return None
    p = params(res.x)
    fitted = model_customers(kind, p, a)
    rss = float(np.sum(res.fun**2))
    n, k = len(y), len(starts)
    total = float(np.sum((y - y.mean()) ** 2))
    try:
        cov = np.linalg.inv(res.jac.T @ res.jac) * rss / (n - k) if n > k else None
    except np.linalg.LinAlgError:
        cov = None
    return {"curve": kind.value, "aic": n * np.log(max(rss, 1e-300) / n) + 2 * k,
            "r2": 1 - float(np.sum((y - fitted) ** 2)) / total if total > 0 else float("nan"),
            "p1": p[0], "p2": p[1] if k > 1 else np.nan, "p3": p[2] if k > 2 else np.nan, "_theta": res.x, "_cov": cov}


def _params(kind: CurveKind | str, theta: np.ndarray) -> np.ndarray:
    """A curve's parameters from the log-parameters the fit works in (an elasticity at most 1)."""
    p = np.exp(theta)
    if kind == "power":
        p[1] = min(p[1], 1.0)
    return p


def _steady(kind: str, p: np.ndarray, keep: float) -> np.ndarray:
    """Parameters on effective spend restated for steady per-period spend (effective = spend / keep)."""
    if kind == "linear":
        return np.array([p[0] / keep])
    if kind == "power":
        return np.array([p[0] * keep ** -p[1], p[1]])
    return np.array([p[0], p[1] * keep, *p[2:3]])  # saturating and hill: the scale shrinks by the carry-over


def _intervals(fit: dict, row: dict, keep: float, level: float) -> dict:
    """Lognormal intervals at ``level`` around the row's customers and the curve's own parameters."""
    cov, theta, kind = fit["_cov"], fit["_theta"], fit["curve"]
    if cov is None or not np.isfinite(cov).all() or not row["customers"] > 0:
        return {}
    z, se = z_of(level), np.sqrt(np.clip(np.diag(cov), 0.0, None))

    def log_customers(t):
        return np.log(model_customers(kind, _steady(kind, _params(kind, t), keep), np.array([row["spend"]]))[0])

    steps = np.eye(len(theta)) * 1e-6
    grad = np.array([(log_customers(theta + h) - log_customers(theta - h)) / 2e-6 for h in steps])
    spread = {"customers": float(np.sqrt(max(grad @ cov @ grad, 0.0)))}
    if kind == "power":
        spread["elasticity"] = se[1]
    if kind in ("saturating", "hill"):
        spread["max_customers"] = se[0]
    if kind == "hill":
        spread["shape"] = se[2]
    out = {LEVEL_COLUMN: level}
    for q, s in spread.items():
        out[f"{q}_low"] = row[q] * np.exp(-z * s)
        out[f"{q}_high"] = min(row[q] * np.exp(z * s), UPPER.get(q, np.inf))
    return out


def _row(channel: str, fit: dict, x: np.ndarray, decay: float, group: pd.DataFrame, ltv_given: bool) -> dict:
    """The chosen fit in the channel table's terms, for steady per-period spend."""
    kind, keep = fit["curve"], 1 - decay
    spend = float(x[-1])
    steady = _steady(kind, np.array([fit["p1"], fit["p2"], fit["p3"]]), keep)
    customers = float(model_customers(kind, steady, np.array([spend]))[0])
    row = {"channel": channel, "spend": spend, "customers": customers,
           "ltv": float(group["ltv"].mean()) if ltv_given else np.nan, "curve": kind,
           "elasticity": steady[1] if kind == "power" else np.nan,
           "max_customers": steady[0] if kind in ("saturating", "hill") else np.nan,
           "shape": steady[2] if kind == "hill" else np.nan,
           "observed_min_spend": float(x.min()), "observed_max_spend": float(x.max()),
           "r2": fit["r2"], "periods": len(x)}
    if kind in ("saturating", "hill") and customers >= row["max_customers"]:
        row["max_customers"] = customers * 1.0001
    return row


def _read(history) -> tuple[pd.DataFrame, bool]:
    table = read_table(history.astype(str) if isinstance(history, pd.DataFrame) else history)
    f = table.frame
    missing = [c for c in ("period", "channel", "spend", "customers") if c not in f.columns]
    if missing:
        raise InputError(table.source, [Problem(f"column {c!r} is missing; the history needs period, channel, "
                                                "spend, customers (and optionally ltv)", column=c) for c in missing])
    if f.empty:
        raise InputError(table.source, [Problem("the history has a header but no rows; add one row per channel and "
                                                "period")])
    out = pd.DataFrame({"period": f["period"].astype(str).str.strip(), "channel": f["channel"].astype(str).str.strip()})
    problems = []
    for column in ("spend", "customers", *(("ltv",) if "ltv" in f.columns else ())):
        values = parse_numbers(f[column], table.decimal)
        for pos in np.flatnonzero(AMOUNT.bad(values))[:5]:
            problems.append(Problem(f"{f[column].iloc[pos]!r} is not a number of {AMOUNT}", table.line(int(pos)),
                                    out["channel"].iloc[pos], column))
        out[column] = values
    duplicated = out.duplicated(["channel", "period"], keep="first")
    problems += [Problem("a second row for this channel and period; keep one", table.line(int(p)),
                         out["channel"].iloc[p], "period") for p in np.flatnonzero(duplicated.to_numpy())[:5]]
    if problems:
        raise InputError(table.source, problems)
    numeric = pd.to_numeric(out["period"], errors="coerce")
    if numeric.notna().all():
        out["period"] = numeric
    return out, "ltv" in f.columns
