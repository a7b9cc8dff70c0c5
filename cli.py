"""The ``ltvcac`` command: parse options, call one library function, print or write.

Every command runs inside one error boundary (:func:`guarded`): the library's errors become
"Error: ..." on stderr with their exit code (1 bad input, 2 bad options), an interrupt exits 130,
and a traceback is shown only with LTVCAC_DEBUG=1. Options that change a plan are declared once
(:data:`SETTINGS`) and shared by every command that solves (:func:`solves`).
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

import optimizer
from optimizer.errors import OptimizerError, render
from optimizer.model.choices import AttributionModel, BudgetMode, LtvModel, Method, Objective, Solver, TimeUnit

app = typer.Typer(
    name="ltvcac",
    help="Where the next unit of acquisition budget should go: LTV:CAC-optimal budget plans.",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)

EXIT_INFEASIBLE, EXIT_INTERRUPTED = 3, 130
FLAGS = {"start": "--from", "stop": "--to", "lookback_days": "--lookback", "half_life_days": "--half-life"}

# The settings of a plan: declared once, shared by optimize, run, compare, frontier and report.
SETTINGS = {
    "budget": (str | None, typer.Option(
        help="Total budget: a number (1000000), a change of today's total (-20%, +10%, or +50000 for 50 000 "
             "more) or a factor (x1.1). Default: today's total spend.", rich_help_panel="Plan settings")),
    "budget_mode": (BudgetMode | None, typer.Option(
        help="'exact' spends the whole budget (default); 'at-most' may leave some unspent.",
        rich_help_panel="Plan settings")),
    "objective": (Objective | None, typer.Option(
        help="What to maximize: 'ratio' (portfolio LTV:CAC, default), 'value' (customer lifetime value), "
             "'profit' (value minus spend) or 'customers'.", rich_help_panel="Plan settings")),
    "max_change": (float | None, typer.Option(
        help="Keep each channel within (1 +- F) x its current spend, e.g. 0.2 for +-20 %. Channels with no "
             "current spend are limited by their min_spend/max_spend only.", rich_help_panel="Plan settings")),
    "min_ratio": (float | None, typer.Option(
        help="Keep the portfolio LTV:CAC at or above this, e.g. 3.", rich_help_panel="Plan settings")),
    "fixed_costs": (float | None, typer.Option(
        help="Acquisition costs that are not media spend (team, tools); added to the cost side of LTV:CAC. "
             "Default 0.", rich_help_panel="Plan settings")),
    "solver": (Solver | None, typer.Option(
        help="Solver: 'highs' (default) or 'cbc'.", rich_help_panel="Plan settings")),
    "method": (Method | None, typer.Option(
        help="'auto' (default) solves a budget-only model exactly by its multiplier and others by refined LPs; "
             "'lp' always uses LPs.", rich_help_panel="Plan settings")),
    "max_active": (int | None, typer.Option(
        help="At most this many channels may spend anything (solved as a mixed-integer model).",
        rich_help_panel="Plan settings")),
    "time_limit": (float | None, typer.Option(
        help="Seconds the solve may take (S-curves, buy-ins, --max-active); the best plan by then is returned "
             "with its proven gap.", rich_help_panel="Plan settings")),
}


def flag(name: str) -> str:
    """The command-line flag of a library parameter."""
    return FLAGS.get(name, "--" + name.replace("_", "-"))


def guarded(command):
    """Run ``command`` inside the one error boundary of the command line."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except OptimizerError as exc:
            typer.echo(f"Error: {exc.render(flag)}", err=True)
            raise typer.Exit(code=exc.exit_code) from None
        except OSError as exc:
            if os.environ.get("LTVCAC_DEBUG"):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            typer.echo(f"Error: {where}{exc.strerror or exc}", err=True)
            raise typer.Exit(code=1) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted; nothing more was written.", err=True)
            raise typer.Exit(code=EXIT_INTERRUPTED) from None
    return run


