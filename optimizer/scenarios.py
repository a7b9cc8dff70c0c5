"""What-if scenarios: TOML files over a channel table, with inheritance, batch runs and comparison.

A scenario names its channel table and any settings; ``extends`` makes it a base plus overrides.
The budget defaults to today's total spend in the table, before channels are added or removed,
and a relative budget ("-20%") is relative to that.
Precedence is command line > scenario > base, and every applied override is logged as
"key: old -> new (source)".
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.adjust import add_channels, adjust_channels
from optimizer.api import optimize
from optimizer.channels import Channels, read_channels
from optimizer.errors import InputError, OptimizerError, Problem
from optimizer.formatting import money
from optimizer.result import Result
from optimizer.rules import GroupRule, RatioRule
from optimizer.schema import SETTINGS, check_scenario
from optimizer.settings import parse_amount

DEFAULTS = {"budget": None, "budget_mode": "exact", "objective": "ratio", "max_change": None,
            "min_ratio": None, "fixed_costs": 0.0, "solver": None, "method": "auto", "max_active": None,
            "time_limit": None}


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: its adjusted channels, settings for :func:`optimize`, rules and change log."""

    name: str
    path: Path
    description: str
    channels: Channels
    settings: dict
    rules: tuple[GroupRule | RatioRule, ...]
    changes: tuple[str, ...]

    def run(self) -> Result:
        """Optimize this scenario."""
        return optimize(self.channels, rules=list(self.rules), **self.settings)


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario of a batch: its result, or the error that stopped it."""

    path: Path
    scenario: Scenario | None = None
    result: Result | None = None
    error: OptimizerError | None = field(default=None)

    @property
    def name(self) -> str:
        return self.path.stem


def load_scenario(path: str | Path, overrides: dict | None = None) -> Scenario:
    """Load a scenario file (and the files it extends) and apply command-line ``overrides``.

    Raises
    ------
    InputError
        With every problem in the scenario files and the channel table they name.
    """
    path = Path(path)
    problems: list[Problem] = []
    layers = _layers(path, [], problems)
    if problems:
        raise InputError(str(path), problems)
    merged = _merge(layers)
    if merged["channels"] is None:
        raise InputError(str(path), [Problem('no channel table; add channels = "channels.csv"', key="channels")])
    log: list[str] = []
    channels = _channels(merged, path, problems, log)
    settings_log: list[str] = []
    settings = _settings(merged, overrides or {}, channels, settings_log) if channels is not None else {}
    rules = _rules(merged, channels, problems, log) if channels is not None else ()
    if problems:
        raise InputError(str(path), problems)
    description = merged["description"] or ""
    return Scenario(path.stem, path, description, channels, settings, rules, (*settings_log, *log))


def run_scenarios(paths: list[Path], overrides: dict | None = None,
                  on_start: Callable[[int, Path], None] | None = None) -> list[ScenarioRun]:
    """Load and optimize each scenario in turn; an error stops only its own scenario."""
    runs = []
    for k, path in enumerate(paths):
        if on_start:
            on_start(k, path)
        try:
            scenario = load_scenario(path, overrides)
            runs.append(ScenarioRun(Path(path), scenario, scenario.run()))
        except OptimizerError as exc:
            runs.append(ScenarioRun(Path(path), error=exc))
    return runs


def compare(runs: list[ScenarioRun]) -> pd.DataFrame:
    """Scenarios side by side: portfolio figures, then recommended spend per channel."""
    columns, channel_order = {}, []
    for run in runs:
        if run.result is not None and run.result.plan is not None:
            channel_order += [c for c in run.result.plan["channel"] if c not in channel_order]
    for run in runs:
        r = run.result
        column = {"status": r.status if r else "error", "budget": r.budget if r else np.nan}
        a = r.after if r is not None and r.ok else None
        column.update({"spend": a.spend if a else np.nan, "unspent": r.unspent if a else np.nan,
                       "customers": a.customers if a else np.nan, "value": a.value if a else np.nan,
                       "ltv_cac": a.ltv_cac if a else np.nan,
                       "budget_shadow_price": r.shadow_price if a else np.nan,
                       "marginal_value_per_budget_unit": r.marginal_value if a else np.nan})
        plan = r.plan.set_index("channel")["recommended_spend"] if a else pd.Series(dtype=float)
        column.update({f"spend: {c}": plan.get(c, np.nan) for c in channel_order})
        columns[_unique(run.name, columns)] = column
    frame = pd.DataFrame(columns)
    frame.index.name = "figure"
    return frame


def _layers(path: Path, seen: list[Path], problems: list[Problem]) -> list[tuple[Path, dict]]:
    """The chain of files from the first base to ``path``."""
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(p.name for p in [*seen, resolved])
        problems.append(Problem(f"extends goes round in a circle ({chain})", key="extends"))
        return []
    if not path.is_file():
        problems.append(Problem(f"no scenario file {path}; check the path"))
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(f"{path.name} is not valid TOML: {exc}"))
        return []
    found = [Problem(f"{path.name}: {p.message}", key=p.key) for p in check_scenario(data)]
    problems += found
    base = []
    if isinstance(data.get("extends"), str):
        base = _layers(path.parent / data["extends"], [*seen, resolved], problems)
    return [*base, (path, data)]


def _merge(layers: list[tuple[Path, dict]]) -> dict:
    merged = {"description": None, "channels": None, "settings": [], "adjust": [], "add": [],
              "groups": {}, "ratios": []}
    for path, data in layers:
        source = path.name
        if "description" in data:
            merged["description"] = data["description"]
        if "channels" in data:
            merged["channels"] = path.parent / data["channels"]  # relative to the file that names it
        merged["settings"] += [(key, data[key], source) for key in SETTINGS if key in data]
        merged["adjust"] += [(source, k + 1, e) for k, e in enumerate(data.get("adjust", []))]
        merged["add"] += [(source, k + 1, e) for k, e in enumerate(data.get("add", []))]
        for name, group in data.get("groups", {}).items():
            merged["groups"][name] = {**merged["groups"].get(name, {}), **group}
        merged["ratios"] += data.get("ratios", [])
    return merged


def _channels(merged: dict, path: Path, problems: list[Problem], log: list[str]) -> Channels | None:
    table_path = merged["channels"]
    try:
        frame = read_channels(table_path).table
        merged["current_total"] = float(frame["spend"].sum())  # before any what-if: today's budget
    except InputError as exc:
        problems += [Problem(f"{exc.source}: {p}") for p in exc.problems]
        return None
    frame = add_channels(frame, merged["add"], problems, log)
    before = set(frame["channel"])
    frame = adjust_channels(frame, merged["adjust"], problems, log)
    merged["removed"] = before - set(frame["channel"])
    try:
        return read_channels(frame, name=f"<{table_path.name} as changed by {path.name}>")
    except InputError as exc:
        problems += [Problem(f"{exc.source}: {p}") for p in exc.problems]
        return None


def _settings(merged: dict, overrides: dict, channels: Channels, log: list[str]) -> dict:
    total = merged.get("current_total", float(channels.spend.sum()))
    values = dict(DEFAULTS)
    values["budget"] = total
    layers = [*merged["settings"], *((k, v, "command line") for k, v in overrides.items() if v is not None)]
    for key, value, source in layers:
        new = parse_amount(value, total) if key == "budget" else value
        if new != values[key]:
            log.append(f"{key}: {_show(key, values[key])} -> {_show(key, new)} ({source})")
        values[key] = new
    return values


def _rules(merged: dict, channels: Channels, problems: list[Problem], log: list[str]) -> tuple:
    names, removed = set(channels.names), merged.get("removed", set())
    groups = {}
    for name, g in merged["groups"].items():
        if "channels" not in g:  # checked after merging: a file may refine a group its base defines
            problems.append(Problem("a group needs its channels = [...]", key=f"groups.{name}.channels"))
        members = tuple(c for c in g.get("channels", ()) if c not in removed)
        log += [f"{c}: left group {name!r} (removed)" for c in g.get("channels", ()) if c in removed]
        for c in members:
            if c not in names:
                problems.append(_unknown(c, channels.names, f"groups.{name}.channels"))
        groups[name] = GroupRule(name, members, g.get("min_share"), g.get("max_share"),
                                 g.get("min_spend"), g.get("max_spend"))
    ratios = []
    for k, r in enumerate(merged["ratios"]):
        sides = []
        for side in ("left", "right"):
            label = r.get(side, "")
            if label in groups:
                sides.append(groups[label].channels)
            elif label in names:
                sides.append((label,))
            else:
                problems.append(_unknown(label, [*channels.names, *groups], f"ratios[{k + 1}].{side}"))
                sides.append(())
        ratios.append(RatioRule(r.get("left"), r.get("right"), sides[0], sides[1], r.get("max"), r.get("min")))
    return (*groups.values(), *ratios)


def _unknown(name: str, known, key: str) -> Problem:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return Problem(f"no channel or group {name!r}{hint}", key=key)


def _show(key: str, value) -> str:
    if value is None:
        return "none"
    if key in ("budget", "fixed_costs") and isinstance(value, (int, float)):
        return money(value)
    return str(value)


def _unique(name: str, taken: dict) -> str:
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name} ({k})", k + 1
    return candidate


def scenario_summary(run: ScenarioRun) -> dict:
    """The result's summary with the scenario's name, description and every change it applied."""
    s = run.scenario
    return {"scenario": run.name, "description": s.description, "changes": list(s.changes), **run.result.summary()}


def describe_file(path: str | Path) -> str:
    """Validate a channel table or a scenario without solving; a short description of it."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        s = load_scenario(path)
        lines = [f"{path}: OK, scenario over {len(s.channels)} channels, {len(s.rules)} group/ratio rules"]
        lines += [f"  {c}" for c in s.changes]
    else:
        table = read_channels(path)
        lines = [f"{path}: OK, {len(table)} channels"]
    return "\n".join(lines + [f"  note: {n}" for n in (s.channels.notes if path.suffix.lower() == ".toml"
                                                       else table.notes)])


def load_source(path: str | Path, overrides: dict | None = None) -> Scenario:
    """A scenario file, or a channel table as a scenario with no rules and the given settings."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        return load_scenario(path, overrides)
    channels = read_channels(path)
    values = {**DEFAULTS, "budget": float(channels.spend.sum())}
    log = []
    for key, value in (overrides or {}).items():
        new = parse_amount(value, values["budget"]) if key == "budget" else value
        log.append(f"{key}: {_show(key, values[key])} -> {_show(key, new)} (command line)")
        values[key] = new
    return Scenario(path.stem, path, "", channels, values, (), tuple(log))
