"""The ``ltvcac`` command: parse options, call one library job, print what it says and what it wrote.

One error boundary (:func:`guarded`): errors become "Error: ..." on stderr with their exit code, Ctrl-C exits
130 (outputs move into place only at a command's end), a traceback shows only with --debug or LTVCAC_DEBUG=1;
terminal text has its control characters escaped. Settings are declared once (:data:`SETTINGS`)."""

from __future__ import annotations

import functools
import inspect
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, get_args, get_type_hints

import typer

import optimizer
from optimizer.errors import OptimizerError, render
from optimizer.model.choices import AttributionModel, LtvModel, TimeUnit
from optimizer.model.settings import SETTING_HELP, Settings
from optimizer.report.cli_words import WordsCommand, WordsGroup, input_file, option, out_file, progress
from optimizer.words import printable

app = typer.Typer(name="ltvcac", cls=WordsGroup, context_settings={"help_option_names": ["-h", "--help"]},
                  pretty_exceptions_enable=False, no_args_is_help=True, add_completion=False)

EXIT_INFEASIBLE, EXIT_INTERRUPTED, INTERRUPTED = 3, 130, "Interrupted; nothing was written."
DEBUG = {"on": False}  # a bug shows its traceback: set by --debug or LTVCAC_DEBUG=1 (the main callback)
def _optional(kind):
    return kind if type(None) in get_args(kind) else kind | None


FLAGS = {"start": "--from", "stop": "--to", "lookback_days": "--lookback", "half_life_days": "--half-life"}

def flag(name: str) -> str:
    """The command-line flag of a library parameter."""
    return FLAGS.get(name, "--" + name.replace("_", "-"))


# The settings of a plan: declared once (their meaning in optimizer/model/settings.py), shared by every
# command that solves; budgets and dimensions are text here (-20%, market:NO=1200000, market,period).
VALUES = {"budget": "AMOUNT", "budgets": "DIM:VALUE=AMOUNT,...", "dims": "COLUMNS", "risk": "expected|cvar:ALPHA",
          "draws": "FILE", "time_limit": "SECONDS", "max_payback": "MONTHS", "max_change": "F", "min_ratio": "R",
          "max_period_change": "F"}
SETTINGS = {name: (str | None if name in ("budget", "dims", "budgets") else _optional(kind), typer.Option(
    *([flag(name)] if kind is bool else []), help=render(SETTING_HELP[name], flag), metavar=VALUES.get(name),
    rich_help_panel="Plan settings")) for name, kind in get_type_hints(Settings).items() if name in SETTING_HELP}


def fail(message: str, code: int) -> None:
    """Print ``message`` on stderr (safe for the terminal) and exit with ``code``."""
    typer.echo(printable(message), err=True)
    raise typer.Exit(code=code)


def guarded(command):
    """Run ``command`` inside the one error boundary of the command line."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            with warnings.catch_warnings():  # numeric chatter of intermediate fits is not for users; --debug shows it
                warnings.simplefilter("default" if DEBUG["on"] else "ignore", RuntimeWarning)
                return command(*args, **kwargs)
        except typer.Exit:
            raise
        except OptimizerError as exc:
            fail(f"Error: {exc.render(flag)}", exc.exit_code)
        except BrokenPipeError:  # the reader stopped reading (| head): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(code=0) from None
        except KeyboardInterrupt:  # outputs move into place only when a command ends well
            fail(INTERRUPTED, EXIT_INTERRUPTED)
        except Exception as exc:
            if type(exc).__name__ == "InterruptException":  # DuckDB's own Ctrl-C, raised from inside a query
                fail(INTERRUPTED, EXIT_INTERRUPTED)
            if DEBUG["on"]:
                raise
            if isinstance(exc, OSError):  # a file or folder the library did not check: name it and the reason
                fail(f"Error: {f'{exc.filename}: ' if exc.filename else ''}{exc.strerror or exc}", 1)
            fail(f"Error: unexpected {type(exc).__name__}: {str(exc).rstrip('.')}. This is a bug in ltvcac; please "
                 "report it with the command and the traceback that --debug shows.", 1)
    return run


def solves(command):
    """Give ``command`` every plan-settings option; it receives them as ``settings`` (a dict of given ones)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "settings"]
    shared = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                annotation=Annotated[kind, option]) for name, (kind, option) in SETTINGS.items()]

    @functools.wraps(command)
    def run(**kwargs):
        given = {n: getattr(kwargs[n], "value", kwargs[n]) for n in SETTINGS if kwargs.get(n) is not None}
        return command(settings=given, **{k: v for k, v in kwargs.items() if k not in SETTINGS})

    del run.__wrapped__  # Typer must read the signature below, not the command's own
    run.__signature__ = signature.replace(parameters=own + shared)
    run.__annotations__ = {p.name: p.annotation for p in own + shared}
    return run