def solves(command):
    """Give ``command`` every plan-settings option; it receives them as ``settings`` (a dict of given ones)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "settings"]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                annotation=Annotated[kind, option]) for name, (kind, option) in SETTINGS.items()]

    @functools.wraps(command)
    def run(**kwargs):
        given = {name: getattr(kwargs[name], "value", kwargs[name]) for name in SETTINGS
                 if kwargs.get(name) is not None}
        return command(settings=given, **{k: v for k, v in kwargs.items() if k not in SETTINGS})

    del run.__wrapped__  # Typer must read the signature below, not the command's own
    run.__signature__ = signature.replace(parameters=own + shared)
    run.__annotations__ = {p.name: p.annotation for p in own + shared}
    return run


def command(name: str | None = None, plan: bool = False):
    """Register a command (with the settings options where it solves) inside the error boundary."""
    def register(func):
        wrapped = guarded(solves(func) if plan else func)
        return app.command(name=name)(wrapped)
    return register


def echo(text: str, quiet: bool = False, err: bool = False) -> None:
    if text and not quiet:
        typer.echo(text, err=err)


def wrote(paths, quiet: bool = False) -> None:
    """Say what was written, one line per file (or per folder of charts)."""
    for line in optimizer.written_lines(paths):
        echo(line, quiet)


def progress(total: int, label: str, quiet: bool):
    """A progress bar on stderr when it is a terminal; otherwise nothing."""
    if quiet or not sys.stderr.isatty():
        return _Silent()
    return typer.progressbar(length=total, label=label, file=sys.stderr)


class _Silent:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, _step: int) -> None:
        pass


Source = Annotated[Path, typer.Argument(
    exists=True, dir_okay=False, metavar="CHANNELS.csv|SCENARIO.toml",
    help="A channel table (CSV or Parquet: channel, spend, customers or cac, ltv, optional limits and curves) "
         "or a scenario file (TOML).")]
Scenarios = Annotated[list[Path], typer.Argument(
    exists=True, dir_okay=False, metavar="SCENARIO.toml...", help="Scenario files (TOML); see scenarios/.")]
Plot = Annotated[Path | None, typer.Option(
    file_okay=False, metavar="FOLDER", help="Write charts here (PNG and SVG): allocation, response curves, frontier.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors and the files written.")]
DecimalComma = Annotated[bool, typer.Option(
    help="Write CSVs as Nordic/European Excel reads them: ';' between cells, ',' for decimals.")]
OutFile = Annotated[Path | None, typer.Option("--out", "-o", dir_okay=False, metavar="FILE.csv")]


def version(value: bool) -> None:
    if value:
        typer.echo(f"ltvcac {optimizer.__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    show_version: Annotated[bool, typer.Option("--version", callback=version, is_eager=True,
                                               help="Print the version and exit.")] = False,
) -> None:
    """Where the next unit of acquisition budget should go: LTV:CAC-optimal budget plans."""


@command(plan=True)
def optimize(
    source: Source,
    settings: dict,
    out: Annotated[Path | None, typer.Option("--out", "-o", dir_okay=False, metavar="FILE.csv",
                                             help="Write the plan, one row per channel, to this CSV file.")] = None,
    summary_json: Annotated[Path | None, typer.Option(
        dir_okay=False, metavar="FILE.json", help="Write the portfolio figures, objective, solver and status.")] = None,
    lp_file: Annotated[Path | None, typer.Option(
        dir_okay=False, metavar="FILE.lp", help="Write the LP model (CPLEX LP format), in the channels' names.")
    ] = None,
    decimal_comma: DecimalComma = False,
    plot: Plot = None,
    quiet: Quiet = False,
) -> None:
    """Recommend spend per channel that maximizes LTV:CAC (or another objective) under the budget.

    Exit codes: 0 a plan was found, 1 bad input, 2 bad options, 3 no plan keeps every rule.
    """
    job = optimizer.plan_job(source, settings, out=out, summary_json=summary_json, lp_file=lp_file,
                             decimal_comma=decimal_comma, plot=plot)
    echo(job.text, quiet and job.result.ok, err=not job.result.ok)
    wrote(job.written, quiet)
    if not job.result.ok:
        raise typer.Exit(code=EXIT_INFEASIBLE)


@command(plan=True)
def run(
    scenarios: Scenarios,
    settings: dict,
    out_dir: Annotated[Path, typer.Option(
        file_okay=False, metavar="FOLDER",
        help="Folder for each scenario's NAME.plan.csv and NAME.summary.json (created if missing).")] = Path("out"),
    decimal_comma: DecimalComma = False,
    plot: Plot = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the one-line outcome per scenario.")
                     ] = False,
) -> None:
    """Run scenario files: write each one's plan and summary, keep going past failures.

    Options given here override every scenario (command line > scenario > base). Exit codes:
    0 all optimal, 1 a scenario had bad input, 3 a scenario had no feasible plan.
    """
    batch = optimizer.run_job(scenarios, settings, out_dir, decimal_comma=decimal_comma, plot=plot,
                              on_start=lambda k, p: echo(f"[{k + 1}/{len(scenarios)}] {p.name}",
                                                         len(scenarios) < 2, err=True),
                              brief=quiet or len(scenarios) > 1)
    for text, err in batch.lines:
        echo(render(text, flag), err=err)
    wrote(batch.written)
    raise typer.Exit(code=batch.exit_code)


@command(plan=True)
def compare(
    scenarios: Scenarios,
    settings: dict,
    out: Annotated[Path | None, typer.Option("--out", "-o", dir_okay=False, metavar="FILE.csv",
                                             help="Also write the side-by-side table to this CSV file.")] = None,
    decimal_comma: DecimalComma = False,
    quiet: Quiet = False,
) -> None:
    """Scenarios side by side: portfolio spend, customers, value, LTV:CAC, shadow price, spend per channel."""
    batch = optimizer.compare_job(scenarios, settings, out, decimal_comma=decimal_comma,
                                  on_start=lambda k, p: echo(f"[{k + 1}/{len(scenarios)}] {p.name}", quiet,
                                                             err=True))
    for text, err in batch.lines:
        echo(render(text, flag), quiet and not err, err=err)
    wrote(batch.written, quiet)
    raise typer.Exit(code=batch.exit_code)


@command(name="frontier", plan=True)
def frontier_command(
    source: Source,
    settings: dict,
    start: Annotated[str, typer.Option("--from", help="Lowest budget: a number or a change of today's total "
                                                      "(-50%).")] = "-50%",
    stop: Annotated[str, typer.Option("--to", help="Highest budget: a number or a change (+50%).")] = "+50%",
    steps: Annotated[int, typer.Option(min=2, max=2000, help="Number of budgets, evenly spaced, ends included.")
                     ] = 21,
    target: Annotated[float, typer.Option(help="Mark the budget where the best LTV:CAC crosses this.")] = 3.0,
    out: Annotated[Path | None, typer.Option("--out", "-o", dir_okay=False, metavar="FILE.csv",
                                             help="Write every point (with each channel's spend) to this CSV.")
                   ] = None,
    decimal_comma: DecimalComma = False,
    plot: Plot = None,
    quiet: Quiet = False,
) -> None:
    """The efficient frontier: the best value, customers and LTV:CAC for each budget in a range."""
    with progress(steps, "budgets", quiet) as bar:
        job = optimizer.frontier_job(source, settings, start, stop, steps, target, out=out, plot=plot,
                                     decimal_comma=decimal_comma, progress=lambda k, n: bar.update(1))
    echo(job.text, quiet)
    wrote(job.written, quiet)


@command(plan=True)
def report(
    source: Source,
    settings: dict,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, metavar="FILE.html",
        help="The HTML file to write. Default: out/NAME.report.html.")] = None,
    with_frontier: Annotated[bool, typer.Option(
        "--frontier/--no-frontier", help="Include the efficient frontier (--from to --to).")] = True,
    start: Annotated[str, typer.Option("--from", help="Frontier: lowest budget.")] = "-50%",
    stop: Annotated[str, typer.Option("--to", help="Frontier: highest budget.")] = "+50%",
    steps: Annotated[int, typer.Option(min=2, max=2000, help="Frontier: number of budgets.")] = 21,
    plot: Plot = None,
    quiet: Quiet = False,
) -> None:
    """One self-contained HTML page: portfolio summary, plan with reasons, rules and charts."""
    job = optimizer.report_job(source, settings, out, with_frontier, start, stop, steps, plot=plot)
    echo(job.text, quiet and job.result.ok, err=not job.result.ok)
    wrote(job.written, quiet)
    if not job.result.ok:
        raise typer.Exit(code=EXIT_INFEASIBLE)


@command()
def validate(
    files: Annotated[list[Path], typer.Argument(
        exists=True, dir_okay=False, metavar="FILE...", help="Channel tables (CSV, Parquet) or scenarios (TOML).")],
) -> None:
    """Check channel tables and scenario files without solving: every problem in every file is listed."""
    failed = 0
    for path in files:
        try:
            typer.echo(optimizer.describe_file(path))
        except OptimizerError as exc:
            typer.echo(f"Error: {exc.render(flag)}", err=True)
            failed += 1
    if failed:
        raise typer.Exit(code=1)


@command()
def ltv(
    transactions: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, metavar="TRANSACTIONS",
        help="Transaction log (CSV or Parquet): customer_id, date, amount (names set below).")],
    acquisition: Annotated[Path, typer.Option(
        exists=True, dir_okay=False, help="Acquisition table (CSV or Parquet): customer_id, channel.")],
    model: Annotated[LtvModel, typer.Option(
        help="bgnbd (BG/NBD + Gamma-Gamma), cohort (observed value + fitted retention tail) or "
             "simple (AOV x frequency x margin x retention lifetime).")] = LtvModel.bgnbd,
    horizon: Annotated[float, typer.Option(help="How far ahead a customer's value counts, in --unit.")] = 36,
    unit: Annotated[TimeUnit, typer.Option(help="Time unit of the horizon, the discount rate and the model.")
                    ] = TimeUnit.months,
    discount: Annotated[float, typer.Option(help="Discount rate per unit, e.g. 0.01 for 1 % a month.")] = 0.01,
    margin: Annotated[float, typer.Option(
        help="Gross margin as a fraction of revenue, e.g. 0.3. Default 1: values are revenue.")] = 1.0,
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
        "--out", "-o", dir_okay=False, metavar="FILE.csv", help="Write LTV per channel (with intervals) here.")
    ] = None,
) -> None:
    """Expected lifetime value of a newly acquired customer, per acquisition channel."""
    settings = optimizer.LtvSettings(model.value, horizon, unit.value, discount, margin, confidence, min_customers)
    job = optimizer.ltv_job(transactions, acquisition, settings, end=end, out=out, customer_col=customer_col,
                            date_col=date_col, amount_col=amount_col, channel_col=channel_col,
                            date_format=date_format)
    echo(job.text)
    wrote(job.written)


@command(name="set-ltv")
def set_ltv_command(
    channels: Annotated[Path, typer.Argument(exists=True, dir_okay=False, metavar="CHANNELS",
                                             help="The channel table to update.")],
    ltv_table: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, metavar="LTV_TABLE", help="LTV per channel: channel, ltv (as `ltvcac ltv` "
                                                               "writes).")],
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, metavar="FILE.csv",
                                      help="The channel table with the new ltv column.")],
) -> None:
    """Put estimated LTVs into a channel table, matching channels by name."""
    job = optimizer.set_ltv_job(channels, ltv_table, out)
    echo(job.text, err=True)
    wrote(job.written)


@command(name="attribute")
def attribute_command(
    journeys: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, metavar="JOURNEYS",
        help="An event log (customer_id, timestamp, channel, conversion, value) or aggregated paths "
             "(path, total_conversions, total_conversion_value, total_null); CSV or Parquet.")],
    model: Annotated[AttributionModel, typer.Option(help="Attribution model for the channel table.")
                     ] = AttributionModel.markov,
    order: Annotated[int, typer.Option(min=1, max=4, help="Markov order: states remember this many channels.")] = 1,
    spend: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False,
        help="Spend per channel (channel, spend, and any channel-table columns such as curve, elasticity, "
             "max_spend); with it --out is a channel table.")] = None,
    ltv: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="LTV per channel (channel, ltv), instead of attributed value per customer.")
    ] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, metavar="FILE.csv",
        help="Write the channel table (with --spend) or the attribution.")] = None,
    compare_models: Annotated[Path | None, typer.Option(
        "--compare-models", dir_okay=False, metavar="FILE.csv",
        help="Write every model's attributed conversions side by side here.")] = None,
    stats_dir: Annotated[Path | None, typer.Option(
        file_okay=False, metavar="FOLDER",
        help="Write journey statistics here: channels, path lengths, top paths, transitions.")] = None,
    sep: Annotated[str, typer.Option(help="Separator between channels in a path.")] = ">",
    weights: Annotated[str, typer.Option(help="Position-based shares of first, middle and last touches.")
                       ] = "0.4,0.2,0.4",
    half_life: Annotated[float, typer.Option(help="Time decay: days after which a touch counts half.")] = 7.0,
    lookback: Annotated[float, typer.Option(help="Event logs: days before a conversion that touches count.")] = 30.0,
    collapse_repeats: Annotated[bool, typer.Option(
        help="Event logs: count a channel touched several times in a row once.")] = False,
    customer_col: Annotated[str, typer.Option(help="Event logs: the customer id column.")] = "customer_id",
    time_col: Annotated[str, typer.Option(help="Event logs: the timestamp column.")] = "timestamp",
    channel_col: Annotated[str, typer.Option(help="Event logs: the channel column.")] = "channel",
    conversion_col: Annotated[str, typer.Option(help="Event logs: the conversion flag column.")] = "conversion",
    value_col: Annotated[str, typer.Option(help="Event logs: the conversion value column (optional).")] = "value",
) -> None:
    """Attribute conversions to channels from customer journeys, and write the optimizer's channel table."""
    job = optimizer.attribute_job(
        journeys, model.value, order, sep=sep, weights=weights, half_life_days=half_life, lookback_days=lookback,
        collapse_repeats=collapse_repeats, spend=spend, ltv=ltv, out=out, compare_models=compare_models,
        stats_dir=stats_dir, columns=dict(customer_col=customer_col, time_col=time_col, channel_col=channel_col,
                                          conversion_col=conversion_col, value_col=value_col))
    echo(job.text)
    echo(job.notes, err=True)
    wrote(job.written)


@command(name="fit-curves")
def fit_curves_command(
    history: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, metavar="HISTORY",
        help="Per-period rows: period, channel, spend, customers (optional ltv); CSV or Parquet.")],
    out: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, metavar="FILE.csv",
                                      help="The channel table to write.")],
    adstock: Annotated[float, typer.Option(
        help="Share of a period's spend that still works the next period (0 = none), e.g. 0.3.")] = 0.0,
    plot: Annotated[Path | None, typer.Option(
        file_okay=False, metavar="FOLDER",
        help="Write fits.png and fits.svg here: each channel's periods with the chosen and the other curves.")
    ] = None,
) -> None:
    """Fit each channel's linear, power, saturating and Hill curve from history; keep the best by AIC."""
    job = optimizer.fit_job(history, out, adstock, plot=plot)
    echo(job.text)
    echo(job.notes, err=True)
    wrote(job.written)


@command()
def solvers() -> None:
    """List the solvers and whether each works on this machine (each solves a one-variable LP)."""
    for name, problem in optimizer.solver_report().items():
        typer.echo(f"{name}: {'works' if problem is None else problem}")


def main() -> None:  # pragma: no cover - the console entry point
    app(prog_name="ltvcac")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
