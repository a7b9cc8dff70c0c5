"""Time payback rules against the rules they resemble, for 10, 100 and 1 000 channels.

    python bench/bench_payback.py             # --quick: 10 and 100 channels, 3 repeats
    python bench/bench_payback.py --sizes 10 100 1000 --repeats 5

Each channel gets a value timeline (monthly to 36 months, a geometric approach to its LTV at its own
speed). Cases: no rule (the budget multiplier); a max_payback column on every channel (ceilings in
closed form, still the multiplier); a binding portfolio --max-payback (a row, refined LPs, and the
check of the fastest payback first) beside a binding --min-ratio (a row of the same shape). Prints
medians over repeats and each case's ratio to the min-ratio case measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from optimizer import optimize

MONTHS = np.arange(37)


def instance(n: int, seed: int = 0) -> pd.DataFrame:
    """A random channel table with mixed curves and a value timeline per channel."""
    rng = np.random.default_rng(seed)
    spend = rng.uniform(5_000, 200_000, n)
    kind = rng.choice(["power", "saturating"], n)
    ltv = rng.uniform(100, 2_000, n)
    customers = spend / (ltv / rng.uniform(1.5, 5, n))  # LTV:CAC from 1.5 to 5 at today's spend
    first, keep = rng.uniform(0.0, 0.15, n), rng.uniform(0.80, 0.97, n)  # first purchase share, monthly retention
    shape = first[:, None] + (1 - first[:, None]) * (1 - keep[:, None] ** MONTHS) / (1 - keep[:, None] ** 36)
    frame = pd.DataFrame({
        "channel": [f"channel {i}" for i in range(n)], "spend": spend, "customers": customers, "ltv": ltv,
        "curve": kind, "elasticity": np.where(kind == "power", rng.uniform(0.2, 0.9, n), np.nan),
        "max_customers": np.where(kind == "saturating", customers * rng.uniform(1.2, 4, n), np.nan)})
    timeline = pd.DataFrame(ltv[:, None] * shape, columns=[f"value_{m}m" for m in MONTHS])
    return pd.concat([frame, timeline], axis=1)


def timed(repeats: int, frame: pd.DataFrame, **kwargs) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = optimize(frame, **kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def cases(frame: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, dict]]:
    """The cases, with a payback limit and a ratio floor halfway to what binds."""
    fixed = float(frame.spend.sum()) * 0.1
    base = dict(objective="value", budget_mode="at-most", fixed_costs=fixed)
    free = optimize(frame, **base)
    best_ratio = optimize(frame, budget_mode="at-most", fixed_costs=fixed).after.ltv_cac
    per_channel = frame.assign(max_payback=12.0)
    return {
        "no rule (multiplier)": (frame, dict(objective="value")),
        "max_payback column (multiplier)": (per_channel, dict(objective="value")),
        "binding min-ratio (LP)": (frame, {**base, "min_ratio": (best_ratio + free.after.ltv_cac) / 2}),
        "binding max-payback (LP)": (frame, {**base, "max_payback": free.payback.recommended * 0.9}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10 and 100 channels, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeats = [10, 100], 1
    print(f"{'n':>5} {'case':<34} {'median s':>9} {'vs min-ratio':>13} {'status':>11} {'binding':>8}")
    for n in args.sizes:
        runs = {name: timed(args.repeats, table, **kw) for name, (table, kw) in cases(instance(n)).items()}
        reference = runs["binding min-ratio (LP)"][0]
        for name, (seconds, result) in runs.items():
            floor = result.settings.min_ratio
            binding = (any(r.binding for r in result.rules) or (floor is not None and abs(
                result.after.ltv_cac - floor) <= 1e-6 * floor)) if result.ok else ""
            print(f"{n:>5} {name:<34} {seconds:9.3f} {seconds / reference:13.2f} {result.status.value:>11} "
                  f"{binding!s:>8}", flush=True)


if __name__ == "__main__":
    main()
