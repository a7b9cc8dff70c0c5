"""The ``ltvcac`` command: parse options, call one library function, print or write."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import optimizer
from optimizer.charts import plot_fits, save_charts
from optimizer.errors import OptimizerError, UsageError
from optimizer.export import atomic_write, check_target, write_csv, write_json
from optimizer.fitting import fit_curves
from optimizer.frontier import frontier
from optimizer.html_report import render_report
from optimizer.ltv import LtvSettings, ltv_from_files, set_ltv
from optimizer.report import (
    format_attribution,
    format_comparison,
    format_fits,
    format_frontier,
    format_ltv,
    format_result,
    format_run_line,
)
from optimizer.scenarios import compare as compare_runs
from optimizer.scenarios import describe_file, load_source, run_scenarios, scenario_summary
from optimizer.solvers import available_solvers
from optimizer.touchpoints import analyze, channel_table

app = typer.Typer(
    name="ltvcac",
    help="Where the next unit of acquisition budget should go: LTV:CAC-optimal budget plans.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    add_completion=False,
)

EXIT_INFEASIBLE = 3


class ObjectiveChoice(StrEnum):
    ratio = "ratio"
    value = "value"
    profit = "profit"
    customers = "customers"


class ModeChoice(StrEnum):
    exact = "exact"
    at_most = "at-most"


class SolverChoice(StrEnum):
    highs = "highs"
    cbc = "cbc"


class MethodChoice(StrEnum):
    auto = "auto"
    lp = "lp"


ChannelsArg = Annotated[Path, typer.Argument(
    exists=True, dir_okay=False, readable=True, metavar="CHANNELS",
    help="Channel table (CSV or Parquet): channel, spend, customers or cac, ltv, and optional "
         "limits and curves (see the README).")]
BudgetOpt = Annotated[str | None, typer.Option(
    help="Total budget: a number (1000000), a change of today's total (--budget=-20%, "
         "--budget=+10%) or a factor (--budget=x1.1). Default: today's total spend.")]
ModeOpt = Annotated[ModeChoice | None, typer.Option(
    help="'exact' spends the whole budget (default); 'at-most' may leave some unspent.")]
ObjectiveOpt = Annotated[ObjectiveChoice | None, typer.Option(
    help="What to maximize: 'ratio' (portfolio LTV:CAC, default), 'value' (customer lifetime "
         "value), 'profit' (value minus spend) or 'customers'.")]
MaxChangeOpt = Annotated[float | None, typer.Option(
    help="Keep each channel within (1 +- F) x its current spend, e.g. 0.2 for +-20 %. "
         "Channels with no current spend are limited by their min_spend/max_spend only.")]
MinRatioOpt = Annotated[float | None, typer.Option(help="Keep the portfolio LTV:CAC at or above this, e.g. 3.")]
FixedOpt = Annotated[float | None, typer.Option(
    help="Acquisition costs that are not media spend (team, tools); added to the cost side of "
         "LTV:CAC. Default 0.")]
SolverOpt = Annotated[SolverChoice | None, typer.Option(help="LP solver: 'highs' (default) or 'cbc'.")]
MethodOpt = Annotated[MethodChoice | None, typer.Option(
    help="'auto' (default) solves a budget-only model exactly by its multiplier and others by "
         "refined LPs; 'lp' always uses LPs.")]
PlotOpt = Annotated[Path | None, typer.Option(
    file_okay=False, help="Write charts (PNG and SVG) to this folder: allocation, response curves (and frontier).")]
SourceArg = Annotated[Path, typer.Argument(
    exists=True, dir_okay=False, metavar="CHANNELS.csv|SCENARIO.toml", help="A channel table or a scenario file.")]
MaxActiveOpt = Annotated[int | None, typer.Option(
    min=1, help="At most this many channels may spend anything (solved as a mixed-integer model).")]
TimeLimitOpt = Annotated[float | None, typer.Option(
    help="Seconds the mixed-integer solver may take (S-curves, buy-ins, --max-active); the best plan by "
         "then is returned with its proven gap.")]
ScenariosArg = Annotated[list[Path], typer.Argument(
    exists=True, dir_okay=False, metavar="SCENARIO...", help="Scenario files (TOML), see scenarios/.")]


def _fail(exc: OptimizerError) -> typer.Exit:
    typer.echo(f"Error: {exc}", err=True)
    return typer.Exit(code=exc.exit_code)


SETTING_OPTIONS = ("budget", "budget_mode", "objective", "max_change", "min_ratio", "fixed_costs", "solver", "method",
                   "max_active", "time_limit")


def _overrides(options: dict) -> dict:
    """The optimizer settings given on the command line, as plain values (enums to their text)."""
    return {k: getattr(options[k], "value", options[k]) for k in SETTING_OPTIONS if options.get(k) is not None}


@app.command()
def optimize(
    channels: ChannelsArg,
    budget: BudgetOpt = None,
    budget_mode: ModeOpt = None,
    objective: ObjectiveOpt = None,
    max_change: MaxChangeOpt = None,
    min_ratio: MinRatioOpt = None,
    fixed_costs: FixedOpt = None,
    solver: SolverOpt = None,
    method: MethodOpt = None,
    max_active: MaxActiveOpt = None,
    time_limit: TimeLimitOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, help="Write the plan, one row per channel, to this CSV file.")] = None,
    summary_json: Annotated[Path | None, typer.Option(
        dir_okay=False, help="Write the portfolio figures, objective, solver and status as JSON.")] = None,
    lp_file: Annotated[Path | None, typer.Option(
        dir_okay=False, help="Write the LP model (CPLEX LP format), with the channels' names.")] = None,
    decimal_comma: Annotated[bool, typer.Option(
        help="Write the CSV as Nordic/European Excel reads it: ';' between cells, ',' for decimals.")] = False,
    plot: PlotOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Recommend spend per channel that maximizes LTV:CAC (or another objective) under the budget.

    Exit codes: 0 a plan was found, 1 bad input, 2 bad options, 3 no plan keeps every rule.
    """
    settings = _overrides(locals())
    try:
        for target in (out, summary_json, lp_file):
            check_target(target)
        result = optimizer.optimize(channels, lp_file=lp_file, **settings)
        if result.ok and out is not None:
            write_csv(result.to_frame(), out, decimal_comma=decimal_comma)
        if summary_json is not None:
            write_json(result.summary(), summary_json)
        charts = save_charts(plot, result) if plot is not None and result.ok else []
    except OptimizerError as exc:
        raise _fail(exc) from None
    if not quiet or not result.ok:
        typer.echo(format_result(result), err=not result.ok)
    if not result.ok:
        raise typer.Exit(code=EXIT_INFEASIBLE)
    if not quiet and out is not None:
        typer.echo(f"\nPlan written to {out}")
    if not quiet and charts:
        typer.echo(f"Charts written to {plot}: {', '.join(p.name for p in charts)}")