def command(name: str | None = None, plan: bool = False):
    """Register a command (with the settings options where it solves) inside the error boundary."""
    def register(func):
        wrapped = guarded(solves(func) if plan else func)
        return app.command(name=name, cls=WordsCommand)(wrapped)
    return register


def echo(text: str, quiet: bool = False, err: bool = False) -> None:
    if text and not quiet:
        typer.echo(printable(text), err=err)


def wrote(paths, replaced=()) -> None:
    """Say what was written (or replaced), one line per file (or per folder of charts), quiet or not."""
    for line in optimizer.written_lines(paths, replaced):
        echo(line)


def finish(job, quiet: bool) -> None:
    """Show a solving job's report (its diagnosis even when quiet), what it wrote; exit 3 without a plan."""
    echo(render(job.text, flag), quiet and job.result.ok, err=not job.result.ok)
    wrote(job.written, job.replaced)
    if not job.result.ok:
        raise typer.Exit(code=EXIT_INFEASIBLE)


def finish_batch(batch, quiet: bool = False) -> None:
    """Show a batch's lines (warnings even when quiet) and what it wrote; exit with its code."""
    for text, err in batch.lines:
        echo(render(text, flag), quiet and not err, err=err)
    wrote(batch.written, batch.replaced)
    raise typer.Exit(code=batch.exit_code)


def counter(total: int, quiet: bool):
    """Progress through several files, as [k/n] name on stderr."""
    return lambda k, path: echo(f"[{k + 1}/{total}] {path.name}", quiet or total < 2, err=True)


Source = input_file("A channel table (CSV or Parquet: channel, spend, customers or cac, ltv, optional limits and "
                    "curves) or a scenario file (TOML).", "CHANNELS.csv|SCENARIO.toml")
Scenarios = input_file("Scenario files (TOML; see scenarios/) or channel tables, each as a scenario with the "
                       "options given here.", "SCENARIO.toml...", list[Path])
Plot = option(Path | None, "Write charts here, PNG and SVG, named after the input: NAME.allocation, NAME.curves, and "
                           "NAME.frontier, NAME.risk, NAME.stability where there are some.", file_okay=False,
              metavar="FOLDER")
Quiet = option(bool, "Print nothing but errors and the files written.", "--quiet", "-q")
DecimalComma = option(bool, "Write CSVs as Nordic/European Excel reads them: ';' between cells, ',' for decimals.",
                      "--decimal-comma")


def version(value: bool) -> None:
    if value:
        typer.echo(f"ltvcac {optimizer.__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    show_version: Annotated[bool, typer.Option("--version", callback=version, is_eager=True,
                                               help="Print the version and exit.")] = False,
    debug: option(bool, "Show the traceback of an unexpected error, for a bug report.", "--debug") = False,
) -> None:
    """Where the next unit of acquisition budget should go: LTV:CAC-optimal budget plans."""
    DEBUG["on"] = debug or os.environ.get("LTVCAC_DEBUG", "") not in ("", "0")


