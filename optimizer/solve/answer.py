"""What one solver run says, in one meaning whatever the solver: outcome, values, objective, bound, duals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from optimizer.solve.segments import SegmentModel


class Outcome(StrEnum):
    """How one solver run ended."""

    optimal = "optimal"
    infeasible = "infeasible"
    unbounded = "unbounded"
    time_limit = "time limit"  # stopped by the time limit with a plan
    no_plan = "no plan"  # stopped by the time limit before any plan


@dataclass(frozen=True)
class Basis:
    """An LP's optimal basis, as HiGHS codes it per column and per row (0 at lower bound, 1 basic, 2 at upper
    bound); a later round on a finer grid starts from it (:mod:`optimizer.solve.warm`)."""

    columns: np.ndarray
    rows: np.ndarray


@dataclass(frozen=True)
class Answer:
    """One solver run: its outcome, column values, objective, proven bound and row duals."""

    outcome: Outcome
    values: np.ndarray | None = None
    objective: float = math.nan
    bound: float = math.nan  # MILPs: the solver's proven bound on the model's optimum
    duals: np.ndarray | None = None  # per row, d(objective) / d(rhs); LPs only
    basis: Basis | None = None  # LPs through a solver that gives one

    def spend(self, model: SegmentModel) -> np.ndarray:
        """Each channel's spend; 0 where its on/off binary is off (a solver allows it a sliver of spend)."""
        x = self.values[model.spend]
        if model.switch is None or not (model.switch >= 0).any():
            return x
        on = model.switch >= 0
        return np.where(on & (self.values[np.where(on, model.switch, 0)] < 0.5), 0.0, x)

    def dual(self, model: SegmentModel, name: str) -> float:
        return float(self.duals[model.rows[name]]) if self.duals is not None else 0.0

    def multipliers(self, model: SegmentModel) -> dict[str, float | np.ndarray]:
        """Duals of the program's rows by name, and of its row blocks as one array per block."""
        out: dict[str, float | np.ndarray] = {name: self.dual(model, name) for name in model.rows}
        for name, rows in model.blocks.items():
            out[name] = self.duals[rows] if self.duals is not None else np.zeros(len(rows))
        return out