@app.command()
def run(
    scenarios: ScenariosArg,
    out_dir: Annotated[Path, typer.Option(
        file_okay=False, help="Folder for each scenario's NAME.plan.csv and NAME.summary.json (created if missing).")
    ] = Path("out"),
    budget: BudgetOpt = None,
    budget_mode: ModeOpt = None,
    objective: ObjectiveOpt = None,
    max_change: MaxChangeOpt = None,
    min_ratio: MinRatioOpt = None,
    fixed_costs: FixedOpt = None,
    solver: SolverOpt = None,
    method: MethodOpt = None,
    max_active: MaxActiveOpt = None,
    time_limit: TimeLimitOpt = None,
    decimal_comma: Annotated[bool, typer.Option(
        help="Write the CSVs as Nordic/European Excel reads them: ';' between cells, ',' for decimals.")] = False,
    plot: PlotOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the one-line outcome per scenario.")] = False,
) -> None:
    """Run scenario files: write each one's plan and summary, keep going past failures.

    Options given here override every scenario (command line > scenario > base). Exit codes:
    0 all optimal, 1 a scenario had bad input, 3 a scenario had no feasible plan.
    """
    overrides = _overrides(locals())
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(OptimizerError(f"cannot create the folder {out_dir}: {exc.strerror}")) from None
    runs = run_scenarios(scenarios, overrides, on_start=lambda k, p: _progress(k, len(scenarios), p))
    for one in runs:
        _report_run(one, out_dir, decimal_comma, quiet or len(runs) > 1)
        if plot is not None and one.result is not None and one.result.ok:
            save_charts(plot, one.result, stem=one.name)
    _finish(runs)