@command(plan=True)
def optimize(
    source: Source,
    settings: dict,
    out: out_file("Write the plan, one row per channel, to this CSV file.") = None,
    summary_json: option(Path | None, "Write the portfolio figures, objective, solver and status.",
                         dir_okay=False, metavar="FILE.json") = None,
    lp_file: option(Path | None, "Write the LP model (CPLEX LP format), in the channels' names.", dir_okay=False,
                    metavar="FILE.lp") = None,
    decimal_comma: DecimalComma = False,
    plot: Plot = None,
    pivot: option(Path | None, "A plan over cells (market, period columns): write its spend per channel, market and "
                               "period here (NAME.by_channel.csv, ...).", file_okay=False, metavar="FOLDER") = None,
    quiet: Quiet = False,
) -> None:
    """Recommend spend per channel that maximizes LTV:CAC (or another objective) under the budget.

    Exit codes: 0 a plan was found, 1 bad input, 2 bad options, 3 no plan keeps every rule.
    """
    finish(optimizer.plan_job(source, settings, out=out, summary_json=summary_json, lp_file=lp_file,
                              decimal_comma=decimal_comma, plot=plot, pivot=pivot), quiet)


@command(plan=True)
def run(
    scenarios: Scenarios,
    settings: dict,
    out_dir: option(Path, "Folder for each scenario's NAME.plan.csv and NAME.summary.json (created if missing).",
                    file_okay=False, metavar="FOLDER") = Path("out"),
    decimal_comma: DecimalComma = False,
    plot: Plot = None,
    quiet: option(bool, "Print only the one-line outcome per scenario.", "--quiet", "-q") = False,
) -> None:
    """Run scenario files: write each one's plan and summary, keep going past failures.

    Options given here override every scenario (command line > scenario > base). Exit codes:
    0 all optimal, 1 a scenario had bad input, 3 a scenario had no feasible plan.
    """
    finish_batch(optimizer.run_job(scenarios, settings, out_dir, decimal_comma=decimal_comma, plot=plot,
                                   on_start=counter(len(scenarios), False), brief=quiet or len(scenarios) > 1))


@command(plan=True)
def compare(
    scenarios: Scenarios,
    settings: dict,
    out: out_file("Also write the side-by-side table to this CSV file.") = None,
    decimal_comma: DecimalComma = False,
    quiet: Quiet = False,
) -> None:
    """Scenarios side by side: portfolio spend, customers, value, LTV:CAC, shadow price, spend per channel."""
    finish_batch(optimizer.compare_job(scenarios, settings, out, decimal_comma=decimal_comma,
                                       on_start=counter(len(scenarios), quiet)), quiet)


@command(name="frontier", plan=True)
def frontier_command(
    source: Source,
    settings: dict,
    start: option(str, "Lowest budget: a number or a change of today's total (-50%).", "--from") = "-50%",
    stop: option(str, "Highest budget: a number or a change (+50%).", "--to") = "+50%",
    steps: option(int, "Number of budgets, evenly spaced, ends included.", min=2, max=2000) = 21,
    out: out_file("Write every point (with each channel's spend) to this CSV.") = None,
    decimal_comma: DecimalComma = False,
    plot: Plot = None,
    quiet: Quiet = False,
) -> None:
    """The efficient frontier: the best value, customers and LTV:CAC for each budget in a range."""
    with progress(steps, "budgets", quiet) as bar:
        job = optimizer.frontier_job(source, settings, start, stop, steps, settings.get("target", 3.0), out=out,
                                     plot=plot, decimal_comma=decimal_comma,
                                     progress=lambda k, n: bar.update(k - bar.pos))
    echo(render(job.text, flag), quiet)
    wrote(job.written)


@command(plan=True)
def report(
    source: Source,
    settings: dict,
    out: out_file("The HTML file to write. Default: out/NAME.report.html.", "FILE.html") = None,
    with_frontier: option(bool, "Include the efficient frontier (--from to --to).", "--frontier/--no-frontier") = True,
    start: option(str, "Frontier: lowest budget.", "--from") = "-50%",
    stop: option(str, "Frontier: highest budget.", "--to") = "+50%",
    steps: option(int, "Frontier: number of budgets.", min=2, max=2000) = 21,
    plot: Plot = None,
    quiet: Quiet = False,
) -> None:
    """One self-contained HTML page: portfolio summary, plan with reasons, rules and charts."""
    finish(optimizer.report_job(source, settings, out, with_frontier, start, stop, steps, plot=plot), quiet)


