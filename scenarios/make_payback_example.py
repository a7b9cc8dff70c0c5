"""Write the example channel table with value over time (channels-payback.csv), as the README's commands do.

    python scenarios/make_payback_example.py

The same steps as ``ltvcac ltv ... --timeline`` and ``ltvcac set-ltv ... --timeline`` on the example
transactions (BG/NBD, 36 months, 1 % a month, margin 0.3). Connected TV has no customers yet, so no
history: it borrows TV's timeline, scaled to its own LTV (an assumption, stated here). Brand search
brings 150 customers a period at zero spend, the organic part of its name.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.ltv.estimate import LtvSettings, ltv_from_files
from optimizer.ltv.join import set_ltv
from optimizer.model.timeline import timeline_columns

HERE = Path(__file__).resolve().parent
MONTHS = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 9.0, 12.0, 18.0, 24.0, 36.0]


def main() -> None:
    settings = LtvSettings(model="bgnbd", horizon=36, unit="months", discount=0.01, margin=0.3)
    found = ltv_from_files(HERE / "transactions.csv", HERE / "acquisition.csv", settings)
    table, _ = set_ltv(HERE / "channels.csv", found.table, found.timeline, MONTHS)
    columns = [c for _m, c in timeline_columns(table.columns)]
    tv, new = table.index[table.channel == "TV"][0], table.index[table.channel == "Connected TV"][0]
    table.loc[new, columns] = table.loc[tv, columns].to_numpy(float) * table.at[new, "ltv"] / table.at[tv, "ltv"]
    table.loc[table.channel == "Brand search", "organic_customers"] = 150.0
    table = table.dropna(axis=1, how="all")
    table.round(2).to_csv(HERE / "channels-payback.csv", index=False)
    print(f"{len(table)} channels with value_<N>m at months {', '.join(f'{m:g}' for m in MONTHS)}")


if __name__ == "__main__":
    main()
