"""What a scenario file may say: its keys, their types and allowed values, checked all at once."""

from __future__ import annotations

import difflib

from optimizer.errors import Problem
from optimizer.files import ranges
from optimizer.model import rules
from optimizer.model.choices import BudgetMode, CurveKind, Method, Objective, Solver, values
from optimizer.model.settings import RANGES as SETTING_RANGES
from optimizer.model.timeline import column_month

AMOUNT = (str, int, float)  # a number, or a change such as "-20%", "x0.9", "+1000"
NUMBER = (int, float)
CURVES = values(CurveKind)

SETTINGS = {
    "budget": AMOUNT, "budget_mode": values(BudgetMode), "objective": values(Objective), "max_change": NUMBER,
    "min_ratio": NUMBER, "fixed_costs": NUMBER, "solver": values(Solver), "method": values(Method),
    "max_active": int, "time_limit": NUMBER, "max_payback": NUMBER, "organic_customers": NUMBER,
    "organic_ltv": NUMBER, "blended": bool, "dims": list, "max_period_change": NUMBER, "min_active_periods": int,
    "simulate": int, "risk": str,
    "seed": int, "target": NUMBER, "draws": str, "interval_level": NUMBER,
}
TOP = {"description": str, "extends": str, "channels": str, **SETTINGS,
       "adjust": list, "add": list, "groups": dict, "ratios": list, "budgets": dict, "limits": list,
       "flighting": list}
LIMIT = {"name": str, "channel": str, "channels": list, "per": str, "min_share": NUMBER, "max_share": NUMBER,
         "min_spend": NUMBER, "max_spend": NUMBER, "market": (str, list), "period": (str, list), "where": dict}
FLIGHT = {"channel": str, "channels": list, "max_period_change": NUMBER, "min_active_periods": int,
          "active_spend": NUMBER}
ADJUST = {"channel": str, "channels": list, "cac": AMOUNT, "ltv": AMOUNT, "customers": AMOUNT,
          "max_customers": AMOUNT, "min_spend": AMOUNT, "max_spend": AMOUNT,
          "curve": CURVES, "elasticity": NUMBER, "shape": NUMBER,
          "min_buy_in": AMOUNT, "locked": bool, "remove": bool, "max_payback": NUMBER, "organic_customers": AMOUNT}
ADD = {"channel": str, "spend": NUMBER, "customers": NUMBER, "cac": NUMBER, "ltv": NUMBER,
       "min_spend": NUMBER, "max_spend": NUMBER, "locked": bool, "curve": CURVES,
       "elasticity": NUMBER, "max_customers": NUMBER, "ref_spend": NUMBER, "ref_customers": NUMBER,
       "shape": NUMBER, "min_buy_in": NUMBER, "max_payback": NUMBER, "organic_customers": NUMBER}
GROUP = {"channels": list, "min_share": NUMBER, "max_share": NUMBER, "min_spend": NUMBER, "max_spend": NUMBER}
RATIO = {"left": str, "right": str, "max": NUMBER, "min": NUMBER}


# The range of each number a scenario may hold (by key): settings as the command line takes them, group shares
# and amounts, ratios; other numbers (adjustments, new channels) only finite here, the channel table checks them.
RANGES = {**SETTING_RANGES, "min_share": ranges.SHARE, "max_share": ranges.SHARE, "min_spend": ranges.AMOUNT,
          "max_spend": ranges.AMOUNT, "max": rules.RATIO, "min": rules.RATIO}


def check_scenario(data: dict) -> list[Problem]:
    """Every unknown key, wrong type and missing required key in a scenario file's data."""
    problems = _check(data, TOP, "")
    for section, schema, required in (("adjust", ADJUST, ()), ("add", ADD, ("channel", "ltv")),
                                      ("ratios", RATIO, ("left", "right")), ("limits", LIMIT, ()),
                                      ("flighting", FLIGHT, ())):
        for k, entry in enumerate(data.get(section, []) if isinstance(data.get(section), list) else []):
            key = f"{section}[{k + 1}]"
            if not isinstance(entry, dict):
                problems.append(Problem(f"expected a table ([[{section}]]), got {entry!r}", key=key))
                continue
            problems += _check(entry, schema, key + ".")
            problems += [Problem(f"{r!r} is required here", key=f"{key}.{r}") for r in required if r not in entry]
            if section == "flighting" and not ({"max_period_change", "min_active_periods"} & set(entry)):
                problems.append(Problem("give max_period_change or min_active_periods", key=key))
            if section == "adjust" and not ({"channel", "channels"} & set(entry)):
                problems.append(Problem("name the channel (channel = \"TV\") or channels (channels = [...])", key=key))
    groups = data.get("groups", {}) if isinstance(data.get("groups"), dict) else {}
    for name, entry in groups.items():
        key = f"groups.{name}"
        if not isinstance(entry, dict):
            problems.append(Problem(f"expected a table [groups.{name}], got {entry!r}", key=key))
            continue
        problems += _check(entry, GROUP, key + ".")
    return problems


def _check(data: dict, schema: dict, prefix: str) -> list[Problem]:
    problems = []
    for key, value in data.items():
        where = prefix + key
        timeline = schema is ADD and column_month(key) is not None  # a new channel's value_<N>m
        if key not in schema and not timeline:
            close = difflib.get_close_matches(key, schema, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(schema)}"
            problems.append(Problem(f"unknown key{hint}", key=where))
            continue
        problems += _check_value(value, NUMBER if timeline else schema[key], where, RANGES.get(key, ranges.SIGNED))
    return problems


def _check_value(value, kind, where: str, allowed: ranges.Allowed) -> list[Problem]:
    if isinstance(kind, tuple) and all(isinstance(k, str) for k in kind):  # allowed words
        if value not in kind:
            close = difflib.get_close_matches(str(value), kind, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return [Problem(f"{value!r} is not one of {', '.join(kind)}{hint}", key=where)]
        return []
    if isinstance(value, bool) and kind is not bool and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        return [Problem(f"expected {_name(kind)}, got {value!r}", key=where)]
    if not isinstance(value, kind):
        return [Problem(f"expected {_name(kind)}, got {value!r}", key=where)]
    if isinstance(value, NUMBER) and not isinstance(value, bool) and allowed.fault(value):
        return [Problem(f"{value!r} {allowed.fault(value)}", key=where)]
    if kind is list and where.endswith("channels") and not all(isinstance(v, str) for v in value):
        return [Problem("expected a list of channel names", key=where)]
    return []


def _name(kind) -> str:
    names = {str: "text", bool: "true or false", int: "a whole number", list: "a list", dict: "a table",
             NUMBER: "a number", AMOUNT: "a number or a change such as \"-20%\""}
    return names.get(kind, str(kind))