@app.command()
def compare(
    scenarios: ScenariosArg,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, help="Also write the side-by-side table to this CSV file.")] = None,
    budget: BudgetOpt = None,
    budget_mode: ModeOpt = None,
    objective: ObjectiveOpt = None,
    max_change: MaxChangeOpt = None,
    min_ratio: MinRatioOpt = None,
    fixed_costs: FixedOpt = None,
    solver: SolverOpt = None,
    method: MethodOpt = None,
    max_active: MaxActiveOpt = None,
    time_limit: TimeLimitOpt = None,
) -> None:
    """Scenarios side by side: portfolio spend, customers, value, LTV:CAC, shadow price, spend per channel."""
    overrides = _overrides(locals())
    try:
        check_target(out)
        runs = run_scenarios(scenarios, overrides, on_start=lambda k, p: _progress(k, len(scenarios), p))
        table = compare_runs(runs)
        if out is not None:
            write_csv(table.reset_index(), out)
    except OptimizerError as exc:
        raise _fail(exc) from None
    typer.echo(format_comparison(table))
    for one in runs:
        if one.error is not None:
            typer.echo(f"\n{one.name}: Error: {one.error}", err=True)
        elif not one.result.ok:
            reasons = "\n".join(f"  - {d}" for d in one.result.diagnosis)
            typer.echo(f"\n{one.name}: no plan keeps every rule:\n{reasons}", err=True)
    _finish(runs, quiet=True)


@app.command(name="frontier")
def frontier_command(
    source: SourceArg,
    start: Annotated[str, typer.Option("--from", help="Lowest budget: a number or a change of today's total "
                                                      "(--from=-50%).")] = "-50%",
    stop: Annotated[str, typer.Option("--to", help="Highest budget: a number or a change (--to=+50%).")] = "+50%",
    steps: Annotated[int, typer.Option(min=2, help="Number of budgets, evenly spaced, ends included.")] = 21,
    target: Annotated[float, typer.Option(help="Mark the budget where the best LTV:CAC crosses this.")] = 3.0,
    max_change: MaxChangeOpt = None,
    fixed_costs: FixedOpt = None,
    solver: SolverOpt = None,
    method: MethodOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, help="Write every point (with each channel's spend) to this CSV.")] = None,
    plot: PlotOpt = None,
) -> None:
    """The efficient frontier: the best value, customers and LTV:CAC for each budget in a range."""
    overrides = _overrides(locals())
    try:
        check_target(out)
        scenario = load_source(source, overrides)
        with typer.progressbar(length=steps, label="budgets", file=sys.stderr) as bar:
            front = frontier(scenario.channels, start, stop, steps, target, progress=lambda k, n: bar.update(1),
                             rules=list(scenario.rules), **_sweep_settings(scenario.settings))
        if out is not None:
            write_csv(front.to_frame(), out)
        if plot is not None:
            save_charts(plot, front.current, front, stem=scenario.name)
    except OptimizerError as exc:
        raise _fail(exc) from None
    typer.echo(format_frontier(front))


