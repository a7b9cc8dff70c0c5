"""Synthetic journeys from a known order-1 Markov chain, with its exact removal effects: ground truth
for tests, benchmarks and the example data."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
