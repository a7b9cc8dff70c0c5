"""Time plans under uncertainty on 50 channels, and compare the CVaR plan with SciPy's SLSQP on the same draws.

- ``simulate``: today's and the recommended plan scored under 2 000 draws, and every draw re-optimized
  (the vectorized closed form: the budget is the only rule linking channels).
- ``cvar``: the certified plan maximizing the mean of the worst 10 % of 1 000 draws, with draws that
  scale curves (LTV, customers) and with draws that also change their shape (elasticity,
  max_customers).
- SLSQP: the same objective (the mean of the worst 10 % of the same draws, as PyMC-Marketing's
  CVaR utility computes it) maximized by SciPy's SLSQP from the current spend with its subgradient,
  as PyMC-Marketing's BudgetOptimizer does; its value and time beside ours.

Run by hand (medians over repeats):

    python bench/bench_uncertainty.py            # 50 channels, 2 000 and 1 000 draws, 3 repeats
    python bench/bench_uncertainty.py --quick    # 20 channels, 500 draws, 1 repeat
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from bench_optimize import instance, timed
from scipy.optimize import minimize

from optimizer import read_channels
from optimizer.uncertainty.plan import make_draws
from optimizer.uncertainty.summary import tail_mean


def uncertain(n: int, shape: bool) -> pd.DataFrame:
    """The optimizer bench's channel table with intervals on LTV and customers (and curve shapes)."""
    frame = instance(n)
    frame["ltv_low"], frame["ltv_high"] = frame.ltv * 0.75, frame.ltv * 1.3
    frame["customers_low"], frame["customers_high"] = frame.customers * 0.85, frame.customers * 1.15
    if shape:
        power, saturating = frame.curve == "power", frame.curve == "saturating"
        frame["elasticity_low"] = np.where(power, frame.elasticity * 0.8, np.nan)
        frame["elasticity_high"] = np.where(power, np.minimum(frame.elasticity * 1.2, 1.0), np.nan)
        frame["max_customers_low"] = np.where(saturating, frame.max_customers * 0.8, np.nan)
        frame["max_customers_high"] = np.where(saturating, frame.max_customers * 1.25, np.nan)
    return frame


def slsqp(frame: pd.DataFrame, result, alpha: float) -> tuple[float, float]:
    """SLSQP on the mean of the worst ``alpha`` share of the same draws: (value reached, seconds)."""
    table = read_channels(frame)
    draws = make_draws(table, result.settings)
    budget = table.spend.sum()
    hi = np.where(np.isnan(table.max_spend), budget, table.max_spend)
    bounds = [(x, x) if k else (0.0, h) for x, k, h in zip(table.spend, table.locked, hi, strict=True)]
    count = alpha * draws.size

    def value(x):
        return draws.ltv * draws.customers(x)

    def objective(x):
        return -float(tail_mean(value(x).sum(axis=1), alpha))

    def gradient(x):  # the tail's mean gradient (a subgradient where draws tie)
        per = value(x).sum(axis=1)
        order = np.argsort(per)
        weight = np.zeros(draws.size)
        whole = int(count)
        weight[order[:whole]] = 1.0
        if whole < draws.size:
            weight[order[whole]] = count - whole
        slopes = draws.ltv * draws.curves.marginal(np.tile(np.maximum(x, 1e-9), draws.size)).reshape(draws.ltv.shape)
        return -(weight @ slopes) / count

    start = time.perf_counter()
    res = minimize(objective, table.spend, jac=gradient, method="SLSQP", bounds=bounds,
                   options={"maxiter": 500, "ftol": 1e-10},
                   constraints=[{"type": "eq", "fun": lambda x: x.sum() - budget, "jac": lambda x: np.ones_like(x)}])
    seconds = time.perf_counter() - start
    x = np.clip(res.x, [b[0] for b in bounds], [b[1] for b in bounds])
    return -objective(x), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 channels, 500 draws, one repeat")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    n, many, few = (20, 500, 500) if args.quick else (50, 2000, 1000)
    repeats = args.repeats or (1 if args.quick else 3)
    seconds, result = timed(repeats, channels=uncertain(n, shape=True), simulate=many)
    print(f"simulate {many} draws x {n} channels, every draw re-optimized: median {seconds:.2f} s "
          f"({result.uncertainty.draws} draws, stability of {len(result.plan)} channels)")
    print(f"\n{'cvar:0.1 on ' + str(few) + ' draws':<26}{'ours s':>8}{'gap':>9}{'rounds':>7}{'SLSQP s':>9}"
          f"{'time ours/SLSQP':>16}{'value SLSQP/ours':>17}")
    for label, shape in (("draws scale curves", False), ("draws change shapes", True)):
        frame = uncertain(n, shape)
        seconds, result = timed(repeats, channels=frame, objective="value", risk="cvar:0.1", simulate=few)
        ours = result.uncertainty.frame.loc["recommended", "objective_tail"]
        runs = [slsqp(frame, result, 0.1) for _ in range(repeats)]
        theirs, slsqp_seconds = runs[0][0], statistics.median(r[1] for r in runs)
        print(f"  {label:<24}{seconds:>8.2f}{result.gap:>9.1e}{result.rounds:>7}{slsqp_seconds:>9.2f}"
              f"{seconds / slsqp_seconds:>16.2f}{theirs / ours:>17.6f}")


if __name__ == "__main__":
    main()
