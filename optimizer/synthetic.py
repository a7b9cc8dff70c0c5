"""Synthetic customers with known BG/NBD and Gamma-Gamma parameters, for tests and examples.

Each customer buys at acquisition, then at Poisson rate lambda ~ Gamma(r, alpha) until, after any
repeat purchase, they drop out with probability p ~ Beta(a, b). Each purchase is worth
z ~ Gamma(shape p_spend, rate nu) with nu ~ Gamma(q, rate gamma). Time is in ``unit``s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimizer.transactions import DAYS_PER


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
    day = DAYS_PER[unit]
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


def simulate_journeys(transitions: dict[str, dict[str, float]], start: dict[str, float], journeys: int,
                      seed: int = 0, value: float = 100.0, max_length: int = 50) -> pd.DataFrame:
    """Journeys drawn from a known order-1 chain, aggregated into paths (ground truth for tests).

    ``transitions[c]`` gives the next-step probabilities from channel c, over channels and the
    absorbing "(conversion)" and "(null)"; ``start`` the first channel's.
    """
    rng = np.random.default_rng(seed)
    names = sorted(start)
    targets = [*names, "(conversion)", "(null)"]
    table = np.array([[transitions[c].get(t, 0.0) for t in targets] for c in names])
    first = rng.choice(len(names), size=journeys, p=[start[c] for c in names])
    counts: dict[tuple, list[float]] = {}
    for j in range(journeys):
        path, state = [first[j]], first[j]
        while True:
            nxt = rng.choice(len(targets), p=table[state])
            if nxt >= len(names) or len(path) >= max_length:
                break
            path.append(nxt)
            state = nxt
        key = tuple(path)
        entry = counts.setdefault(key, [0.0, 0.0])
        entry[0 if nxt == len(names) else 1] += 1
    rows = [(" > ".join(names[c] for c in k), v[0], v[0] * value, v[1]) for k, v in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["path", "total_conversions", "total_conversion_value", "total_null"])


def exact_removal_effects(transitions: dict[str, dict[str, float]], start: dict[str, float]) -> dict[str, float]:
    """Removal effects of the TRUE chain, from its probabilities (the ground truth)."""
    names = sorted(start)
    q = np.array([[transitions[c].get(t, 0.0) for t in names] for c in names])
    r = np.array([transitions[c].get("(conversion)", 0.0) for c in names])
    s = np.array([start[c] for c in names])

    def probability(keep):
        k = np.array(keep)
        x = np.linalg.solve(np.eye(k.sum()) - q[np.ix_(k, k)], r[k])
        return float(s[k] @ x)

    base = probability([True] * len(names))
    return {c: 1 - probability([d != c for d in names]) / base for c in names}


def simulate_events(transitions: dict[str, dict[str, float]], start: dict[str, float], customers: int,
                    seed: int = 0, begin: str = "2024-01-01", mean_gap_days: float = 3.0) -> pd.DataFrame:
    """An event log (customer_id, timestamp, channel, conversion, value) from a known order-1 chain.

    Each customer makes one journey; touches are ``mean_gap_days`` apart on average, and a
    converting journey ends with a conversion row a few hours after its last touch.
    """
    rng = np.random.default_rng(seed)
    names = sorted(start)
    targets = [*names, "(conversion)", "(null)"]
    table = np.array([[transitions[c].get(t, 0.0) for t in targets] for c in names])
    rows = []
    origin = pd.Timestamp(begin)
    for k in range(customers):
        cid = f"U{k:06d}"
        now = origin + pd.Timedelta(days=float(rng.uniform(0, 60)))
        state = rng.choice(len(names), p=[start[c] for c in names])
        while True:
            rows.append((cid, now, names[state], 0, 0.0))
            nxt = rng.choice(len(targets), p=table[state])
            if nxt == len(names):
                rows.append((cid, now + pd.Timedelta(hours=float(rng.uniform(0.1, 6))), "", 1,
                             round(float(rng.gamma(4.0, 250.0)), 2)))
            if nxt >= len(names):
                break
            now += pd.Timedelta(days=float(rng.exponential(mean_gap_days)))
            state = nxt
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "channel", "conversion", "value"])
