"""Time attribution on 10k, 100k and 1M distinct paths over 10 channels, with peak memory.

    python bench/bench_attribution.py --paths 10000 100000 1000000

Each size runs in its own process so its peak memory (max RSS) is its own. Paths are random
(length 1-8, weighted counts) and written to CSV first, as users have them; "read" is parsing
that CSV into paths. Reference (ChannelAttribution 2.2.5 on such data, 1M paths): Markov order 1
20.4 s, order 3 43.9 s (simulated), heuristics 6.8 s.
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


def make_paths(n: int, channels: int = 10, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = np.array([f"channel_{c}" for c in range(channels)])
    rows: set[str] = set()
    while len(rows) < n:
        lengths = np.minimum(rng.geometric(0.3, size=n), 8)
        for length in lengths:
            rows.add(" > ".join(names[rng.integers(0, channels, length)]))
            if len(rows) >= n:
                break
    paths = sorted(rows)
    conv = rng.poisson(2.0, n).astype(float)
    return pd.DataFrame({"path": paths, "total_conversions": conv, "total_conversion_value": conv * 50.0,
                         "total_null": rng.poisson(5.0, n).astype(float)})


def measure(n: int) -> dict:
    from optimizer.journeys.attribution import HEURISTICS, attribute
    from optimizer.journeys.read import read_paths

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "paths.csv"
        make_paths(n).to_csv(csv, index=False)
        start = time.perf_counter()
        paths = read_paths(csv)
        out = {"paths": n, "read_s": time.perf_counter() - start}
    start = time.perf_counter()
    for model in HEURISTICS:
        attribute(paths, model)
    out["heuristics_s"] = time.perf_counter() - start
    for order in (1, 3):
        start = time.perf_counter()
        attribute(paths, "markov", order)
        out[f"markov{order}_s"] = time.perf_counter() - start
    start = time.perf_counter()
    attribute(paths, "shapley")
    out["shapley_s"] = time.perf_counter() - start
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if serve_or_run(args.one, measure):
        return
    print(f"{'paths':>9} {'read s':>8} {'4 heuristics s':>15} {'markov 1 s':>11} {'markov 3 s':>11} "
          f"{'shapley s':>10} {'peak MB':>8}")
    for n in args.paths:
        r = in_own_process(__file__, n)
        print(f"{n:>9} {r['read_s']:>8.2f} {r['heuristics_s']:>15.2f} {r['markov1_s']:>11.2f} "
              f"{r['markov3_s']:>11.2f} {r['shapley_s']:>10.2f} {r['peak_mb']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
