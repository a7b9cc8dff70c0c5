"""What ``ltvcac attribute`` does: journeys in, the channel table, the models compared and statistics out.

Imports only the journey code, so the command starts without loading any model fitting.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimizer.files.writers import check_folder, check_target, together, write_csv
from optimizer.jobs.job import Job, note_lines
from optimizer.journeys.analyze import analyze, parse_weights, write_stats
from optimizer.journeys.bootstrap import bootstrap_conversions
from optimizer.journeys.channel_table import channel_table
from optimizer.report.attribution_text import format_attribution


@together()
def attribute_job(journeys: Path, model: str, order: int = 1, sep: str = ">", weights: str = "0.4,0.2,0.4",
                  half_life_days: float = 7.0, lookback_days: float = 30.0, collapse_repeats: bool = False,
                  spend: Path | None = None, ltv: Path | None = None, out: Path | None = None,
                  compare_models: Path | None = None, stats_dir: Path | None = None,
                  columns: dict | None = None, bootstrap: int = 0, decimal_comma: bool = False) -> Job:
    """Attribute journeys, and write the channel table (with ``spend``), the models side by side, statistics.

    ``bootstrap`` replicates of the journeys give each channel's customers a 90 % interval."""
    shares = parse_weights(weights)
    inputs = [p for p in (journeys, spend, ltv) if p is not None]
    for target in (out, compare_models):
        check_target(target, inputs)
    check_folder(stats_dir)
    found = analyze(journeys, model, order, sep, shares, half_life_days, lookback_days, collapse_repeats,
                    compare=compare_models is not None, **(columns or {}))
    notes: tuple[str, ...] = ()
    table: pd.DataFrame = found.attributed
    intervals = None
    if bootstrap:
        intervals, notes = bootstrap_conversions(found.paths, model, order, shares, bootstrap)
        table = table.merge(intervals.rename(columns=lambda c: c.replace("customers", "conversions")), on="channel")
    if spend is not None:
        table, more = channel_table(found.attributed, spend, ltv, intervals)
        notes += more
    written = []
    if out is not None:
        written.append(write_csv(table, out, decimal_comma=decimal_comma, escape=False))
    if compare_models is not None:
        written.append(write_csv(found.models, compare_models, decimal_comma=decimal_comma))
    if stats_dir is not None:
        written += write_stats(found, stats_dir)
    return Job(format_attribution(found), tuple(written), notes=note_lines((*found.notes, *notes)))
