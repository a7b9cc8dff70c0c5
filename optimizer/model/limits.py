"""Each channel's spend interval from its own rules, and the conflicts that make a plan impossible.

A channel's lower limit is the highest of 0, its ``min_spend`` and the max-change floor; its
upper limit the lowest of the budget, its ``max_spend``, the max-change ceiling and the ceiling of
its ``max_payback`` (see :mod:`optimizer.model.payback`); a locked channel keeps its current spend.
Which rule sets each limit is kept, so that messages and the plan can say what holds a channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.model.channels import Channels
from optimizer.model.choices import BudgetMode
from optimizer.model.payback import channel_conflict, channel_ranges
from optimizer.model.settings import Settings
from optimizer.words import money

_SLACK = 1e-9


@dataclass(frozen=True)
class Limits:
    """Per-channel spend limits and the rule behind each one."""

    lo: np.ndarray
    hi: np.ndarray
    lo_rule: tuple[str, ...]
    hi_rule: tuple[str, ...]
    budget: float
    exact: bool
    payback_floor: np.ndarray | None = None  # an S-curve's payback holds from this spend on (or at 0)


def channel_limits(channels: Channels, settings: Settings, budget: float) -> tuple[Limits, list[str]]:
    """Limits for every channel, and a message for each channel whose rules conflict."""
    n = len(channels)
    s = channels.spend
    change = settings.max_change
    floors = {"spend >= 0": np.zeros(n), "min_spend": np.nan_to_num(channels.min_spend, nan=-np.inf)}
    ceilings = {"budget": np.full(n, budget), "max_spend": np.nan_to_num(channels.max_spend, nan=np.inf)}
    if change is not None:  # a channel with no spend today has no 'current' to move from
        floors["max-change"] = np.where(s > 0, s * max(0.0, 1 - change), 0.0)
        ceilings["max-change"] = np.where(s > 0, s * (1 + change), np.inf)
    payback_floor, ceilings["max_payback"] = channel_ranges(channels.curves, channels.timeline, channels.max_payback)
    lo, lo_rule = _pick(floors, np.argmax, np.max)
    hi, hi_rule = _pick(ceilings, np.argmin, np.min)
    conflicts = []
    for i in np.flatnonzero(channels.locked):
        conflicts += _locked_conflicts(channels, i, lo[i], hi[i], lo_rule[i], hi_rule[i], change)
    lo = np.where(channels.locked, s, lo)
    hi = np.where(channels.locked, s, hi)
    lo_rule = tuple("locked" if k else r for k, r in zip(channels.locked, lo_rule, strict=True))
    hi_rule = tuple("locked" if k else r for k, r in zip(channels.locked, hi_rule, strict=True))
    for i in np.flatnonzero(~channels.locked & (lo > hi * (1 + _SLACK) + _SLACK)):
        if hi_rule[i] == "max_payback":
            floor = "max-change floor" if lo_rule[i] == "max-change" else lo_rule[i]
            conflicts.append(channel_conflict(channels.names[i], channels.curves, channels.timeline, i,
                                              channels.max_payback[i], lo[i], floor))
        elif hi_rule[i] != "budget":  # the budget-level check below explains that case better
            conflicts.append(
                f"channel {channels.names[i]!r}: its {_describe(lo_rule[i], lo[i], s[i], change)} "
                f"is above its {_describe(hi_rule[i], hi[i], s[i], change)}"
            )
    exact = settings.budget_mode == BudgetMode.exact
    return Limits(lo, np.maximum(hi, lo), lo_rule, hi_rule, budget, exact, payback_floor), conflicts


def budget_conflicts(channels: Channels, limits: Limits) -> list[str]:
    """Why the channels' limits cannot meet the budget, in words (empty when they can)."""
    messages = []
    floor, budget = limits.lo.sum(), limits.budget
    if floor > budget * (1 + _SLACK) + _SLACK:
        messages.append(
            f"the minimum spends add up to {money(floor)} but the budget is {money(budget)} "
            f"({_largest(channels, limits.lo, limits.lo_rule)}); lower them or raise the budget "
            f"to at least {money(floor)}"
        )
    ceiling = np.minimum(limits.hi, budget).sum()
    if limits.exact and ceiling < budget * (1 - _SLACK) - _SLACK:
        messages.append(
            f"the channels can take at most {money(ceiling)} in all "
            f"({_largest(channels, limits.hi, limits.hi_rule)}) but the budget of {money(budget)} "
            "must be spent in full; raise their ceilings, lower the budget, or use budget mode at-most"
        )
    return messages


def _pick(candidates: dict[str, np.ndarray], arg, reduce) -> tuple[np.ndarray, tuple[str, ...]]:
    names = list(candidates)
    stack = np.vstack([candidates[k] for k in names])
    # later rules win ties: a stated min_spend explains a limit better than 'spend >= 0'
    order = arg(stack[::-1], axis=0)
    chosen = [names[len(names) - 1 - k] for k in order]
    return reduce(stack, axis=0), tuple(chosen)


def _locked_conflicts(channels, i, lo, hi, lo_rule, hi_rule, change) -> list[str]:
    s, name = channels.spend[i], channels.names[i]
    out = []
    if s < lo * (1 - _SLACK) - _SLACK and lo_rule == "min_spend":
        out.append(f"channel {name!r} is locked at {money(s)}, below its min_spend {money(lo)}")
    if s > hi * (1 + _SLACK) + _SLACK and hi_rule == "max_spend":
        out.append(f"channel {name!r} is locked at {money(s)}, above its max_spend {money(hi)}")
    if s > hi * (1 + _SLACK) + _SLACK and hi_rule == "max_payback":
        out.append(channel_conflict(name, channels.curves, channels.timeline, i, channels.max_payback[i], s,
                                    "locked spend"))
    return out


def _describe(rule: str, value: float, current: float, change: float | None) -> str:
    if rule == "max-change":
        sign, op = ("floor", "-") if value < current else ("ceiling", "+")
        return f"max-change {sign} {money(value)} (current {money(current)} {op}{change:.0%})"
    if rule == "budget":
        return f"budget {money(value)}"
    if rule == "spend >= 0":
        return "floor of 0"
    return f"{rule} {money(value)}"


def _largest(channels: Channels, values: np.ndarray, rules: tuple[str, ...], most: int = 3) -> str:
    finite = np.where(np.isfinite(values), values, -1)
    top = [i for i in np.argsort(-finite, kind="stable")[:most] if finite[i] > 0]
    parts = [f"{channels.names[i]} {money(values[i])} {rules[i]}" for i in top]
    return "largest: " + ", ".join(parts) if parts else "none set"
