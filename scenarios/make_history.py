"""Write the example history for ``ltvcac fit-curves`` (history.csv): a year of weekly spend and customers.

    python scenarios/make_history.py

Each channel follows a known curve on adstocked spend (carry-over 0.3: a_t = x_t + 0.3 a_(t-1)) with
5 % noise a week, from ``optimizer.fitting.simulate_history``, so the fit can be judged against the
truth: search a power curve, TV an S-shaped Hill curve, social a saturating one, affiliates a straight
line (the curves' parameters are on adstocked spend, as ``fit-curves --adstock 0.3`` fits them).
"""

from __future__ import annotations

from pathlib import Path

from optimizer.fitting.simulate import simulate_history

HERE = Path(__file__).resolve().parent
TRUTH = {  # channel: (curve, parameters of customers(a) on adstocked spend a)
    "Search": ("power", [2.0, 0.5]),
    "TV": ("hill", [900.0, 80_000.0, 2.5]),
    "Paid social": ("saturating", [700.0, 60_000.0]),
    "Affiliates": ("linear", [0.004]),
}


def main() -> None:
    history = simulate_history(TRUTH, periods=52, noise=0.05, seed=0, adstock=0.3)
    history.to_csv(HERE / "history.csv", index=False)


if __name__ == "__main__":
    main()
