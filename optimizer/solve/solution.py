"""What every solve returns: a plan with its proven bound, and how it was found."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from optimizer.model.program import Approach, LinearObjective, Status
from optimizer.solve.segments import SegmentModel


@dataclass(frozen=True)
class Solution:
    """A certified plan: ``upper - value`` bounds how far it can be from the optimum.

    ``duals`` (by row name) and ``objective`` are the multipliers and the linear objective of the
    last round, the ones that explain the plan; a mixed-integer plan has none. ``model`` is the last
    model solved (None after the closed form).
    """

    status: Status
    spend: np.ndarray
    value: float  # the objective on the true curves (for the ratio: the ratio)
    upper: float  # a proven upper bound on the optimum
    approach: Approach
    rounds: int = 0
    duals: dict[str, float] = field(default_factory=dict)
    objective: LinearObjective | None = None
    model: SegmentModel | None = None
    lam: float = 0.0  # Dinkelbach's ratio in the round whose multipliers are kept

    @property
    def gap(self) -> float:
        """The proven relative gap (NaN when the bounds are not finite)."""
        if not math.isfinite(self.upper) or not math.isfinite(self.value):
            return math.nan
        return max(0.0, self.upper - self.value) / max(abs(self.value), 1e-300)
