"""ltvcac: where the next unit of acquisition budget should go, by LTV:CAC, proven optimal.

The public API is loaded on first use (``optimizer.optimize`` imports the optimizer, not the charts
or the journey reader), so ``import optimizer`` and the command line start fast.

How the code is organized (data flows down this list, never up):

- ``files``: every parser (numbers, dates, flags, text tables) and every writer (atomic, escaped)
- ``model``: channels, curves, settings and every fixed choice, limits, rules, the program
- ``solve``: closed form, refined LPs and MILPs, Dinkelbach, backends, certificate, diagnosis
- ``results``: the result, plan table, explanation and sensitivity; ``optimize``: the entry point
- ``whatif``: scenario files, adjustments, batches, the frontier
- ``ltv``, ``journeys``, ``fitting``: the producers of the channel table's columns
- ``report``: terminal text, charts, HTML (format and draw only)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from optimizer.errors import InputError, OptimizerError, OutputError, SolverError, UsageError
from optimizer.model.choices import BudgetMode, Objective

_API = {
    "__version__": "optimizer.version",  # importlib.metadata takes 30 ms: only for --version
    "optimize": "optimizer.optimization",
    "optimize_settings": "optimizer.optimization",
    "read_channels": "optimizer.model.channels",
    "Channels": "optimizer.model.channels",
    "Settings": "optimizer.model.settings",
    "GroupRule": "optimizer.model.rules",
    "RatioRule": "optimizer.model.rules",
    "DimBudget": "optimizer.model.dims",
    "CellRule": "optimizer.model.dims",
    "Flighting": "optimizer.model.dims",
    "ActivePeriods": "optimizer.model.dims",
    "Status": "optimizer.model.program",
    "Approach": "optimizer.model.program",
    "Result": "optimizer.results.result",
    "Portfolio": "optimizer.results.result",
    "RuleCheck": "optimizer.results.result",
    "Uncertainty": "optimizer.uncertainty.summary",
    "PriceOfSafety": "optimizer.uncertainty.summary",
    "read_draws": "optimizer.uncertainty.table",
    "load_scenario": "optimizer.whatif.scenario",
    "load_source": "optimizer.whatif.scenario",
    "run_scenarios": "optimizer.whatif.batch",
    "compare": "optimizer.whatif.batch",
    "frontier": "optimizer.whatif.frontier",
    "LtvSettings": "optimizer.ltv.estimate",
    "ltv_from_files": "optimizer.ltv.estimate",
    "set_ltv": "optimizer.ltv.join",
    "read_timeline": "optimizer.ltv.timeline",
    "value_columns": "optimizer.ltv.timeline",
    "payback_from_timeline": "optimizer.ltv.timeline",
    "Timeline": "optimizer.model.timeline",
    "Payback": "optimizer.results.payback",
    "analyze": "optimizer.journeys.analyze",
    "channel_table": "optimizer.journeys.channel_table",
    "fit_curves": "optimizer.fitting.fit",
    "solver_report": "optimizer.solve.backends",
    "describe_file": "optimizer.whatif.batch",
    # what each command of ltvcac does (the command line calls these)
    "plan_job": "optimizer.jobs.plans",
    "run_job": "optimizer.jobs.plans",
    "compare_job": "optimizer.jobs.plans",
    "frontier_job": "optimizer.jobs.plans",
    "report_job": "optimizer.jobs.plans",
    "validate_job": "optimizer.jobs.plans",
    "ltv_job": "optimizer.jobs.analysis",
    "set_ltv_job": "optimizer.jobs.analysis",
    "attribute_job": "optimizer.jobs.attribution",
    "fit_job": "optimizer.jobs.analysis",
    "written_lines": "optimizer.jobs.job",
}

__all__ = [
    "ActivePeriods",
    "Approach",
    "BudgetMode",
    "CellRule",
    "Channels",
    "DimBudget",
    "Flighting",
    "GroupRule",
    "InputError",
    "LtvSettings",
    "Objective",
    "OptimizerError",
    "OutputError",
    "Payback",
    "Portfolio",
    "PriceOfSafety",
    "RatioRule",
    "Result",
    "RuleCheck",
    "Settings",
    "SolverError",
    "Status",
    "Timeline",
    "Uncertainty",
    "UsageError",
    "__version__",
    "analyze",
    "attribute_job",
    "channel_table",
    "compare",
    "compare_job",
    "describe_file",
    "fit_curves",
    "fit_job",
    "frontier",
    "frontier_job",
    "load_scenario",
    "load_source",
    "ltv_from_files",
    "ltv_job",
    "optimize",
    "optimize_settings",
    "payback_from_timeline",
    "plan_job",
    "read_channels",
    "read_draws",
    "read_timeline",
    "report_job",
    "run_job",
    "run_scenarios",
    "set_ltv",
    "set_ltv_job",
    "solver_report",
    "validate_job",
    "value_columns",
    "written_lines",
]


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors: the names __getattr__ loads
    from optimizer.fitting.fit import fit_curves
    from optimizer.jobs.analysis import fit_job, ltv_job, set_ltv_job
    from optimizer.jobs.attribution import attribute_job
    from optimizer.jobs.job import written_lines
    from optimizer.jobs.plans import compare_job, frontier_job, plan_job, report_job, run_job, validate_job
    from optimizer.journeys.analyze import analyze
    from optimizer.journeys.channel_table import channel_table
    from optimizer.ltv.estimate import LtvSettings, ltv_from_files
    from optimizer.ltv.join import set_ltv
    from optimizer.ltv.timeline import payback_from_timeline, read_timeline, value_columns
    from optimizer.model.channels import Channels, read_channels
    from optimizer.model.dims import ActivePeriods, CellRule, DimBudget, Flighting
    from optimizer.model.program import Approach, Status
    from optimizer.model.rules import GroupRule, RatioRule
    from optimizer.model.settings import Settings
    from optimizer.model.timeline import Timeline
    from optimizer.optimization import optimize, optimize_settings
    from optimizer.results.payback import Payback
    from optimizer.results.result import Portfolio, Result, RuleCheck
    from optimizer.solve.backends import solver_report
    from optimizer.uncertainty.summary import PriceOfSafety, Uncertainty
    from optimizer.uncertainty.table import read_draws
    from optimizer.version import __version__
    from optimizer.whatif.batch import compare, describe_file, run_scenarios
    from optimizer.whatif.frontier import frontier
    from optimizer.whatif.scenario import load_scenario, load_source