@app.command()
def report(
    source: SourceArg,
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="The HTML file to write.")] = Path(
        "report.html"),
    with_frontier: Annotated[bool, typer.Option(
        "--frontier/--no-frontier", help="Include the efficient frontier (today's budget -50 % to +50 %).")] = True,
    budget: BudgetOpt = None,
    objective: ObjectiveOpt = None,
    max_change: MaxChangeOpt = None,
    min_ratio: MinRatioOpt = None,
    fixed_costs: FixedOpt = None,
) -> None:
    """One self-contained HTML page: portfolio summary, plan with reasons, rules and charts."""
    overrides = _overrides(locals())
    try:
        check_target(out)
        scenario = load_source(source, overrides)
        result = scenario.run()
        front = None
        if with_frontier and result.ok:
            front = frontier(scenario.channels, "-50%", "+50%", 21, rules=list(scenario.rules),
                             **_sweep_settings(scenario.settings))
        page = render_report(result, f"ltvcac: {scenario.name}", scenario.description, scenario.changes, front)
        atomic_write(out, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    except OptimizerError as exc:
        raise _fail(exc) from None
    typer.echo(f"Report written to {out}" + ("" if result.ok else " (no plan keeps every rule: see the page)"))
    if not result.ok:
        raise typer.Exit(code=EXIT_INFEASIBLE)


def _sweep_settings(settings: dict) -> dict:
    return {k: settings[k] for k in ("max_change", "fixed_costs", "solver", "method") if k in settings}


def _progress(k: int, n: int, path: Path) -> None:
    if n > 1:
        typer.echo(f"[{k + 1}/{n}] {path.name}", err=True)


def _report_run(one, out_dir: Path, decimal_comma: bool, brief: bool) -> None:
    if one.error is not None:
        typer.echo(f"{one.name}: Error: {one.error}", err=True)
        return
    result = one.result
    try:
        if result.ok:
            write_csv(result.to_frame(), out_dir / f"{one.name}.plan.csv", decimal_comma=decimal_comma)
        write_json(scenario_summary(one), out_dir / f"{one.name}.summary.json")
    except OptimizerError as exc:
        typer.echo(f"{one.name}: Error: {exc}", err=True)
        return
    if brief:
        typer.echo(format_run_line(one), err=not result.ok)
        return
    typer.echo("\n".join([f"Scenario {one.name}: {one.scenario.description}",
                          *(f"  {c}" for c in one.scenario.changes), "", format_result(result)]),
               err=not result.ok)


def _finish(runs, quiet: bool = False) -> None:
    failed = [r for r in runs if r.error is not None]
    infeasible = [r for r in runs if r.result is not None and not r.result.ok]
    if len(runs) > 1 and (failed or infeasible) and not quiet:
        typer.echo(f"\n{len(failed)} failed, {len(infeasible)} infeasible: "
                   f"{', '.join(r.name for r in failed + infeasible)}", err=True)
    if failed:
        raise typer.Exit(code=1)
    if infeasible:
        raise typer.Exit(code=EXIT_INFEASIBLE)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(
        exists=True, dir_okay=False, metavar="FILE...", help="Channel tables (CSV, Parquet) or scenarios (TOML).")],
) -> None:
    """Check channel tables and scenario files without solving: every problem in every file is listed."""
    failed = 0
    for path in files:
        try:
            typer.echo(describe_file(path))
        except OptimizerError as exc:
            typer.echo(f"Error: {exc}", err=True)
            failed += 1
    if failed:
        raise typer.Exit(code=1)


class ModelChoice(StrEnum):
    bgnbd = "bgnbd"
    cohort = "cohort"
    simple = "simple"


class UnitChoice(StrEnum):
    days = "days"
    weeks = "weeks"
    months = "months"


