"""Independent reference optima, written without the optimizer's code.

The curve formulas are typed again from the README; each channel's best spend for a given
budget multiplier comes from scipy's bounded scalar minimizer on function values only, and the
multiplier is found by bisection until the budget is met (the marginal-equalization condition
for separable concave problems). The ratio reference runs Dinkelbach on top of that, and a
brute-force grid covers small cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar


@dataclass
class Instance:
    frame: pd.DataFrame  # a channel table the optimizer reads
    funcs: list  # customers(x) per channel, typed from the formulas
    ltv: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def customers_fn(kind: str, s0: float, c0: float, e: float = 1.0, m: float = 0.0):
    if kind == "linear":
        return lambda x: c0 / s0 * x
    if kind == "power":
        return lambda x: c0 * (x / s0) ** e
    k = -s0 / math.log(1.0 - c0 / m)
    return lambda x: m * (1.0 - math.exp(-x / k))


def random_instance(seed: int, n: int, kinds=("power", "saturating"), with_limits: bool = True) -> Instance:
    rng = np.random.default_rng(seed)
    spend = rng.uniform(1_000, 100_000, n).round(2)
    customers = (spend / rng.uniform(20, 400, n)).round(3)
    ltv = rng.uniform(50, 1_500, n).round(2)
    kind = rng.choice(kinds, n)
    elasticity = np.where(kind == "power", rng.uniform(0.15, 0.95, n).round(3), np.nan)
    max_c = np.where(kind == "saturating", (customers * rng.uniform(1.1, 5, n)).round(3), np.nan)
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    frame = pd.DataFrame({"channel": [f"ch{i}" for i in range(n)], "spend": spend, "customers": customers,
                          "ltv": ltv, "curve": kind, "elasticity": elasticity, "max_customers": max_c})
    if with_limits:
        has_min = rng.random(n) < 0.3
        has_max = rng.random(n) < 0.3
        lo = np.where(has_min, (spend * rng.uniform(0.2, 0.9, n)).round(2), 0.0)
        hi = np.where(has_max, (spend * rng.uniform(1.1, 3, n)).round(2), np.inf)
        frame["min_spend"] = np.where(has_min, lo, np.nan)
        frame["max_spend"] = np.where(has_max, hi, np.nan)
    funcs = [customers_fn(k, s, c, e, m) for k, s, c, e, m in zip(kind, spend, customers, elasticity, max_c)]
    return Instance(frame, funcs, ltv, lo, hi)


def best_spend(f, ltv: float, price: float, lo: float, hi: float) -> float:
    """argmax of ltv * f(x) - price * x on [lo, hi], from function values only."""
    def score(x):
        return ltv * f(x) - price * x

    if hi <= lo:
        return lo
    res = minimize_scalar(lambda x: -score(x), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-10 * max(hi - lo, 1.0)})
    return max((lo, hi, float(res.x)), key=score)


def reference_value(inst: Instance, budget: float, exact: bool, beta: float = 0.0) -> np.ndarray:
    """Spend maximizing sum(ltv * customers - beta * spend) under the budget, by bisection on mu."""
    hi = np.minimum(inst.hi, budget)

    def spend_at(mu):
        return np.array([best_spend(f, v, beta + mu, lo, h) for f, v, lo, h in zip(inst.funcs, inst.ltv, inst.lo, hi)])

    if not exact and spend_at(0.0).sum() <= budget:
        return spend_at(0.0)
    low, high = (0.0 if not exact else -1e6), 1e6
    for _ in range(100):
        if high - low <= 1e-13 * max(abs(high), 1.0):  # well below the tests' 1e-6
            break
        mid = 0.5 * (low + high)
        if spend_at(mid).sum() > budget:
            low = mid
        else:
            high = mid
    return spend_at(high)


def value_of(inst: Instance, x: np.ndarray) -> float:
    return float(sum(v * f(xi) for f, v, xi in zip(inst.funcs, inst.ltv, x)))


def reference_ratio(inst: Instance, budget: float, fixed: float) -> float:
    """Best value / (spend + fixed) with spend <= budget, by Dinkelbach on the reference above."""
    lam = 0.0
    for _ in range(50):
        x = reference_value(inst, budget, exact=False, beta=lam)
        new = value_of(inst, x) / (x.sum() + fixed)
        if abs(new - lam) <= 1e-12 * new:
            break
        lam = new
    return lam


def brute_force_ratio(inst: Instance, budget: float, fixed: float, steps: int = 1500) -> float:
    """Best ratio of two channels on a grid of spends (spend <= budget), for small checks."""
    assert len(inst.funcs) == 2
    hi = np.minimum(inst.hi, budget)
    g0 = np.linspace(inst.lo[0], hi[0], steps)
    g1 = np.linspace(inst.lo[1], hi[1], steps)
    v0 = inst.ltv[0] * np.array([inst.funcs[0](x) for x in g0])
    v1 = inst.ltv[1] * np.array([inst.funcs[1](x) for x in g1])
    total = g0[:, None] + g1[None, :]
    ratio = (v0[:, None] + v1[None, :]) / (total + fixed)
    ratio[total > budget] = -np.inf
    return float(ratio.max())
