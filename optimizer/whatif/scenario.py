"""What-if scenarios: TOML files over a channel table, with inheritance, adjustments and rules.

A scenario names its channel table and any settings; ``extends`` makes it a base plus overrides.
The budget defaults to today's total spend in the table, before channels are added or removed,
and a relative budget ("-20%") is relative to that.
Precedence is command line > scenario > base, and every applied override is logged as
"key: old -> new (source)". A loaded scenario holds typed :class:`Settings`, ready to solve.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from optimizer.errors import InputError, OptimizerError, Problem, UsageError
from optimizer.model.channels import Channels, read_channels
from optimizer.model.dims import ActivePeriods, CellRule, DimBudget, Flighting, default_budget
from optimizer.model.rules import GroupRule, RatioRule
from optimizer.model.settings import SETTING_NAMES, Settings, parse_amount
from optimizer.optimization import optimize_settings
from optimizer.results.result import Result
from optimizer.whatif.adjust import add_channels, adjust_channels
from optimizer.whatif.schema import SETTINGS, check_scenario
from optimizer.words import money

DEFAULTS = {f.name: f.default for f in fields(Settings) if f.name in SETTING_NAMES}
MAX_DEPTH = 50  # extends chains longer than this are refused (a chain that deep is a mistake)


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: its adjusted channels, settings, rules and change log."""

    name: str
    path: Path
    description: str
    channels: Channels
    settings: Settings
    rules: tuple[GroupRule | RatioRule, ...]
    changes: tuple[str, ...]
    inputs: tuple[Path, ...] = ()  # every file it was read from: scenarios, channel table, draws table

    def run(self, lp_file: str | Path | None = None) -> Result:
        """Optimize this scenario."""
        return optimize_settings(self.channels, self.settings, list(self.rules), lp_file)


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
    dims = [v for k, v, _ in merged["settings"] if k == "dims"] + [(overrides or {}).get("dims")]
    merged["dims"] = Settings(dims=next((d for d in reversed(dims) if d), None)).dims
    channels = _channels(merged, path, problems, log)
    settings_log: list[str] = []
    settings = None
    if channels is not None:
        try:
            settings = _settings(merged, overrides or {}, channels, settings_log)
        except UsageError as exc:
            problems.append(Problem(str(exc)))
    rules = _rules(merged, channels, problems, log) if channels is not None else ()
    rules = (*rules, *_dimension_rules(merged, problems))
    if problems:
        raise InputError(str(path), problems)
    description = merged["description"] or ""
    inputs = (*(p for p, _ in layers), merged["channels"], *_draws(settings))
    return Scenario(path.stem, path, description, channels, settings, rules, (*settings_log, *log), inputs)


