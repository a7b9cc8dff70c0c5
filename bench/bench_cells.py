"""Plans over cells: 100 000 cells (50 markets x 40 channels x 50 periods) with nested budgets only
(nested multipliers, no LP) and with per-market and per-period budgets and a flighting limit (refined
LPs), each beside a reference measured in the same run.

    python bench/bench_cells.py --quick          # 10 x 20 x 25 = 5 000 cells, a minute or two
    python bench/bench_cells.py --repeats 1      # 50 x 40 x 50 = 100 000 cells (the flighting case: ~6.5 min)

Nested budgets: read + validate a CSV file + solve + result, end to end, beside pandas reading the same
file (a fixed workload that says how fast the machine is right now). Flighting: the whole optimize()
beside a bare, cold HiGHS solve of the final LP from its arrays. Medians over repeats; the load average
is printed first, since the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import optimizer.solve.refine as refine
from optimizer import optimize, read_channels
from optimizer.model.dims import DimBudget, Flighting
from optimizer.solve.highs_direct import highs_lp, new_highs


def instance(markets: int, channels: int, periods: int, seed: int = 0) -> pd.DataFrame:
    """Cells whose curves share a channel's shape, scaled by market size and a season per period."""
    rng = np.random.default_rng(seed)
    m, c, t = (a.ravel() for a in np.meshgrid(np.arange(markets), np.arange(channels), np.arange(periods),
                                               indexing="ij"))
    size, base = rng.uniform(0.3, 3, markets)[m], rng.uniform(2_000, 20_000, channels)[c]
    season = 1 + 0.25 * np.sin(t / periods * 2 * np.pi + c)
    spend = (base * size * rng.uniform(0.95, 1.05, len(m))).round(2)
    customers = (spend / rng.uniform(40, 400, channels)[c] * season).round(3)
    power = c % 2 == 0
    return pd.DataFrame({
        "channel": np.char.add("ch", c.astype(str)), "market": np.char.add("M", m.astype(str)),
        "period": np.char.add("P", (t + 1).astype(str)), "spend": spend, "customers": customers,
        "ltv": rng.uniform(100, 1_500, channels)[c].round(2), "curve": np.where(power, "power", "saturating"),
        "elasticity": np.where(power, rng.uniform(0.3, 0.8, channels)[c], np.nan),
        "max_customers": np.where(power, np.nan, customers * rng.uniform(1.5, 4, channels)[c])})


def bare_seconds(model) -> float:
    """A cold HiGHS solve of ``model`` from its arrays, nothing else."""
    h = new_highs()
    h.passModel(highs_lp(model))
    start = time.perf_counter()
    h.run()
    return time.perf_counter() - start


class LastModel:
    """Keeps the last LP the refinement built (the final one), without solving anything twice."""

    def __init__(self):
        self.model, self._build = None, refine.build

    def __enter__(self):
        def keep(*args, **kwargs):
            self.model = self._build(*args, **kwargs)
            return self.model

        refine.build = keep
        return self

    def __exit__(self, *exc):
        refine.build = self._build


def budgets(frame: pd.DataFrame, dim: str) -> list[DimBudget]:
    """A ceiling per value of ``dim``: today's spend there plus 5 %."""
    return [DimBudget(dim, k, max=float(v * 1.05)) for k, v in frame.groupby(dim, sort=False).spend.sum().items()]


def nested_case(frame: pd.DataFrame, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cells.csv"
        frame.to_csv(path, index=False)
        rules, total = budgets(frame, "market"), float(frame.spend.sum())
        ours, reference, result = [], [], None
        for _ in range(repeats):
            start = time.perf_counter()
            pd.read_csv(path)
            reference.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = optimize(read_channels(path), objective="value", budget=total, rules=rules, tolerance=1e-4)
            ours.append(time.perf_counter() - start)
    mine, ref = statistics.median(ours), statistics.median(reference)
    print(f"nested budgets, CSV -> result     {mine:>8.2f} s  ({result.approach}, gap {result.gap:.1e}); "
          f"pandas.read_csv alone {ref:.2f} s, ratio {mine / ref:.1f}", flush=True)


def flighting_case(frame: pd.DataFrame, repeats: int, change: float) -> None:
    table = read_channels(frame)
    rules = [*budgets(frame, "market"), *budgets(frame, "period"), Flighting(change)]
    ours, bare, result = [], [], None
    for _ in range(repeats):
        with LastModel() as last:
            start = time.perf_counter()
            result = optimize(table, objective="value", budget=float(frame.spend.sum()), rules=rules, tolerance=1e-4)
            ours.append(time.perf_counter() - start)
        bare.append(bare_seconds(last.model))
    mine, ref = statistics.median(ours), statistics.median(bare)
    size = f"{len(last.model.lower)} columns x {len(last.model.row_lower)} rows"
    print(f"market + period budgets + flighting {mine:>8.2f} s  ({result.approach}, gap {result.gap:.1e}, "
          f"{result.rounds} rounds); bare HiGHS on the final LP ({size}) {ref:.2f} s, ratio {mine / ref:.2f}",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 markets x 20 channels x 25 periods")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--flighting", type=float, default=0.2)
    args = parser.parse_args()
    shape = (10, 20, 25) if args.quick else (50, 40, 50)
    frame = instance(*shape)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{len(frame)} cells ({' x '.join(map(str, shape))}); load average {load}; medians of {args.repeats}")
    nested_case(frame, args.repeats)
    flighting_case(frame, args.repeats, args.flighting)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS) {peak:.0f} MB")


if __name__ == "__main__":
    main()
