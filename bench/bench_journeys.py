"""Time building journeys from an event log (CSV) in DuckDB, with peak memory.

    python bench/bench_journeys.py --events 1000000 5000000

Events are random: ~events/5 customers, 10 channels, about 5 % of rows conversions. Each size
runs in its own process; "build" reads the CSV, assigns touches to conversions (30-day lookback),
aggregates paths and computes time-decay credit. The process first makes the log with pandas, so
"peak MB before" is that generator's peak; the build's own memory shows only where "after" is higher.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from isolated import in_own_process, serve_or_run


def make_log(n: int, path: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    conversion = rng.random(n) < 0.05
    frame = pd.DataFrame({
        "customer_id": rng.integers(0, max(n // 5, 1), n),
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 180 * 86400, n), unit="s"),
        "channel": np.where(conversion, "", np.array([f"channel_{c}" for c in range(10)])[rng.integers(0, 10, n)]),
        "conversion": conversion.astype(int),
        "value": np.where(conversion, rng.gamma(4, 25, n).round(2), 0.0)})
    frame.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")


def measure(n: int) -> dict:
    from optimizer.journeys.events import build_journeys

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        make_log(n, path)
        size = path.stat().st_size / 2**20
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        built = build_journeys(path)
        seconds = time.perf_counter() - start
    return {"events": n, "csv_mb": size, "build_s": seconds, "paths": len(built.paths),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "before_mb": before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="100 000 events (under a minute)")
    args = parser.parse_args()
    if args.quick:
        args.events = [100_000]
    if serve_or_run(args.one, measure):
        return
    print(f"{'events':>10} {'CSV MB':>8} {'build s':>8} {'distinct paths':>15} {'peak MB before':>15} "
          f"{'peak MB after':>14}")
    for n in args.events:
        r = in_own_process(__file__, n)
        print(f"{n:>10} {r['csv_mb']:>8.0f} {r['build_s']:>8.2f} {r['paths']:>15} {r['before_mb']:>15.0f} "
              f"{r['peak_mb']:>14.0f}", flush=True)


if __name__ == "__main__":
    main()
