"""Solve times with S-shaped curves and minimum buy-ins: 10, 50 and 200 channels.

    python bench/bench_scurves.py --channels 10 50 200 --time-limit 300

Half the channels have Hill curves with shape 2-4 (S-shaped), a third have buy-ins; the value
objective with the budget spent in full. Prints the median time of a few repeats (one for the
largest), the proven gap on the true curves, and the refinement rounds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from optimizer import optimize


def instance(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    spend = rng.uniform(10_000, 200_000, n)
    hill = np.arange(n) % 2 == 0
    customers = spend / rng.uniform(50, 500, n)
    return pd.DataFrame({
        "channel": [f"channel {i}" for i in range(n)], "spend": spend, "customers": customers,
        "ltv": rng.uniform(100, 1500, n), "curve": np.where(hill, "hill", "power"),
        "elasticity": np.where(hill, np.nan, rng.uniform(0.3, 0.8, n)),
        "max_customers": np.where(hill, customers * rng.uniform(2, 6, n), np.nan),
        "shape": np.where(hill, rng.uniform(2, 4, n), np.nan),
        "min_buy_in": np.where(rng.random(n) < 0.33, spend * rng.uniform(0.5, 1.0, n), np.nan)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=300)
    parser.add_argument("--quick", action="store_true", help="10 and 50 channels, one repeat, 60 s limit")
    args = parser.parse_args()
    if args.quick:
        args.channels, args.repeats, args.time_limit = [10, 50], 1, 60.0
    print(f"{'channels':>9} {'median s':>9} {'status':>11} {'proven gap':>11} {'rounds':>7}")
    for n in args.channels:
        frame = instance(n)
        times, result = [], None
        for _ in range(args.repeats if n < 200 else 1):
            start = time.perf_counter()
            result = optimize(frame, objective="value", time_limit=args.time_limit)
            times.append(time.perf_counter() - start)
        print(f"{n:>9} {statistics.median(times):>9.2f} {result.status:>11} {result.gap:>11.1e} "
              f"{result.rounds:>7}", flush=True)


if __name__ == "__main__":
    main()
