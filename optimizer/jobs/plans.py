"""The commands that solve: optimize, run, compare, frontier and report."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from optimizer.errors import OptimizerError
from optimizer.files.writers import (
    check_folder,
    check_target,
    prepare_folder,
    remove_output,
    together,
    write_csv,
    write_json,
    write_text,
)
from optimizer.jobs.job import EXIT_BAD_INPUT, EXIT_INFEASIBLE, Batch, Job, existing, within_time
from optimizer.report.charts import save_charts
from optimizer.report.html import render_report
from optimizer.report.pivots import pivots
from optimizer.report.text import format_comparison, format_frontier, format_result, format_run_line
from optimizer.results.plan import plan_for_file
from optimizer.whatif.batch import ScenarioRun, compare, describe_file, run_scenarios, scenario_summary
from optimizer.whatif.frontier import frontier
from optimizer.whatif.scenario import Scenario, load_source

REPORTS = Path("out")  # where a report goes when no --out is given


@together()
def plan_job(source: Path, overrides: dict, out: Path | None = None, summary_json: Path | None = None,
             lp_file: Path | None = None, decimal_comma: bool = False, plot: Path | None = None,
             pivot: Path | None = None) -> Job:
    """Solve one channel table or scenario and write the plan, its summary, its LP model, charts and (for a
    plan over cells) its pivots per channel and dimension."""
    started = time.monotonic()
    for target in (out, summary_json, lp_file):
        check_target(target, [source])
    check_folder(plot)
    check_folder(pivot)
    scenario = within_time(load_source(source, overrides), started)
    for target in (out, summary_json, lp_file):  # nor any file the scenario reads
        check_target(target, scenario.inputs)
    result = scenario.run(lp_file=lp_file)
    written = [lp_file] if lp_file is not None else []
    if result.ok and out is not None:
        written.append(write_csv(plan_for_file(result.to_frame()), out, decimal_comma=decimal_comma))
    if summary_json is not None:
        summary = scenario_summary(ScenarioRun(source, scenario, result)) if _is_scenario(scenario) else (
            result.summary())
        written.append(write_json(summary, summary_json))
    if plot is not None and result.ok:
        written += save_charts(plot, result, stem=scenario.name)
    if pivot is not None and result.ok:
        written += write_pivots(result, pivot, scenario.name, decimal_comma)
    return Job(_scenario_text(scenario) + format_result(result), tuple(written), result)


def write_pivots(result, folder: Path, stem: str, decimal_comma: bool = False) -> list[Path]:
    """STEM.by_channel.csv, STEM.by_market.csv, ... for a plan over cells (nothing for channels)."""
    tables = pivots(result.plan)
    if tables:
        prepare_folder(folder)
    return [write_csv(t, folder / f"{stem}.by_{dim}.csv", decimal_comma=decimal_comma) for dim, t in tables.items()]


@together()
def run_job(paths: list[Path], overrides: dict, out_dir: Path, decimal_comma: bool = False, plot: Path | None = None,
            on_start: Callable[[int, Path], None] | None = None, brief: bool = False) -> Batch:
    """Run scenario files, writing NAME.plan.csv and NAME.summary.json for each; keep going past failures."""
    check_folder(out_dir)
    check_folder(plot)
    prepare_folder(out_dir)
    runs = run_scenarios(paths, overrides, on_start)
    lines, written = _renamed(runs), []
    replaced = existing(*(out_dir / f"{r.name}.{kind}" for r in runs for kind in ("plan.csv", "summary.json")))
    for one in runs:
        if one.error is not None:
            lines.append((f"{one.name}: Error: {one.error}", True))
            continue
        files, removed = _write_run(one, out_dir, decimal_comma, plot)
        written += files
        if removed is not None:
            lines.append((f"Removed {removed}: an earlier plan of {one.name}, which now has none", True))
        if brief:
            lines.append((format_run_line(one), not one.result.ok))
        else:
            lines.append((_scenario_text(one.scenario) + format_result(one.result), not one.result.ok))
    return Batch(lines + _failures(runs), tuple(written), _exit_code(runs), replaced)


@together()
def compare_job(paths: list[Path], overrides: dict, out: Path | None = None, decimal_comma: bool = False,
                on_start: Callable[[int, Path], None] | None = None) -> Batch:
    """Run scenarios and show (and write) them side by side."""
    check_target(out, paths)
    runs = run_scenarios(paths, overrides, on_start)
    check_target(out, [p for r in runs if r.scenario is not None for p in r.scenario.inputs])
    table = compare(runs)
    written = [write_csv(table.reset_index(), out, decimal_comma=decimal_comma)] if out is not None else []
    lines = [(format_comparison(table), False)]
    for one in runs:
        if one.error is not None:
            lines.append((f"\n{one.name}: Error: {one.error}", True))
        elif not one.result.ok:
            reasons = "\n".join(f"  - {d}" for d in one.result.diagnosis)
            lines.append((f"\n{one.name}: no plan keeps every rule:\n{reasons}", True))
    if out is not None and any(not (r.result is not None and r.result.ok) for r in runs):
        lines.append((f"{out} is partial: the scenarios above without a plan have empty columns", True))
    return Batch(lines, tuple(written), _exit_code(runs))


@together()
def frontier_job(source: Path, overrides: dict, start: str, stop: str, steps: int, target: float,
                 out: Path | None = None, plot: Path | None = None, decimal_comma: bool = False,
                 progress: Callable[[int, int], None] | None = None) -> Job:
    """Sweep the budget for a channel table or scenario; write the points and the charts."""
    started = time.monotonic()
    check_target(out, [source])
    check_folder(plot)
    scenario = within_time(load_source(source, overrides), started)
    check_target(out, scenario.inputs)
    front = frontier(scenario.channels, start, stop, steps, target, progress=progress, settings=scenario.settings,
                     rules=list(scenario.rules))
    written = [write_csv(front.to_frame(), out, decimal_comma=decimal_comma)] if out is not None else []
    if plot is not None and front.current.ok:
        written += save_charts(plot, front.current, front, stem=scenario.name)
    return Job(format_frontier(front), tuple(written), front.current)


@together()
def report_job(source: Path, overrides: dict, out: Path | None = None, with_frontier: bool = True,
               start: str = "-50%", stop: str = "+50%", steps: int = 21, plot: Path | None = None) -> Job:
    """One self-contained HTML page for a channel table or scenario."""
    started = time.monotonic()
    scenario = within_time(load_source(source, overrides), started)
    out = out if out is not None else REPORTS / f"{scenario.name}.report.html"
    check_target(out, scenario.inputs)  # a missing folder (out/) is made when the report moves into place
    check_folder(plot)
    limit = scenario.settings.time_limit
    result = (scenario if limit is None or not with_frontier else dataclasses.replace(  # half the time for the plan
        scenario, settings=scenario.settings.replace(time_limit=limit / 2))).run()
    front = None
    if with_frontier and result.ok:
        left = None if limit is None else max(limit - (time.monotonic() - started), 0.1)
        front = frontier(scenario.channels, start, stop, steps, settings=scenario.settings.replace(time_limit=left),
                         rules=list(scenario.rules))
    page = render_report(result, f"ltvcac: {scenario.name}", scenario.description, scenario.changes, front)
    replaced = existing(out)
    written = [write_text(page, out)]
    if plot is not None and result.ok:
        written += save_charts(plot, result, front, stem=scenario.name)
    text = "" if result.ok else "No plan keeps every rule: see the report.\n" + format_result(result)
    return Job(text, tuple(written), result, replaced=replaced)


def validate_job(paths: list[Path]) -> Batch:
    """Check channel tables and scenario files without solving; every problem of every file."""
    lines = []
    for path in paths:
        try:
            lines.append((describe_file(path), False))
        except OptimizerError as exc:
            lines.append((f"Error: {exc}", True))
    return Batch(lines, (), EXIT_BAD_INPUT if any(err for _, err in lines) else 0)


def _is_scenario(scenario: Scenario) -> bool:
    return scenario.path.suffix.lower() == ".toml"


def _scenario_text(scenario: Scenario) -> str:
    if not _is_scenario(scenario):
        return ""
    head = f"Scenario {scenario.name}" + (f": {scenario.description}" if scenario.description else "")
    return "\n".join([head, *(f"  {c}" for c in scenario.changes), "", ""])


def _write_run(one: ScenarioRun, out_dir: Path, decimal_comma: bool, plot: Path | None
               ) -> tuple[list[Path], Path | None]:
    plan = out_dir / f"{one.name}.plan.csv"
    for target in (plan, out_dir / f"{one.name}.summary.json"):
        check_target(target if out_dir.is_dir() else None, one.scenario.inputs)
    written, removed = [], None
    if one.result.ok:
        written.append(write_csv(plan_for_file(one.result.to_frame()), plan, decimal_comma=decimal_comma))
    elif remove_output(plan):  # an earlier run's plan must not stand beside this run's "no plan"
        removed = plan
    written.append(write_json(scenario_summary(one), out_dir / f"{one.name}.summary.json"))
    if one.result.ok:
        written += write_pivots(one.result, out_dir, one.name, decimal_comma)
    if plot is not None and one.result.ok:
        written += save_charts(plot, one.result, stem=one.name)
    return written, removed


def _renamed(runs: list[ScenarioRun]) -> list[tuple[str, bool]]:
    """Say where scenarios of the same file name go: their outputs carry their folder's name."""
    return [(f"{one.path}: another scenario has the same file name, so its outputs are named {one.name}.*", False)
            for one in runs if one.name != one.path.stem]


def _failures(runs: list[ScenarioRun]) -> list[tuple[str, bool]]:
    failed = [r for r in runs if r.error is not None]
    infeasible = [r for r in runs if r.result is not None and not r.result.ok]
    if len(runs) < 2 or not (failed or infeasible):
        return []
    return [(f"\n{len(failed)} failed, {len(infeasible)} infeasible: "
             f"{', '.join(r.name for r in failed + infeasible)}", True)]


def _exit_code(runs: list[ScenarioRun]) -> int:
    if any(r.error is not None for r in runs):
        return EXIT_BAD_INPUT
    if any(r.result is not None and not r.result.ok for r in runs):
        return EXIT_INFEASIBLE
    return 0
