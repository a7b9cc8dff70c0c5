"""Time LTV fits against lifetimes side by side, and LTV estimation end to end.

    python bench/bench_ltv.py                 # --quick: 100 000 customers, 3 alternated runs
    python bench/bench_ltv.py --customers 10000 100000 --repeats 5

For each size: the BG/NBD + Gamma-Gamma fit on the pooled customers, ours (compression included)
and lifetimes 0.11.3's (BetaGeoFitter and GammaGammaFitter on the same rows compressed, their
defaults) when it is installed (``pip install -e ".[bench]"``), alternated, medians and the ratio,
with the largest relative difference between the two sets of parameters. Then reading the log
from CSV and estimating LTV per channel with each method (ours only).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.ltv.bgnbd import fit_bgnbd, fit_gamma_gamma
from optimizer.ltv.estimate import LtvSettings, estimate_ltv
from optimizer.ltv.simulate import ChannelTruth, simulate
from optimizer.ltv.transactions import read_acquisition, read_transactions, summarize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-methods", action="store_true", help="only the fits against lifetimes")
    parser.add_argument("--quick", action="store_true", help="10 000 customers, one repeat (about a minute)")
    args = parser.parse_args()
    if args.quick:
        args.customers, args.repeats = [10_000], 1
    print(f"{'customers':>10} {'rows':>9} {'ours s':>8} {'lifetimes s':>12} {'ratio':>6} {'max rel diff':>13}")
    logs = {n: make_log(n) for n in args.customers}
    for n, (log, _) in logs.items():
        print(compare_fits(n, log, args.repeats), flush=True)
    if args.no_methods:
        return
    print(f"\n{'customers':>10} {'rows':>9} {'read s':>8} {'bgnbd s':>8} {'cohort s':>9} {'simple s':>9}")
    for n, (log, acq) in logs.items():
        print(measure_methods(n, log, acq, args.repeats), flush=True)


def make_log(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A log of ``n`` customers over four channels (about three rows a customer)."""
    truth = {f"channel {k}": ChannelTruth(n // 4, 0.3 + 0.05 * k, 5.0, 0.8, 2.5, 6.0, 4.0, 30.0) for k in range(4)}
    return simulate(truth, seed=1)


def compare_fits(n: int, log: pd.DataFrame, repeats: int) -> str:
    purchases = read_transactions(log)
    s = summarize(purchases.frame, "weeks")
    ours_t, theirs_t, ours, theirs = [], [], None, None
    for _ in range(repeats):  # alternated, so a change in the machine's load hits both
        start = time.perf_counter()
        ours = ours_fit(s)
        ours_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        theirs = lifetimes_fit(s)
        theirs_t.append(time.perf_counter() - start)
    mine = statistics.median(ours_t)
    if theirs is None:
        return f"{n:>10} {len(log):>9} {mine:>8.2f} {'-':>12} {'-':>6} {'-':>13}  (lifetimes not installed)"
    peer = statistics.median(theirs_t)
    diff = max(abs(a / b - 1) for a, b in zip(ours, theirs, strict=True))
    return f"{n:>10} {len(log):>9} {mine:>8.2f} {peer:>12.2f} {mine / peer:>6.2f} {diff:>13.1e}"


def ours_fit(s: pd.DataFrame) -> list[float]:
    bg = fit_bgnbd(s.frequency, s.recency, s["T"])
    gg = fit_gamma_gamma(s.frequency, s.monetary_value)
    return [bg.r, bg.alpha, bg.a, bg.b, gg.p, gg.q, gg.gamma]


def lifetimes_fit(s: pd.DataFrame) -> list[float] | None:
    """lifetimes on compressed rows (its documented way for large data), its default start and tolerance."""
    try:
        from lifetimes import BetaGeoFitter, GammaGammaFitter
    except ImportError:
        return None
    rows = s.groupby(["frequency", "recency", "T"]).size().rename("weights").reset_index()
    repeat = s[(s.frequency > 0) & (s.monetary_value > 0)]
    spend = repeat.groupby(["frequency", "monetary_value"]).size().rename("weights").reset_index()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bg = BetaGeoFitter().fit(rows.frequency, rows.recency, rows["T"], weights=rows.weights)
        gg = GammaGammaFitter().fit(spend.frequency, spend.monetary_value, weights=spend.weights)
    p = bg.params_
    return [p["r"], p["alpha"], p["a"], p["b"], gg.params_["p"], gg.params_["q"], gg.params_["v"]]


def measure_methods(n: int, log: pd.DataFrame, acq: pd.DataFrame, repeats: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        log_path, acq_path = Path(tmp) / "log.csv", Path(tmp) / "acq.csv"
        log.to_csv(log_path, index=False, date_format="%Y-%m-%d")
        acq.to_csv(acq_path, index=False)
        read = _median(repeats, lambda: (read_transactions(log_path), read_acquisition(acq_path)))
        purchases, channels = read_transactions(log_path), read_acquisition(acq_path)
    fits = [_median(repeats, lambda m=model: estimate_ltv(purchases, channels, LtvSettings(model=m)))
            for model in ("bgnbd", "cohort", "simple")]
    return f"{n:>10} {len(log):>9} {read:>8.2f} {fits[0]:>8.2f} {fits[1]:>9.2f} {fits[2]:>9.2f}"


def _median(repeats: int, work) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
