"""Write the example channel table of cells: 4 Nordic markets x 8 channels x 12 months.

    python scenarios/make_markets.py

Each channel has one curve shape everywhere; each market scales it by its size, each month by a
season (Q4 busier, summer quieter); a few cells carry their own limits. Spend is per month in EUR.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
MARKETS = {"NO": 1.0, "SE": 1.6, "DK": 0.8, "FI": 0.7}  # relative size
CHANNELS = {  # spend per month in a market of size 1, CAC, LTV, curve, elasticity or max-customers factor
    "Search": (60_000, 80, 900, "power", 0.55),
    "Brand search": (12_000, 20, 1_100, "linear", None),
    "Paid social": (45_000, 110, 700, "saturating", 2.5),
    "Display": (25_000, 150, 600, "power", 0.35),
    "Affiliates": (18_000, 95, 520, "linear", None),
    "E-mail": (6_000, 30, 1_000, "saturating", 1.6),
    "TV": (70_000, 140, 1_050, "power", 0.6),
    "Online video": (30_000, 130, 800, "saturating", 3.0),
}
SEASON = [0.9, 0.85, 0.95, 1.0, 1.0, 0.85, 0.7, 0.8, 1.0, 1.1, 1.25, 1.4]  # January to December


def table(seed: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for market, size in MARKETS.items():
        for channel, (spend, cac, ltv, curve, shape) in CHANNELS.items():
            for month, season in enumerate(SEASON, start=1):
                s = round(spend * size * season * rng.uniform(0.92, 1.08), -2)
                customers = round(s / (cac * rng.uniform(0.9, 1.1)), 1)
                rows.append({
                    "channel": channel, "market": market, "period": f"2027-{month:02d}", "spend": s,
                    "customers": customers, "ltv": round(ltv * rng.uniform(0.95, 1.05)), "curve": curve,
                    "elasticity": shape if curve == "power" else None,
                    "max_customers": round(customers * shape, 1) if curve == "saturating" else None,
                    "max_spend": round(2 * s, -2) if curve == "linear" else None,
                })
    return pd.DataFrame(rows)


if __name__ == "__main__":
    table().to_csv(HERE / "markets.csv", index=False)
    print(f"Wrote {HERE / 'markets.csv'}")
