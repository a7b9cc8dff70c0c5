"""Why no plan keeps every rule: an elastic LP lets each rule miss, at a cost, and says which must give.

Each rule across channels (groups, ratios) may miss its right-hand side by a slack that costs one unit
per unit; the budget and the channels' own limits must hold. The least total miss says which rules
cannot hold together and by how much, in the rule's own words.
"""

from __future__ import annotations

import numpy as np

from optimizer.model.program import Row, Sense
from optimizer.model.rules import RuleRow
from optimizer.solve.backends import Backend, Outcome
from optimizer.solve.segments import SegmentModel
from optimizer.words import money


def rule_conflicts(rules: list[RuleRow], lo: np.ndarray, hi: np.ndarray, budget: Row, backend: Backend) -> list[str]:
    """Which rules cannot hold together with the channel limits and the budget, and by how much."""
    if not rules:
        return []
    model = _elastic(rules, lo, hi, budget)
    answer = backend.solve(model)
    if answer.outcome != Outcome.optimal:
        return ["the rules cannot hold together with the channel limits and the budget"]
    misses = answer.values[len(lo):]
    scale = 1e-7 * max(abs(budget.rhs), 1.0)
    return [f"{rr.text} cannot hold with the channel limits, the budget and the other rules: "
            f"it misses by {money(m)}" for m, rr in zip(misses, rules, strict=True) if m > scale]


def _elastic(rules: list[RuleRow], lo: np.ndarray, hi: np.ndarray, budget: Row) -> SegmentModel:
    n, m = len(lo), len(rules)
    rows = [budget, *(rr.row for rr in rules)]
    a_row, a_col, a_val = [], [], []
    for r, row in enumerate(rows):
        nz = np.flatnonzero(row.q)
        a_row.append(np.full(len(nz), r))
        a_col.append(nz)
        a_val.append(row.q[nz])
        if r:  # a rule's miss: q x - miss <= rhs, or q x + miss >= rhs
            a_row.append(np.array([r]))
            a_col.append(np.array([n + r - 1]))
            a_val.append(np.array([-1.0 if row.sense == Sense.le else 1.0]))
    row_lower = np.array([-np.inf if row.sense == Sense.le else row.rhs for row in rows])
    row_upper = np.array([np.inf if row.sense == Sense.ge else row.rhs for row in rows])
    names = ("budget", *(rr.row.name for rr in rules))
    return SegmentModel(
        "ltvcac_rules", np.concatenate([lo, np.zeros(m)]), np.concatenate([hi, np.full(m, np.inf)]),
        np.concatenate([np.zeros(n), -np.ones(m)]), np.zeros(n + m, bool), 0.0,
        np.concatenate(a_row).astype(np.int64), np.concatenate(a_col).astype(np.int64),
        np.concatenate(a_val).astype(float), row_lower, row_upper, np.arange(n),
        {name: k for k, name in enumerate(names)},
        lambda: (tuple([f"spend_{k}" for k in range(n)] + [f"miss_{k}" for k in range(m)]), names))