@command()
def validate(
    files: input_file("Channel tables (CSV, Parquet) or scenarios (TOML).", "FILE...", list[Path]),
    quiet: Quiet = False,
) -> None:
    """Check channel tables and scenario files without solving: every problem in every file is listed."""
    finish_batch(optimizer.validate_job(files), quiet)


@command()
def ltv(
    transactions: input_file("Transaction log (CSV or Parquet): customer_id, date, amount (names set below).",
                             "TRANSACTIONS"),
    acquisition: option(Path, "Acquisition table (CSV or Parquet): customer_id, channel.", exists=True,
                        dir_okay=False),
    model: option(LtvModel, "bgnbd (BG/NBD + Gamma-Gamma), cohort (observed value + fitted retention tail) or "
                            "simple (AOV x frequency x margin x retention lifetime).") = LtvModel.bgnbd,
    horizon: option(float, "How far ahead a customer's value counts, in --unit.") = 36,
    unit: option(TimeUnit, "Time unit of the horizon, the discount rate and the model.") = TimeUnit.months,
    discount: option(float, "Discount rate per unit, e.g. 0.01 for 1 % a month.") = 0.01,
    margin: option(float, "Gross margin as a fraction of revenue, e.g. 0.3. Default 1: values are revenue.") = 1.0,
    confidence: option(float, "Level of the interval written next to each LTV.") = 0.9,
    min_customers: option(int, "bgnbd: a channel with fewer customers uses the fit on all customers (pooled).") = 300,
    end: option(str | None, "Last day observed (YYYY-MM-DD); later rows are ignored. Default: the log's last.") = None,
    customer_col: option(str, "Customer id column in both files.") = "customer_id",
    date_col: option(str, "Date column of the transaction log.") = "date",
    amount_col: option(str, "Amount column of the transaction log (returns negative).") = "amount",
    channel_col: option(str, "Channel column of the acquisition table.") = "channel",
    date_format: option(str | None, "strftime format of the dates, e.g. %d.%m.%Y. Default: ISO 8601.") = None,
    out: out_file("Write LTV per channel (with intervals) here.") = None,
    timeline: option(Path | None, "Write value per customer by period here, for set-ltv.", dir_okay=False,
                     metavar="FILE.csv") = None,
    decimal_comma: DecimalComma = False,
    quiet: Quiet = False,
) -> None:
    """Expected lifetime value of a newly acquired customer, per acquisition channel."""
    settings = optimizer.LtvSettings(model.value, horizon, unit.value, discount, margin, confidence, min_customers)
    job = optimizer.ltv_job(transactions, acquisition, settings, end=end, out=out, customer_col=customer_col,
                            date_col=date_col, amount_col=amount_col, channel_col=channel_col,
                            date_format=date_format, timeline=timeline, decimal_comma=decimal_comma)
    echo(render(job.text, flag), quiet)
    wrote(job.written)


@command(name="set-ltv")
def set_ltv_command(
    channels: input_file("The channel table to update.", "CHANNELS"),
    ltv_table: input_file("LTV per channel: channel, ltv (as `ltvcac ltv` writes).", "LTV_TABLE"),
    out: out_file("The channel table with the new ltv column.", kind=Path),
    timeline: option(Path | None, "Value by period (ltv --timeline): adds value_<N>m columns.", exists=True) = None,
    months: option(str | None, "Months of the value columns, e.g. 0,3,6,12 (default: 0-12, then fewer).",
                   metavar="MONTHS") = None,
    decimal_comma: DecimalComma = False,
    quiet: Quiet = False,
) -> None:
    """Put estimated LTVs (and value by month, for payback) into a channel table, matching channels by name."""
    job = optimizer.set_ltv_job(channels, ltv_table, out, timeline=timeline, months=months,
                                decimal_comma=decimal_comma)
    echo(job.text, err=True)
    wrote(job.written)


