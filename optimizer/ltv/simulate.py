"""Synthetic customers with known BG/NBD and Gamma-Gamma parameters, for tests and examples.

Each customer buys at acquisition, then at Poisson rate lambda ~ Gamma(r, alpha) until, after any
repeat purchase, they drop out with probability p ~ Beta(a, b). Each purchase is worth
z ~ Gamma(shape p_spend, rate nu) with nu ~ Gamma(q, rate gamma). Time is in ``unit``s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.model.choices import TimeUnit


@dataclass(frozen=True)
class ChannelTruth:
    """How one channel's customers behave: BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, gamma)."""

    customers: int
    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    gamma: float


def simulate(truths: dict[str, ChannelTruth], start: str = "2024-01-01", acquisition_units: float = 26,
             observe_units: float = 78, unit: str = "weeks", seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A transaction log (customer_id, date, amount) and an acquisition table (customer_id, channel).

    Customers arrive evenly over the first ``acquisition_units``; the log ends ``observe_units``
    after ``start``.
    """
    rng = np.random.default_rng(seed)
    logs, acquired = [], []
    offset = 0
    for name, truth in truths.items():
        ids = np.arange(offset, offset + truth.customers)
        offset += truth.customers
        times, who, amounts = _customers(rng, truth, acquisition_units, observe_units)
        logs.append(pd.DataFrame({"customer_id": ids[who], "t": times, "amount": amounts}))
        acquired.append(pd.DataFrame({"customer_id": ids, "channel": name}))
    log = pd.concat(logs, ignore_index=True)
    day = TimeUnit(unit).days_each
    log["date"] = pd.Timestamp(start) + pd.to_timedelta(np.floor(log.pop("t") * day), unit="D")
    log["customer_id"] = log["customer_id"].map(lambda i: f"C{i:06d}")
    acq = pd.concat(acquired, ignore_index=True)
    acq["customer_id"] = acq["customer_id"].map(lambda i: f"C{i:06d}")
    return log[["customer_id", "date", "amount"]].sort_values(["date", "customer_id"]), acq


def _customers(rng, truth: ChannelTruth, acquisition_units: float, observe_units: float):
    n = truth.customers
    rate = rng.gamma(truth.r, 1 / truth.alpha, n)
    dropout = rng.beta(truth.a, truth.b, n)
    nu = rng.gamma(truth.q, 1 / truth.gamma, n)
    now = rng.uniform(0, acquisition_units, n)
    times, who = [now.copy()], [np.arange(n)]
    alive = np.ones(n, bool)  # dropout follows repeat purchases only, as in BG/NBD's likelihood
    while alive.any():
        idx = np.flatnonzero(alive)
        now[idx] += rng.exponential(1 / rate[idx])
        in_window = now[idx] < observe_units
        idx = idx[in_window]
        times.append(now[idx].copy())
        who.append(idx)
        alive[:] = False
        alive[idx] = rng.random(len(idx)) >= dropout[idx]
    who = np.concatenate(who)
    amounts = np.round(rng.gamma(truth.p, 1 / nu[who]), 2)
    return np.concatenate(times), who, amounts
