"""Write the example event log (journeys.csv) from a known order-1 chain, and its spend table.

    python scenarios/make_journeys.py

The chain below is the ground truth: search and e-mail close journeys, social, TV, podcasts and
influencers open them. `tests/test_attribution.py` checks the exact Markov model against it.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.journeys.simulate import simulate_events

HERE = Path(__file__).resolve().parent
C, N = "(conversion)", "(null)"
START = {"Søk (paid search)": 0.22, "Brand search": 0.05, "Paid social": 0.22, "Display": 0.10,
         "Affiliates": 0.06, "E-mail (NO)": 0.05, "TV": 0.14, "Podcasts": 0.06, "Påverkere (influencers)": 0.10}
CHAIN = {
    "Søk (paid search)": {"Brand search": 0.05, "E-mail (NO)": 0.05, "Affiliates": 0.05, C: 0.25, N: 0.60},
    "Brand search": {C: 0.45, N: 0.55},
    "Paid social": {"Søk (paid search)": 0.25, "Brand search": 0.10, "Display": 0.05, C: 0.05, N: 0.55},
    "Display": {"Søk (paid search)": 0.15, "Paid social": 0.05, C: 0.03, N: 0.77},
    "Affiliates": {"Søk (paid search)": 0.05, C: 0.30, N: 0.65},
    "E-mail (NO)": {"Søk (paid search)": 0.10, C: 0.40, N: 0.50},
    "TV": {"Søk (paid search)": 0.30, "Brand search": 0.20, "Paid social": 0.05, C: 0.02, N: 0.43},
    "Podcasts": {"Søk (paid search)": 0.20, "Brand search": 0.15, "Podcasts": 0.05, C: 0.08, N: 0.52},
    "Påverkere (influencers)": {"Paid social": 0.20, "Søk (paid search)": 0.15, C: 0.05, N: 0.60},
}
SPEND = """channel,spend,curve,elasticity,min_spend,max_spend,locked
Søk (paid search),450000,power,0.6,,,
Brand search,60000,linear,,,,true
Paid social,380000,power,0.5,,,
Display,180000,power,0.5,,,
Affiliates,120000,linear,,,200000,
E-mail (NO),40000,power,0.4,,,
TV,500000,power,0.7,250000,,
Podcasts,90000,power,0.7,,200000,
Påverkere (influencers),150000,power,0.5,,,
"""


def main() -> None:
    events = simulate_events(CHAIN, START, customers=12_000, seed=11)
    events.to_csv(HERE / "journeys.csv", index=False, date_format="%Y-%m-%d %H:%M:%S")
    (HERE / "spend.csv").write_text(SPEND, encoding="utf-8")
    print(f"{len(events)} events, {events.conversion.sum()} conversions")


if __name__ == "__main__":
    main()