@command(name="attribute")
def attribute_command(
    journeys: input_file("An event log (customer_id, timestamp, channel, conversion, value) or aggregated paths "
                         "(path, total_conversions, total_conversion_value, total_null); CSV or Parquet.",
                         "JOURNEYS"),
    model: option(AttributionModel, "Attribution model for the channel table.") = AttributionModel.markov,
    order: option(int, "Markov order: states remember this many channels.", min=1, max=4) = 1,
    spend: option(Path | None, "Spend per channel (channel, spend, and any channel-table columns such as curve, "
                               "elasticity, max_spend); with it --out is a channel table.", exists=True,
                  dir_okay=False) = None,
    ltv: option(Path | None, "LTV per channel (channel, ltv), instead of attributed value per customer.",
                exists=True, dir_okay=False) = None,
    bootstrap: option(int, "Resample the journeys N times: a 90 % interval of each channel's customers.", min=0) = 0,
    out: out_file("Write the channel table (with --spend) or the attribution.") = None,
    compare_models: option(Path | None, "Write every model's attributed conversions side by side here.",
                           dir_okay=False, metavar="FILE.csv") = None,
    stats_dir: option(Path | None, "Write journey statistics here: channels, path lengths, top paths, transitions.",
                      file_okay=False, metavar="FOLDER") = None,
    sep: option(str, "Separator between channels in a path.") = ">",
    weights: option(str, "Position-based shares of first, middle and last touches.",
                    metavar="FIRST,MIDDLE,LAST") = "0.4,0.2,0.4",
    half_life: option(float, "Time decay: days after which a touch counts half.") = 7.0,
    lookback: option(float, "Event logs: days before a conversion that touches count.") = 30.0,
    collapse_repeats: option(bool, "Event logs: count a channel touched several times in a row once.",
                            "--collapse-repeats") = False,
    customer_col: option(str, "Event logs: the customer id column.") = "customer_id",
    time_col: option(str, "Event logs: the timestamp column.") = "timestamp",
    channel_col: option(str, "Event logs: the channel column.") = "channel",
    conversion_col: option(str, "Event logs: the conversion flag column.") = "conversion",
    value_col: option(str, "Event logs: the conversion value column (optional).") = "value",
    decimal_comma: DecimalComma = False,
    quiet: Quiet = False,
) -> None:
    """Attribute conversions to channels from customer journeys, and write the optimizer's channel table."""
    job = optimizer.attribute_job(
        journeys, model.value, order, sep=sep, weights=weights, half_life_days=half_life, lookback_days=lookback,
        collapse_repeats=collapse_repeats, spend=spend, ltv=ltv, out=out, bootstrap=bootstrap, stats_dir=stats_dir,
        compare_models=compare_models, columns=dict(customer_col=customer_col, time_col=time_col,
                                                    channel_col=channel_col, conversion_col=conversion_col,
                                                    value_col=value_col), decimal_comma=decimal_comma)
    echo(render(job.text, flag), quiet)
    echo(job.notes, err=True)
    wrote(job.written)


@command(name="fit-curves")
def fit_curves_command(
    history: input_file("Per-period rows: period, channel, spend, customers (optional ltv); CSV or Parquet.",
                        "HISTORY"),
    out: out_file("The channel table to write.", kind=Path),
    adstock: option(float, "Share of a period's spend that still works the next period (0 = none), e.g. 0.3.") = 0.0,
    plot: option(Path | None, "Write NAME.fits.png and .svg here (NAME: the history file's), one panel per channel: "
                              "its observed periods, the chosen curve and the other candidates.", file_okay=False,
                 metavar="FOLDER") = None,
    decimal_comma: DecimalComma = False,
    quiet: Quiet = False,
) -> None:
    """Fit each channel's linear, power, saturating and Hill curve from history; keep the best by AIC."""
    job = optimizer.fit_job(history, out, adstock, plot=plot, decimal_comma=decimal_comma)
    echo(render(job.text, flag), quiet)
    echo(job.notes, err=True)
    wrote(job.written)


@command()
def solvers() -> None:
    """List the solvers and whether each works on this machine (each solves a one-variable LP)."""
    for name, problem in optimizer.solver_report().items():
        typer.echo(f"{name}: {'works' if problem is None else problem}")


def main() -> None:  # pragma: no cover - the console entry point
    app(prog_name="ltvcac")

