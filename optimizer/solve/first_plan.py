"""A first plan to cut the curves around, before any LP: the few rules priced by their best multipliers.

Refined LPs certify in the fewest rounds when the first grid is already fine where the optimum lies.
The rows that are few (the budget, budgets per market or period, group caps, shares) are priced by the
multipliers that minimize the Lagrangian bound, the certificate's own function, which is convex in them
(L-BFGS-B: a few dozen evaluations, each one pass over the cells). The many rows of a block that is not
listed one by one (flighting: a pair per cell) are left out. Each cell's best spend at those prices is the
first plan: the optimum without the many rows, and close to it with them, since most of them do not bind.
The bound found on the way is a valid certificate too: any multipliers give one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from optimizer.model.program import LinearObjective, Program, Sense
from optimizer.solve.certificate import lagrangian_bound

EVALUATIONS = 60  # of the Lagrangian; each is one pass over the cells
SPREAD = (0.01, 0.04, 0.16, 0.64)  # breakpoints this far (relatively) on either side of the first plan


def first_plan(program: Program, objective: LinearObjective, start: float = 0.0
               ) -> tuple[np.ndarray, float, dict[str, float | np.ndarray]]:
    """Each cell's spend at the best prices of the program's few rows (the many, such as flighting, left out),
    the Lagrangian bound of the whole program at those prices (the many rows priced at 0) and the prices.

    ``start`` is the budget's multiplier to start from (the closed form's, say).
    """
    from scipy.optimize import minimize  # scipy.optimize costs start-up time; only LP paths need it

    few = replace(program, blocks=tuple(b for b in program.blocks if b.itemize))
    layout = _Layout(few)
    y0 = np.clip(np.where(np.arange(layout.size) == 0, start, 0.0), *layout.bounds.T)
    scale = max(float(np.abs(program.hi[np.isfinite(program.hi)]).sum()), 1.0)

    def bound_and_slope(y: np.ndarray) -> tuple[float, np.ndarray]:
        value, x = lagrangian_bound(few, objective, layout.duals(y))
        return value / scale, layout.slope(y, x) / scale

    found = minimize(bound_and_slope, y0, jac=True, method="L-BFGS-B", bounds=layout.bounds,
                     options={"maxiter": EVALUATIONS, "maxfun": EVALUATIONS, "ftol": 1e-13, "gtol": 1e-12})
    duals = layout.duals(found.x)
    duals.update({b.name: np.zeros(len(b)) for b in program.blocks if not b.itemize})
    value, x = lagrangian_bound(program, objective, duals)
    return x, value, duals


def around(x: np.ndarray, spread=SPREAD) -> list[np.ndarray]:
    """Breakpoints at ``x`` and at each relative distance of ``spread`` on either side of it."""
    return [x, *(x * (1 + s) for s in spread), *(x * (1 - s) for s in spread)]


class _Layout:
    """The few rows' multipliers as one vector: the program's rows first, then each block's rows."""

    def __init__(self, program: Program):
        self.program = program
        sides = [(-np.inf if r.sense == Sense.le else r.rhs, np.inf if r.sense == Sense.ge else r.rhs)
                 for r in program.rows]
        lower = np.array([s[0] for s in sides] + [v for b in program.blocks for v in b.lower], float)
        upper = np.array([s[1] for s in sides] + [v for b in program.blocks for v in b.upper], float)
        self.lower, self.upper, self.size = lower, upper, len(lower)
        # a row with only an upper side takes a multiplier >= 0, with only a lower side <= 0 (as priced)
        self.bounds = np.column_stack([np.where(np.isinf(lower), 0.0, -np.inf), np.where(np.isinf(upper), 0.0, np.inf)])
        self.cuts = np.cumsum([len(program.rows), *(len(b) for b in program.blocks)])

    def duals(self, y: np.ndarray) -> dict[str, float | np.ndarray]:
        parts = np.split(y, self.cuts[:-1])
        out: dict[str, float | np.ndarray] = {r.name: float(v) for r, v in zip(self.program.rows, parts[0],
                                                                                strict=True)}
        out.update({b.name: part for b, part in zip(self.program.blocks, parts[1:], strict=True)})
        return out

    def slope(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The bound's slope in each multiplier: the priced side of its row less the row's value at ``x``."""
        customers = self.program.curves.customers(x)
        value = np.concatenate([[r.p @ customers + r.q @ x for r in self.program.rows],
                                *(b.activity(x, customers) for b in self.program.blocks)])
        over, under = value > self.upper, value < self.lower
        side = np.where(y > 0, self.upper, np.where(y < 0, self.lower, np.where(over, self.upper,
                                                                                  np.where(under, self.lower, value))))
        return np.where(np.isfinite(side), side, value) - value