def load_source(path: str | Path, overrides: dict | None = None) -> Scenario:
    """A scenario file, or a channel table as a scenario with no rules and the given settings."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        return load_scenario(path, overrides)
    overrides = overrides or {}
    settings = Settings(**{**DEFAULTS, **{k: v for k, v in overrides.items() if k in ("dims", "budgets")}})
    channels = read_channels(path, dims=settings.dims)
    total = float(channels.spend.sum())
    budgets = [DimBudget(*b) for b in settings.budgets or ()]
    implied = default_budget(budgets, channels.cells, channels.spend) if channels.cells is not None else None
    log: list[str] = []
    settings = _apply({**DEFAULTS, "budget": total if implied is None else implied},
                      [(k, v, "command line") for k, v in overrides.items() if v is not None], total, log)
    return Scenario(path.stem, path, "", channels, settings, (), tuple(log), (path, *_draws(settings)))


def _draws(settings: Settings) -> tuple[Path, ...]:
    return (Path(settings.draws),) if settings.draws else ()


def _layers(path: Path, seen: list[Path], problems: list[Problem]) -> list[tuple[Path, dict]]:
    """The chain of files from the first base to ``path``."""
    resolved = path.resolve()
    if len(seen) >= MAX_DEPTH:
        problems.append(Problem(f"extends goes more than {MAX_DEPTH} files deep; shorten the chain", key="extends"))
        return []
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
    except OSError as exc:
        problems.append(Problem(f"cannot read {path}: {exc.strerror or exc}"))
        return []
    found = [Problem(f"{path.name}: {p.message}", key=p.key) for p in check_scenario(data)]
    problems += found
    base = []
    if isinstance(data.get("extends"), str):
        base = _layers(path.parent / data["extends"], [*seen, resolved], problems)
    return [*base, (path, data)]


def _merge(layers: list[tuple[Path, dict]]) -> dict:
    merged = {"description": None, "channels": None, "settings": [], "adjust": [], "add": [],
              "groups": {}, "ratios": [], "budgets": {}, "limits": [], "flighting": []}
    for path, data in layers:
        source = path.name
        if "description" in data:
            merged["description"] = data["description"]
        if "channels" in data:
            merged["channels"] = path.parent / data["channels"]  # relative to the file that names it
        merged["settings"] += [(key, str(path.parent / data[key]) if key == "draws" else data[key], source)
                               for key in SETTINGS if key in data]  # a draws table is relative to its file
        merged["adjust"] += [(source, k + 1, e) for k, e in enumerate(data.get("adjust", []))]
        merged["add"] += [(source, k + 1, e) for k, e in enumerate(data.get("add", []))]
        for name, group in data.get("groups", {}).items():
            merged["groups"][name] = {**merged["groups"].get(name, {}), **group}
        merged["ratios"] += data.get("ratios", [])
        for dim, values in data.get("budgets", {}).items():
            merged["budgets"][dim] = {**merged["budgets"].get(dim, {}), **(values if isinstance(values, dict) else {})}
        merged["limits"] += data.get("limits", [])
        merged["flighting"] += data.get("flighting", [])
    return merged


def _channels(merged: dict, path: Path, problems: list[Problem], log: list[str]) -> Channels | None:
    table_path = merged["channels"]
    dims = merged.get("dims")
    try:
        frame = read_channels(table_path, dims=dims).table
        merged["current_total"] = float(frame["spend"].sum())  # before any what-if: today's budget
    except InputError as exc:
        problems += [Problem(f"{exc.source}: {p}") for p in exc.problems]
        return None
    except OptimizerError as exc:
        problems.append(Problem(f"{table_path}: {exc}", key="channels"))
        return None
    frame = add_channels(frame, merged["add"], problems, log)
    before = set(frame["channel"])
    frame = adjust_channels(frame, merged["adjust"], problems, log)
    merged["removed"] = before - set(frame["channel"])
    try:
        return read_channels(frame, name=f"<{table_path.name} as changed by {path.name}>", dims=dims)
    except InputError as exc:
        problems += [Problem(f"{exc.source}: {p}") for p in exc.problems]
        return None


def _settings(merged: dict, overrides: dict, channels: Channels, log: list[str]) -> Settings:
    total = merged.get("current_total", float(channels.spend.sum()))
    layers = [*merged["settings"], *((k, v, "command line") for k, v in overrides.items() if v is not None)]
    implied = default_budget(_budgets(merged), channels.cells, channels.spend) if channels.cells else None
    return _apply({**DEFAULTS, "budget": total if implied is None else implied}, layers, total, log)


def _budgets(merged: dict) -> list[DimBudget]:
    """[budgets.DIM] tables: a value is an amount (spent in full with an exact budget) or {min, max, amount}."""
    out = []
    for dim, values in merged["budgets"].items():
        for key, value in values.items():
            if isinstance(value, dict):
                out.append(DimBudget(dim, str(key), value.get("amount"), value.get("min"), value.get("max")))
            else:
                out.append(DimBudget(dim, str(key), value))
    return out


def _dimension_rules(merged: dict, problems: list[Problem]) -> list:
    """Budgets per dimension value, [[limits]] over slices of cells and [[flighting]] per channel (a limit on the
    change from one period to the next, and a least number of active periods)."""
    out: list = _budgets(merged)
    for k, entry in enumerate(merged["limits"]):
        channels = tuple(entry.get("channels", ())) + ((entry["channel"],) if "channel" in entry else ())
        where = tuple((d, tuple(v) if isinstance(v, list) else (v,)) for d, v in entry.items()
                      if d in ("market", "period")) + tuple(
            (d, tuple(v) if isinstance(v, list) else (v,)) for d, v in entry.get("where", {}).items())
        try:
            out.append(CellRule(entry.get("name", f"limit {k + 1}"), channels, where, entry.get("per"),
                                entry.get("min_share"), entry.get("max_share"), entry.get("min_spend"),
                                entry.get("max_spend")))
        except UsageError as exc:
            problems.append(Problem(str(exc), key=f"limits[{k + 1}]"))
    for k, entry in enumerate(merged["flighting"]):
        channels = tuple(entry.get("channels", ())) + ((entry["channel"],) if "channel" in entry else ())
        try:
            if "max_period_change" in entry:
                out.append(Flighting(entry["max_period_change"], channels))
            if "min_active_periods" in entry:
                out.append(ActivePeriods(entry["min_active_periods"], channels, entry.get("active_spend")))
        except UsageError as exc:
            problems.append(Problem(str(exc), key=f"flighting[{k + 1}]"))
    return out


def _apply(values: dict, layers: list[tuple[str, object, str]], total: float, log: list[str]) -> Settings:
    """``values`` with each (key, value, source) layer applied in order, each change logged."""
    for key, value, source in layers:
        new = parse_amount(value, total, "amount of budget") if key == "budget" else value
        if new != values[key]:
            log.append(f"{key}: {_show(key, values[key])} -> {_show(key, new)} ({source})")
        values[key] = new
    return Settings(**values)


def _rules(merged: dict, channels: Channels, problems: list[Problem], log: list[str]) -> tuple:
    names = set(channels.cells.channels if channels.cells is not None else channels.names)
    removed = merged.get("removed", set())
    groups = {}
    for name, g in merged["groups"].items():
        if "channels" not in g:  # checked after merging: a file may refine a group its base defines
            problems.append(Problem("a group needs its channels = [...]", key=f"groups.{name}.channels"))
        members = tuple(c for c in g.get("channels", ()) if c not in removed)
        log += [f"{c}: left group {name!r} (removed)" for c in g.get("channels", ()) if c in removed]
        for c in members:
            if c not in names:
                problems.append(_unknown(c, channels.names, f"groups.{name}.channels"))
        try:
            groups[name] = GroupRule(name, members, g.get("min_share"), g.get("max_share"),
                                     g.get("min_spend"), g.get("max_spend"))
        except UsageError as exc:
            problems.append(Problem(str(exc), key=f"groups.{name}"))
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
        try:
            ratios.append(RatioRule(r.get("left"), r.get("right"), sides[0], sides[1], r.get("max"), r.get("min")))
        except UsageError as exc:
            problems.append(Problem(str(exc), key=f"ratios[{k + 1}]"))
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