@app.command()
def ltv(
    transactions: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, metavar="TRANSACTIONS",
        help="Transaction log (CSV or Parquet): customer_id, date, amount (names set below).")],
    acquisition: Annotated[Path, typer.Option(
        exists=True, dir_okay=False, help="Acquisition table (CSV or Parquet): customer_id, channel.")],
    model: Annotated[ModelChoice, typer.Option(
        help="bgnbd (BG/NBD + Gamma-Gamma), cohort (observed value + fitted retention tail) or "
             "simple (AOV x frequency x margin x retention lifetime).")] = ModelChoice.bgnbd,
    horizon: Annotated[float, typer.Option(help="How far ahead a customer's value counts, in --unit.")] = 36,
    unit: Annotated[UnitChoice, typer.Option(help="Time unit of the horizon, the discount rate and the model.")
                    ] = UnitChoice.months,
    discount: Annotated[float, typer.Option(help="Discount rate per unit, e.g. 0.01 for 1 % a month.")] = 0.01,
    margin: Annotated[float, typer.Option(help="Gross margin as a fraction of revenue, e.g. 0.3.")] = 1.0,
    confidence: Annotated[float, typer.Option(help="Level of the interval written next to each LTV.")] = 0.9,
    min_customers: Annotated[int, typer.Option(
        help="bgnbd: a channel with fewer customers uses the fit on all customers (pooled).")] = 300,
    end: Annotated[str | None, typer.Option(
        help="Last day of the observation (YYYY-MM-DD); later rows are ignored. Default: the log's last date.")
    ] = None,
    customer_col: Annotated[str, typer.Option(help="Customer id column in both files.")] = "customer_id",
    date_col: Annotated[str, typer.Option(help="Date column of the transaction log.")] = "date",
    amount_col: Annotated[str, typer.Option(help="Amount column of the transaction log (returns negative).")
                          ] = "amount",
    channel_col: Annotated[str, typer.Option(help="Channel column of the acquisition table.")] = "channel",
    date_format: Annotated[str | None, typer.Option(
        help="strftime format of the dates, e.g. %d.%m.%Y. Default: ISO 8601 or YYYYMMDD.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, help="Write LTV per channel (with intervals) to this CSV file.")] = None,
) -> None:
    """Expected lifetime value of a newly acquired customer, per acquisition channel."""
    try:
        check_target(out)
        settings = LtvSettings(model.value, horizon, unit.value, discount, margin, confidence, min_customers)
        result = ltv_from_files(transactions, acquisition, settings, end, customer_col, date_col, amount_col,
                                channel_col, date_format)
        if out is not None:
            write_csv(result.to_frame(), out)
    except OptimizerError as exc:
        raise _fail(exc) from None
    typer.echo(format_ltv(result))
    if out is not None:
        typer.echo(f"\nLTV per channel written to {out}")


@app.command(name="set-ltv")
def set_ltv_command(
    channels: ChannelsArg,
    ltv_table: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, metavar="LTV_TABLE",
        help="LTV per channel: channel, ltv (as `ltvcac ltv` writes).")],
    out: Annotated[Path, typer.Option(
        "--out", "-o", dir_okay=False, help="The channel table with the new ltv column.")],
) -> None:
    """Put estimated LTVs into a channel table, matching channels by name."""
    try:
        check_target(out)
        table, notes = set_ltv(channels, ltv_table)
        write_csv(table, out)
    except OptimizerError as exc:
        raise _fail(exc) from None
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(f"Channel table with LTVs written to {out}")


class AttributionChoice(StrEnum):
    markov = "markov"
    shapley = "shapley"
    first_touch = "first_touch"
    last_touch = "last_touch"
    linear = "linear"
    position_based = "position_based"
    time_decay = "time_decay"


