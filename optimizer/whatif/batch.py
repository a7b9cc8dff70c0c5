"""Several scenarios in one go: run each (an error stops only its own), compare them side by side.

Each run has a name unique in its batch: the file's stem, with its folder in front when two files of
the same name come from different folders, so their outputs never overwrite each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.errors import OptimizerError
from optimizer.model.channels import read_channels
from optimizer.results.result import Result
from optimizer.whatif.scenario import Scenario, load_scenario, load_source
from optimizer.words import whole


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario of a batch: its result, or the error that stopped it."""

    path: Path
    scenario: Scenario | None = None
    result: Result | None = None
    error: OptimizerError | None = field(default=None)
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.path.stem)


def run_names(paths: list[Path]) -> list[str]:
    """A unique name per scenario file: its stem, or folder.stem where stems repeat."""
    paths = [Path(p) for p in paths]
    stems = [p.stem for p in paths]
    names = [f"{p.resolve().parent.name}.{p.stem}" if stems.count(p.stem) > 1 else p.stem for p in paths]
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}.{seen[name]}")
    return out


def run_scenarios(paths: list[Path], overrides: dict | None = None,
                  on_start: Callable[[int, Path], None] | None = None) -> list[ScenarioRun]:
    """Load and optimize each scenario in turn; an error stops only its own scenario."""
    runs = []
    for k, (path, name) in enumerate(zip(paths, run_names(paths), strict=True)):
        if on_start:
            on_start(k, path)
        try:
            scenario = load_source(path, overrides)  # a scenario file, or a channel table as one
            runs.append(ScenarioRun(Path(path), scenario, scenario.run(), name=name))
        except OptimizerError as exc:
            runs.append(ScenarioRun(Path(path), error=exc, name=name))
    return runs


def compare(runs: list[ScenarioRun]) -> pd.DataFrame:
    """Scenarios side by side: portfolio figures, then recommended spend per channel."""
    columns, channel_order = {}, []
    for run in runs:
        if run.result is not None and run.result.plan is not None:
            channel_order += [c for c in _spend_by(run.result.plan).index if c not in channel_order]
    done = [run.result for run in runs if run.result is not None]
    organic = any(r.before.organic_customers > 0 for r in done)
    timeline = any(r.channels is not None and r.channels.timeline.any for r in done)
    for run in runs:
        r = run.result
        column = {"status": r.status.value if r else "error", "budget": r.budget if r else np.nan}
        a = r.after if r is not None and r.ok else None
        column.update({"spend": a.spend if a else np.nan, "unspent": r.unspent if a else np.nan,
                       "customers": a.customers if a else np.nan, "value": a.value if a else np.nan,
                       "ltv_cac": a.ltv_cac if a else np.nan,
                       **({"blended_ltv_cac": a.blended_ltv_cac if a else np.nan} if organic else {}),
                       "cac": a.cac if a else np.nan,
                       **({"blended_cac": a.blended_cac if a else np.nan} if organic else {}),
                       **({"payback_months": r.payback.recommended if a and r.payback else np.nan} if timeline
                          else {}),
                       "budget_shadow_price": r.shadow_price if a else np.nan,
                       "marginal_value_per_budget_unit": r.marginal_value if a else np.nan})
        if a and r.uncertainty is not None:  # how sure: the spread over the draws and the chance to beat today
            row = r.uncertainty.frame.loc["recommended"]
            column.update({k: row[k] for k in ("ltv_cac_p05", "ltv_cac_p95", "p_beats_today")})
        plan = _spend_by(r.plan) if a else pd.Series(dtype=float)
        column.update({f"spend: {c}": plan.get(c, np.nan) for c in channel_order})
        columns[run.name] = column
    frame = pd.DataFrame(columns)
    sure = [f for f in ("ltv_cac_p05", "ltv_cac_p95", "p_beats_today") if f in frame.index]
    rest = [f for f in frame.index if f not in sure]
    at = rest.index("ltv_cac") + 1 if "ltv_cac" in rest else len(rest)
    frame = frame.reindex([*rest[:at], *sure, *rest[at:]])
    frame.index.name = "figure"
    return frame


def _spend_by(plan: pd.DataFrame) -> pd.Series:
    """Recommended spend per channel; for a plan over cells, per channel and per value of each dimension."""
    if "cell" not in plan.columns:
        return plan.set_index("channel")["recommended_spend"]
    dims = list(plan.columns[list(plan.columns).index("channel"):list(plan.columns).index("curve")])
    parts = [plan.groupby(d, sort=False)["recommended_spend"].sum().rename(lambda v, d=d: f"{d} {v}")
             for d in dims[1:]]
    return pd.concat([*parts, plan.groupby("channel", sort=False)["recommended_spend"].sum()])


def scenario_summary(run: ScenarioRun) -> dict:
    """The result's summary with the scenario's name, description and every change it applied."""
    s = run.scenario
    return {"scenario": run.name, "description": s.description, "changes": list(s.changes), **run.result.summary()}


def describe_file(path: str | Path) -> str:
    """Validate a channel table or a scenario without solving; a short description of it."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        s = load_scenario(path)
        lines = [f"{path}: OK, scenario over {whole(len(s.channels))} channels, {whole(len(s.rules))} group/ratio "
                 "rules"]
        lines += [f"  {c}" for c in s.changes]
        notes = s.channels.notes
    else:
        table = read_channels(path)
        timeline = table.timeline
        known = f", value timelines for {int(timeline.known.sum())} to {np.nanmax(timeline.horizon):g} months" if (
            timeline.any) else ""
        lines = [f"{path}: OK, {whole(len(table))} channels{known}"]
        notes = table.notes
    return "\n".join(lines + [f"  note: {n}" for n in notes])
