"""Plans over cells: 100 000 cells (50 markets x 40 channels x 50 periods) with nested budgets only
(nested multipliers, no LP) and with per-market and per-period budgets and a flighting limit (refined
LPs), side by side with a bare HiGHS solve of the final LP, built from arrays in the same run.

    python bench/bench_cells.py --quick          # 10 x 20 x 25 = 5 000 cells, minutes at most
    python bench/bench_cells.py                  # 50 x 40 x 50 = 100 000 cells

Prints medians over repeats, the proven gap, rounds, the ratio to the bare solve and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np
import pandas as pd

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 markets x 20 channels x 25 periods")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--flighting", type=float, default=0.2)
    args = parser.parse_args()
    shape = (10, 20, 25) if args.quick else (50, 40, 50)
    frame = instance(*shape)
    start = time.perf_counter()
    table = read_channels(frame)
    reading = time.perf_counter() - start
    today = frame.groupby("market", sort=False).spend.sum()
    markets = [DimBudget("market", k, max=float(v * 1.05)) for k, v in today.items()]
    periods = [DimBudget("period", k, max=float(v * 1.05)) for k, v in frame.groupby("period").spend.sum().items()]
    print(f"{len(frame)} cells ({' x '.join(map(str, shape))}); reading and validating the table: {reading:.2f} s")
    cases = {"nested budgets (total > market > cell)": markets,
             "market + period budgets + flighting": [*markets, *periods, Flighting(args.flighting)]}
    print(f"{'case':<40} {'median s':>9} {'gap':>9} {'rounds':>7} {'bare HiGHS s':>13} {'ratio':>6}")
    for name, rules in cases.items():
        times, result = [], None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            result = optimize(table, objective="value", budget=float(frame.spend.sum()), rules=rules, tolerance=1e-4)
            times.append(time.perf_counter() - t0)
        median = statistics.median(times)
        bare = "-"
        ratio = "-"
        if result.approach.value == "refined LP":
            model = _final_model(table, rules, frame)
            seconds = statistics.median(bare_seconds(model) for _ in range(args.repeats))
            bare, ratio = f"{seconds:.2f}", f"{median / seconds:.2f}"
        print(f"{name:<40} {median:>9.2f} {result.gap:>9.1e} {result.rounds:>7} {bare:>13} {ratio:>6}", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS) {peak:.0f} MB")


def _final_model(table, rules, frame):
    """The LP of the last round, rebuilt the way the optimizer builds it (same grid, same rows)."""
    from optimizer.model.choices import Objective
    from optimizer.model.formulation import formulate
    from optimizer.model.limits import channel_limits
    from optimizer.model.settings import Settings
    from optimizer.solve.backends import BACKENDS
    from optimizer.solve.strategy import Strategy

    settings = Settings(objective=Objective.value, budget=float(frame.spend.sum()), tolerance=1e-4)
    limits, _ = channel_limits(table, settings, settings.budget)
    program = formulate(table, limits, settings, [], rules)
    strategy = Strategy(table, limits, settings, program, BACKENDS[settings.solver or "highs"])
    outcome = strategy.solve()
    return outcome.solution.model


if __name__ == "__main__":
    main()
