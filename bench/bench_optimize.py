"""Time the optimizer for 10, 100 and 1 000 channels and compare its plans with SciPy's SLSQP.

SLSQP is started from the current spend, as the MMM tools' allocators do, on the same curves
(with their exact gradient), for the value objective with an exact budget. Run by hand:

    python bench/bench_optimize.py --quick    # or: --sizes 10 100 --repeats 5, --slsqp-up-to 1000 (slow)

Prints medians over repeats and the ratio of SLSQP's value to ours (below 1: SLSQP is worse).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from optimizer import GroupRule, optimize, read_channels


def instance(n: int, seed: int = 0) -> pd.DataFrame:
    """A random channel table with mixed curves, some caps and a few locked channels."""
    rng = np.random.default_rng(seed)
    spend = rng.uniform(5_000, 200_000, n)
    kind = rng.choice(["power", "saturating", "linear"], n, p=[0.45, 0.45, 0.10])
    customers = spend / rng.uniform(40, 600, n)
    return pd.DataFrame({
        "channel": [f"channel {i}" for i in range(n)], "spend": spend, "customers": customers,
        "ltv": rng.uniform(100, 2_000, n), "curve": kind,
        "elasticity": np.where(kind == "power", rng.uniform(0.2, 0.9, n), np.nan),
        "max_customers": np.where(kind == "saturating", customers * rng.uniform(1.2, 4, n), np.nan),
        "max_spend": np.where(kind == "linear", spend * 2, np.nan),
        "locked": rng.random(n) < 0.05,
    })


def slsqp(frame: pd.DataFrame) -> tuple[float, float, float]:
    """SLSQP from current spend: (value reached, seconds, budget left unspent)."""
    table = read_channels(frame)
    curves, ltv, s = table.curves, table.ltv, table.spend
    budget = s.sum()
    hi = np.where(np.isnan(table.max_spend), budget, table.max_spend)
    bounds = [(x, x) if k else (0.0, h) for x, k, h in zip(s, table.locked, hi, strict=True)]
    start = time.perf_counter()
    res = minimize(
        lambda x: -ltv @ curves.customers(x), s, jac=lambda x: -ltv * curves.marginal(np.maximum(x, 1e-9)),
        method="SLSQP", bounds=bounds, options={"maxiter": 500, "ftol": 1e-10},
        constraints=[{"type": "eq", "fun": lambda x: x.sum() - budget, "jac": lambda x: np.ones_like(x)}],
    )
    seconds = time.perf_counter() - start
    x = np.clip(res.x, [b[0] for b in bounds], [b[1] for b in bounds])
    return float(ltv @ curves.customers(x)), seconds, float(budget - x.sum())


def group_caps(frame: pd.DataFrame) -> list[GroupRule]:
    """10 groups of every tenth channel: even ones capped at today's spend, odd ones at 10.5 % of the budget."""
    names, spend = list(frame.channel), frame.spend.to_numpy()
    return [GroupRule(f"group {g}", tuple(names[g::10]), max_spend=float(spend[g::10].sum()) if g % 2 == 0 else None,
                      max_share=0.105 if g % 2 else None) for g in range(10)]


def timed(repeats: int, **kwargs) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = optimize(**kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 5000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--slsqp-up-to", type=int, default=100,
                        help="compare with SLSQP up to this many channels (SLSQP at 1 000 takes over 15 minutes)")
    parser.add_argument("--quick", action="store_true", help="10, 100 and 1 000 channels, one repeat (a minute)")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeats = [10, 100, 1000], 1
    print(f"{'n':>5} {'case':<28} {'median s':>9} {'gap':>9}   {'SLSQP s':>8} {'SLSQP/ours':>11} {'unspent':>9}")
    for n in args.sizes:
        frame = instance(n)
        fixed = frame.spend.sum() * 0.1
        cases = {
            "value, exact (multiplier)": dict(objective="value"),
            "value, exact (LP)": dict(objective="value", method="lp"),
            "ratio, at-most, fixed costs": dict(budget_mode="at-most", fixed_costs=fixed),
            "value, binding min-ratio (LP)": dict(objective="value", budget_mode="at-most", min_ratio=None),
            "value, 10 group caps": dict(objective="value", rules=group_caps(frame)),
            "value, 10 group caps (LP)": dict(objective="value", rules=group_caps(frame), method="lp"),
        }
        for name, kw in cases.items():
            if kw.get("min_ratio", 0) is None:  # a floor halfway between the value plan's ratio and the best
                best = optimize(frame, budget_mode="at-most", fixed_costs=fixed).after.ltv_cac
                plain = optimize(frame, objective="value", fixed_costs=fixed).after.ltv_cac
                kw = {**kw, "min_ratio": (best + plain) / 2, "fixed_costs": fixed}
            seconds, result = timed(args.repeats if n < 1000 or "LP" not in name else 1, channels=frame, **kw)
            extra = ""
            if name.startswith("value, exact (multiplier)") and n <= args.slsqp_up_to:
                value, s_time, unspent = slsqp(frame)
                extra = f"{s_time:8.2f} {value / result.after.value:11.6f} {unspent:9.0f}"
            print(f"{n:>5} {name:<28} {seconds:9.3f} {result.gap:9.1e}   {extra}", flush=True)


if __name__ == "__main__":
    main()
