"""Rules across channels: groups with spend shares or amounts, and ratios between channels or groups.

Every rule is a linear row in spend, so it enters the LP as it is and keeps the certificate.
When rules cannot hold together, an elastic LP (each rule may miss, at a cost) finds which ones
must give and by how much, which is the diagnosis the user reads.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pulp

from optimizer.errors import UsageError
from optimizer.formatting import money
from optimizer.lp import Row, lp_names
from optimizer.solvers import solve


@dataclass(frozen=True)
class GroupRule:
    """A named group of channels whose total spend has a share and/or amount floor or ceiling."""

    name: str
    channels: tuple[str, ...]
    min_share: float | None = None
    max_share: float | None = None
    min_spend: float | None = None
    max_spend: float | None = None


@dataclass(frozen=True)
class RatioRule:
    """Spend of ``left`` between ``min`` and ``max`` times spend of ``right`` (channels or groups)."""

    left: str
    right: str
    left_channels: tuple[str, ...]
    right_channels: tuple[str, ...]
    max: float | None = None
    min: float | None = None


@dataclass(frozen=True)
class RuleRow:
    """A rule's row and the words that describe it."""

    row: Row
    text: str


def rule_rows(rules: list[GroupRule | RatioRule], channels: tuple[str, ...]) -> list[RuleRow]:
    """The rows of ``rules`` over ``channels``; unknown channel names raise :class:`UsageError`."""
    index = {name: i for i, name in enumerate(channels)}
    out = []
    for rule in rules:
        if isinstance(rule, GroupRule):
            out += _group_rows(rule, _member(rule.channels, index, channels))
        else:
            left = _member(rule.left_channels, index, channels)
            right = _member(rule.right_channels, index, channels)
            out += _ratio_rows(rule, left, right)
    return out


def rule_conflicts(rows: list[RuleRow], lo: np.ndarray, hi: np.ndarray, budget: Row, solver: str) -> list[str]:
    """Which rules cannot hold together with the channel limits and the budget, and by how much."""
    if not rows:
        return []
    prob = pulp.LpProblem("ltvcac_rules", pulp.LpMinimize)
    x = [prob.add_variable(f"spend_{k}", float(a), float(b)) for k, a, b in zip(range(len(lo)), lo, hi, strict=True)]
    misses = []
    for rr in [RuleRow(budget, "budget"), *rows]:
        row = rr.row
        expr = pulp.LpAffineExpression([(v, float(q)) for v, q in zip(x, row.q, strict=True) if q])
        if rr.text == "budget":
            sense = {"<=": pulp.LpConstraintLE, "=": pulp.LpConstraintEQ}[row.sense]
            prob.addConstraint(pulp.LpConstraint(expr, sense, "budget", row.rhs))
            continue
        miss = prob.add_variable(f"miss_{len(misses)}", 0.0, None)
        misses.append((miss, rr))
        sign, sense = (-1.0, pulp.LpConstraintLE) if row.sense == "<=" else (1.0, pulp.LpConstraintGE)
        prob.addConstraint(pulp.LpConstraint(expr + sign * miss, sense, row.name, row.rhs))
    prob.setObjective(pulp.LpAffineExpression([(m, 1.0) for m, _ in misses]))
    if solve(prob, solver).status != "optimal":
        return ["the rules cannot hold together with the channel limits and the budget"]
    scale = 1e-7 * max(abs(budget.rhs), 1.0)
    return [f"{rr.text} cannot hold with the channel limits, the budget and the other rules: "
            f"it misses by {money(m.varValue)}" for m, rr in misses if (m.varValue or 0.0) > scale]


def _member(names: tuple[str, ...], index: dict[str, int], channels: tuple[str, ...]) -> np.ndarray:
    mask = np.zeros(len(channels))
    unknown = []
    for name in names:
        if name in index:
            mask[index[name]] = 1.0
        else:
            close = difflib.get_close_matches(name, channels, n=1)
            unknown.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    if unknown:
        raise UsageError(f"unknown channel {', '.join(unknown)} in a rule")
    return mask


def _group_rows(rule: GroupRule, member: np.ndarray) -> list[RuleRow]:
    tag, n = lp_names((rule.name,))[0], len(member)
    out = []
    for share, sense, word in ((rule.min_share, ">=", "at least"), (rule.max_share, "<=", "at most")):
        if share is not None:  # group spend - share * total spend (<=|>=) 0
            key = "min_share" if sense == ">=" else "max_share"
            out.append(RuleRow(Row(f"group_{tag}_{key}", np.zeros(n), member - share, sense, 0.0),
                               f"group {rule.name!r} {word} {share:.0%} of spend"))
    for amount, sense, word in ((rule.min_spend, ">=", "at least"), (rule.max_spend, "<=", "at most")):
        if amount is not None:
            key = "min_spend" if sense == ">=" else "max_spend"
            out.append(RuleRow(Row(f"group_{tag}_{key}", np.zeros(n), member.copy(), sense, float(amount)),
                               f"group {rule.name!r} {word} {money(amount)}"))
    return out


def _ratio_rows(rule: RatioRule, left: np.ndarray, right: np.ndarray) -> list[RuleRow]:
    tag = "_".join(lp_names((rule.left, rule.right)))
    out = []
    for factor, sense, word in ((rule.max, "<=", "at most"), (rule.min, ">=", "at least")):
        if factor is not None:  # left - factor * right (<=|>=) 0
            key = "max" if sense == "<=" else "min"
            out.append(RuleRow(Row(f"ratio_{tag}_{key}", np.zeros(len(left)), left - factor * right, sense, 0.0),
                               f"{rule.left!r} {word} {factor:g} x {rule.right!r}"))
    return out
