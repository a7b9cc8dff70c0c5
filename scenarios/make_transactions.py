"""Write the example transaction log and acquisition table from known (true) parameters.

    python scenarios/make_transactions.py

Time is in weeks; spend in NOK. About 2 % of purchases are partly returned the same day, so the
files show how returns are handled. The true LTVs follow from these parameters, which lets the
README's example be checked against the truth.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.ltv.simulate import ChannelTruth, simulate

HERE = Path(__file__).resolve().parent
TRUTH = {  # customers, BG/NBD r, alpha, a, b; Gamma-Gamma p, q, gamma (mean spend p * gamma / (q - 1))
    "Søk (paid search)": ChannelTruth(1500, 0.30, 5.0, 0.8, 2.8, 6.0, 4.0, 600.0),
    "Brand search": ChannelTruth(420, 0.45, 5.0, 0.7, 3.5, 6.0, 4.0, 660.0),
    "Paid social": ChannelTruth(1100, 0.25, 6.0, 1.0, 2.0, 5.0, 4.0, 540.0),
    "Display": ChannelTruth(300, 0.22, 6.0, 1.0, 2.2, 5.0, 4.0, 510.0),
    "Affiliates": ChannelTruth(500, 0.18, 6.0, 1.2, 2.0, 5.0, 4.0, 450.0),
    "E-mail (NO)": ChannelTruth(400, 0.40, 4.0, 0.6, 3.5, 6.0, 4.0, 690.0),
    "TV": ChannelTruth(700, 0.35, 5.0, 0.7, 3.0, 6.0, 4.0, 780.0),
    "Podcasts": ChannelTruth(150, 0.40, 5.0, 0.6, 3.2, 6.0, 4.0, 840.0),
    "Påverkere (influencers)": ChannelTruth(260, 0.25, 6.0, 1.0, 2.2, 5.0, 4.0, 600.0),
}


def main() -> None:
    log, acquisition = simulate(TRUTH, start="2024-01-01", acquisition_units=26, observe_units=104, seed=7)
    rng = np.random.default_rng(8)
    returned = log.sample(frac=0.02, random_state=8)
    returns = returned.assign(amount=-np.round(returned["amount"] * rng.uniform(0.2, 1.0, len(returned)), 2))
    log = pd.concat([log, returns]).sort_values(["date", "customer_id"], kind="stable")
    log.to_csv(HERE / "transactions.csv", index=False, date_format="%Y-%m-%d")
    acquisition.to_csv(HERE / "acquisition.csv", index=False)
    print(f"{len(log)} transaction rows, {len(acquisition)} customers")


if __name__ == "__main__":
    main()
