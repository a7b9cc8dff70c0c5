"""Per-period history from known response curves, with noise: the example history and test data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.fitting.fit import apply_adstock, model_customers


def simulate_history(truths: dict[str, tuple[str, list[float]]], periods: int = 52, noise: float = 0.05,
                     seed: int = 0, adstock: float = 0.0) -> pd.DataFrame:
    """Per-period history from known curves (kind, parameters on effective spend) with multiplicative noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for channel, (kind, params) in truths.items():
        level = rng.uniform(0.2, 1.0) * 100_000
        spend = np.round(level * rng.uniform(0.2, 2.0, periods), 2)
        a = apply_adstock(spend, adstock)
        mean = model_customers(kind, np.array(params, float), a)
        customers = np.round(mean * rng.lognormal(0, noise, periods), 3)
        rows += [{"period": t + 1, "channel": channel, "spend": s, "customers": c, "ltv": 800.0}
                 for t, (s, c) in enumerate(zip(spend, customers, strict=True))]
    return pd.DataFrame(rows)
