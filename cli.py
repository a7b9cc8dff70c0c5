"""The ``ltvcac`` command: parse options, call one library function, print or write."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

import optimizer
from optimizer.errors import OptimizerError
from optimizer.export import check_target, write_csv, write_json
from optimizer.report import format_result
from optimizer.solvers import available_solvers

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


def _fail(exc: OptimizerError) -> typer.Exit:
    typer.echo(f"Error: {exc}", err=True)
    return typer.Exit(code=exc.exit_code)


@app.command()
def optimize(
    channels: ChannelsArg,
    budget: Annotated[str | None, typer.Option(
        help="Total budget: a number (1000000), a change of today's total (--budget=-20%, "
             "--budget=+10%) or a factor (--budget=x1.1). Default: today's total spend.")] = None,
    budget_mode: Annotated[ModeChoice, typer.Option(
        help="'exact' spends the whole budget; 'at-most' may leave some unspent.")] = ModeChoice.exact,
    objective: Annotated[ObjectiveChoice, typer.Option(
        help="What to maximize: 'ratio' (portfolio LTV:CAC), 'value' (customer lifetime value), "
             "'profit' (value minus spend) or 'customers'.")] = ObjectiveChoice.ratio,
    max_change: Annotated[float | None, typer.Option(
        help="Keep each channel within (1 +- F) x its current spend, e.g. 0.2 for +-20 %. "
             "Channels with no current spend are limited by their min_spend/max_spend only.")] = None,
    min_ratio: Annotated[float | None, typer.Option(
        help="Keep the portfolio LTV:CAC at or above this, e.g. 3.")] = None,
    fixed_costs: Annotated[float, typer.Option(
        help="Acquisition costs that are not media spend (team, tools); added to the cost side "
             "of LTV:CAC.")] = 0.0,
    solver: Annotated[SolverChoice, typer.Option(
        help="LP solver: 'highs' (default) or 'cbc'.")] = None,
    method: Annotated[MethodChoice, typer.Option(
        help="'auto' solves a budget-only model exactly by its multiplier and others by refined "
             "LPs; 'lp' always uses LPs.")] = MethodChoice.auto,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", dir_okay=False, help="Write the plan, one row per channel, to this CSV file.")] = None,
    summary_json: Annotated[Path | None, typer.Option(
        dir_okay=False, help="Write the portfolio figures, objective, solver and status as JSON.")] = None,
    lp_file: Annotated[Path | None, typer.Option(
        dir_okay=False, help="Write the LP model (CPLEX LP format), with the channels' names.")] = None,
    decimal_comma: Annotated[bool, typer.Option(
        help="Write the CSV as Nordic/European Excel reads it: ';' between cells, ',' for decimals.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Recommend spend per channel that maximizes LTV:CAC (or another objective) under the budget.

    Exit codes: 0 a plan was found, 1 bad input, 2 bad options, 3 no plan keeps every rule.
    """
    try:
        for target in (out, summary_json, lp_file):
            check_target(target)
        result = optimizer.optimize(
            channels, budget=budget, objective=objective.value, budget_mode=budget_mode.value,
            max_change=max_change, min_ratio=min_ratio, fixed_costs=fixed_costs,
            solver=solver.value if solver else None, method=method.value, lp_file=lp_file,
        )
        if result.ok and out is not None:
            write_csv(result.to_frame(), out, decimal_comma=decimal_comma)
        if summary_json is not None:
            write_json(result.summary(), summary_json)
    except OptimizerError as exc:
        raise _fail(exc) from None
    if not quiet or not result.ok:
        typer.echo(format_result(result), err=not result.ok)
    if not result.ok:
        raise typer.Exit(code=EXIT_INFEASIBLE)
    if not quiet and out is not None:
        typer.echo(f"\nPlan written to {out}")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(
        exists=True, dir_okay=False, metavar="FILE...", help="Channel tables to check.")],
) -> None:
    """Check channel tables without solving: every problem in every file is listed."""
    failed = 0
    for path in files:
        try:
            table = optimizer.read_channels(path)
        except OptimizerError as exc:
            typer.echo(f"Error: {exc}", err=True)
            failed += 1
            continue
        typer.echo(f"{path}: OK, {len(table)} channels")
        for note in table.notes:
            typer.echo(f"  note: {note}")
    if failed:
        raise typer.Exit(code=1)


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