@app.command(name="attribute")
def attribute_command(
    journeys: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, metavar="JOURNEYS",
        help="An event log (customer_id, timestamp, channel, conversion, value) or aggregated paths "
             "(path, total_conversions, total_conversion_value, total_null); CSV or Parquet.")],
    model: Annotated[AttributionChoice, typer.Option(help="Attribution model for the channel table.")
                     ] = AttributionChoice.markov,
    order: Annotated[int, typer.Option(min=1, max=4, help="Markov order: states remember this many channels.")] = 1,
    spend: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False,
        help="Spend per channel (channel, spend, and any channel-table columns such as curve, elasticity, "
             "max_spend); with it --out is a channel table.")] = None,
    ltv: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="LTV per channel (channel, ltv), instead of attributed value per customer.")
    ] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, help="Write the channel table (with --spend) or the attribution.")] = None,
    compare_models: Annotated[Path | None, typer.Option(
        "--compare-models", dir_okay=False, help="Write every model's attributed conversions side by side here.")
    ] = None,
    stats_dir: Annotated[Path | None, typer.Option(
        file_okay=False, help="Write journey statistics here: channels, path lengths, top paths, transitions.")
    ] = None,
    sep: Annotated[str, typer.Option(help="Separator between channels in a path.")] = ">",
    weights: Annotated[str, typer.Option(help="Position-based shares of first, middle and last touches.")
                       ] = "0.4,0.2,0.4",
    half_life: Annotated[float, typer.Option(help="Time decay: days after which a touch counts half.")] = 7.0,
    lookback: Annotated[float, typer.Option(help="Event logs: days before a conversion that touches count.")] = 30.0,
    collapse_repeats: Annotated[bool, typer.Option(
        help="Event logs: count a channel touched several times in a row once.")] = False,
) -> None:
    """Attribute conversions to channels from customer journeys, and write the optimizer's channel table."""
    try:
        shares = tuple(float(w) for w in weights.split(","))
    except ValueError:
        raise _fail(UsageError(f"--weights {weights!r}: write three shares such as 0.4,0.2,0.4")) from None
    try:
        for target in (out, compare_models):
            check_target(target)
        found = analyze(journeys, model.value, order, sep, shares, half_life, lookback, collapse_repeats)
        table, notes = (channel_table(found["attributed"], spend, ltv) if spend is not None
                        else (found["attributed"], ()))
        if out is not None:
            write_csv(table, out)
        if compare_models is not None:
            write_csv(found["models"], compare_models)
        if stats_dir is not None:
            stats_dir.mkdir(parents=True, exist_ok=True)
            for name in ("channels", "lengths", "top_paths"):
                write_csv(found[name], stats_dir / f"{name}.csv")
            write_csv(found["transitions"].reset_index(names="from"), stats_dir / "transitions.csv")
            if len(found["days_to_conversion"]):
                write_csv(found["days_to_conversion"].to_frame("days"), stats_dir / "days_to_conversion.csv")
    except OptimizerError as exc:
        raise _fail(exc) from None
    typer.echo(format_attribution(found, model.value, order))
    for note in (*found["notes"], *notes):
        typer.echo(f"note: {note}", err=True)


@app.command(name="fit-curves")
def fit_curves_command(
    history: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, metavar="HISTORY",
        help="Per-period rows: period, channel, spend, customers (optional ltv); CSV or Parquet.")],
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="The channel table to write.")],
    adstock: Annotated[float, typer.Option(
        help="Share of a period's spend that still works the next period (0 = none), e.g. 0.3.")] = 0.0,
    plot: PlotOpt = None,
) -> None:
    """Fit each channel's linear, power, saturating and Hill curve from history; keep the best by AIC."""
    try:
        check_target(out)
        fits = fit_curves(history, adstock)
        write_csv(fits.table, out)
        if plot is not None:
            plot.mkdir(parents=True, exist_ok=True)
            figure = plot_fits(fits)
            for fmt in ("png", "svg"):
                atomic_write(plot / f"fits.{fmt}", lambda tmp, f=fmt: figure.savefig(tmp, format=f, dpi=120))
    except OptimizerError as exc:
        raise _fail(exc) from None
    typer.echo(format_fits(fits))
    for note in fits.notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(f"\nChannel table written to {out}")


@app.command()
def solvers() -> None:
    """List the LP solvers that work on this machine."""
    names = available_solvers()
    for name in ("highs", "cbc"):
        typer.echo(f"{name}: {'available' if name in names else 'not installed'}")


def main() -> None:  # pragma: no cover - the console entry point
    app(prog_name="ltvcac")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
