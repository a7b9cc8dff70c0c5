"""Response curves fitted from history: per-period spend and customers per channel.

Each channel gets linear, power, saturating and Hill fits by least squares with residuals scaled
by sqrt(fitted customers) (counts vary with their mean, as for Poisson data). The fit with the
lowest AIC (n log(RSS / n) + 2 k) is chosen, except that a curve with fewer parameters within 2
AIC units of it is preferred. Within a narrow observed range, concave curves can fit about equally
well; what the data supports is the curve inside that range, which is why the range is reported.

With ``adstock`` = d, spend carries over: effective spend a_t = x_t + d * a_{t-1}; curves are
fitted on a and reported for steady per-period spend x, where a = x / (1 - d). A plan that goes far
beyond the observed spend is flagged by the optimizer.
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

ADSTOCK = Allowed(0.0, 1.0, high_open=True, words="in [0, 1), such as 0.3")


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


def fit_curves(history: str | Path | pd.DataFrame, adstock: float = 0.0) -> CurveFits:
    """Fit and choose each channel's curve from per-period rows (period, channel, spend, customers)."""
    problem = check_number("adstock", adstock, ADSTOCK)
    if problem:
        raise UsageError(f"{problem}: the share of a period's spend that carries to the next one")
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
            candidates.append({"channel": channel, **f})
        best = _choose(fits)
        rows.append(_row(channel, best, x, adstock, group, ltv_given))
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
        p = np.exp(theta)
        if kind == "power":
            p[1] = min(p[1], 1.0)
        return p

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
    return {"curve": kind.value, "aic": n * np.log(max(rss, 1e-300) / n) + 2 * k,
            "r2": 1 - float(np.sum((y - fitted) ** 2)) / total if total > 0 else float("nan"),
            "p1": p[0], "p2": p[1] if k > 1 else np.nan, "p3": p[2] if k > 2 else np.nan}


def _row(channel: str, fit: dict, x: np.ndarray, decay: float, group: pd.DataFrame, ltv_given: bool) -> dict:
    """The chosen fit in the channel table's terms, for steady per-period spend."""
    kind, keep = fit["curve"], 1 - decay
    spend = float(x[-1])
    p = np.array([fit["p1"], fit["p2"], fit["p3"]])
    if kind == "linear":
        steady = np.array([p[0] / keep])
    elif kind == "power":
        steady = np.array([p[0] * keep ** -p[1], p[1]])
    else:  # saturating and hill: the scale shrinks by the carry-over
        steady = np.array([p[0], p[1] * keep, p[2]])
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
