"""The commands that produce a channel table's columns: ltv, set-ltv and fit-curves (attribute: jobs.attribution)."""

from __future__ import annotations

from pathlib import Path

from optimizer.files.writers import check_folder, check_target, together, write_csv
from optimizer.fitting.fit import fit_curves
from optimizer.jobs.job import Job, note_lines
from optimizer.ltv.estimate import LtvSettings, ltv_from_files
from optimizer.ltv.join import set_ltv
from optimizer.report.analysis_text import format_fits, format_ltv
from optimizer.report.charts import save_fit_charts


@together()
def ltv_job(transactions: Path, acquisition: Path, settings: LtvSettings, end: str | None = None,
            out: Path | None = None, timeline: Path | None = None, decimal_comma: bool = False, **columns) -> Job:
    """LTV of a new customer per channel; the table (with intervals) is written for ``set-ltv``, and the
    value by period (``timeline``) for ``set-ltv --timeline``."""
    for target in (out, timeline):
        check_target(target, [transactions, acquisition])
    result = ltv_from_files(transactions, acquisition, settings, end, **columns)
    written = [write_csv(result.to_frame(), out, decimal_comma=decimal_comma, escape=False)] if out is not None else []
    if timeline is not None:
        written.append(write_csv(result.timeline, timeline, decimal_comma=decimal_comma, escape=False))
    return Job(format_ltv(result, with_timeline=timeline is not None), tuple(written))


@together()
def set_ltv_job(channels: Path, ltv_table: Path, out: Path, timeline: Path | None = None,
                months: str | None = None, decimal_comma: bool = False) -> Job:
    """The channel table with its LTVs from an LTV table (and value_<N>m columns from a timeline); names are
    kept exact (the tool reads it back)."""
    check_target(out, [channels, ltv_table, timeline])
    table, notes = set_ltv(channels, ltv_table, timeline, months)
    return Job(note_lines(notes), (write_csv(table, out, decimal_comma=decimal_comma, escape=False),))


@together()
def fit_job(history: Path, out: Path, adstock: float = 0.0, plot: Path | None = None,
            decimal_comma: bool = False) -> Job:
    """Fit each channel's curve from history and write the channel table (and the fits chart)."""
    check_target(out, [history])
    check_folder(plot)
    fits = fit_curves(history, adstock)
    written = [write_csv(fits.table, out, decimal_comma=decimal_comma, escape=False)]
    if plot is not None:
        written += save_fit_charts(plot, fits, stem=Path(history).stem)
    return Job(format_fits(fits), tuple(written), notes=note_lines(fits.notes))
