"""What the user asks of the optimizer: objective, budget and the rules every plan keeps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, StrEnum

from optimizer.errors import UsageError


class Objective(StrEnum):
    """What the plan maximizes."""

    ratio = "ratio"  # portfolio LTV:CAC
    value = "value"  # total customer lifetime value
    profit = "profit"  # value minus spend
    customers = "customers"  # new customers


class BudgetMode(StrEnum):
    """Whether the whole budget must be spent."""

    exact = "exact"
    at_most = "at-most"


@dataclass(frozen=True)
class Settings:
    """The optimizer's settings; ``budget=None`` means the current total spend."""

    objective: Objective = Objective.ratio
    budget: float | None = None
    budget_mode: BudgetMode = BudgetMode.exact
    max_change: float | None = None
    min_ratio: float | None = None
    fixed_costs: float = 0.0
    solver: str | None = None
    tolerance: float = 1e-6
    method: str = "auto"
    max_active: int | None = None
    time_limit: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "objective", _enum(Objective, self.objective, "objective"))
        object.__setattr__(self, "budget_mode", _enum(BudgetMode, self.budget_mode, "budget mode"))
        problems = []
        if self.budget is not None and not self.budget >= 0:
            problems.append(f"the budget must be 0 or more (got {self.budget:g})")
        if self.max_change is not None and not 0 <= self.max_change:
            problems.append(f"max-change is a fraction such as 0.2 for +-20 % (got {self.max_change:g})")
        if self.min_ratio is not None and not self.min_ratio > 0:
            problems.append(f"min-ratio must be above 0, such as 3 for LTV:CAC >= 3 (got {self.min_ratio:g})")
        if not self.fixed_costs >= 0:
            problems.append(f"fixed costs must be 0 or more (got {self.fixed_costs:g})")
        if not 0 < self.tolerance < 1e-2:
            problems.append(f"tolerance must be in (0, 0.01) (got {self.tolerance:g})")
        if self.max_active is not None and not self.max_active >= 1:
            problems.append(f"max-active must be 1 or more (got {self.max_active})")
        if self.time_limit is not None and not self.time_limit > 0:
            problems.append(f"the time limit is in seconds, above 0 (got {self.time_limit:g})")
        if self.method not in ("auto", "lp"):
            problems.append(f"method must be auto or lp (got {self.method!r})")
        if problems:
            raise UsageError("; ".join(problems))


def parse_amount(text: str | float, reference: float) -> float:
    """An amount as a number, or relative to ``reference``.

    ``"-20%"`` and ``"+5%"`` change it by a percentage, ``"x1.1"`` scales it, ``"+100"`` and
    ``"-100"`` shift it; a plain number (``800000`` or ``"800000"``) replaces it.

    Raises
    ------
    UsageError
        When the text is neither form.
    """
    if isinstance(text, (int, float)):
        return float(text)
    s = re.sub(r"[\s\u00a0_]", "", str(text)).replace(",", ".")
    try:
        if s.endswith("%"):
            return reference * (1 + float(s[:-1]) / 100)
        if s[:1] in "xX*":
            return reference * float(s[1:])
        if s[:1] in "+-":
            return reference + float(s)
        return float(s)
    except ValueError:
        raise UsageError(
            f"{text!r} is not an amount; write a number (800000), a change ('-20%', '+5%', '+1000') "
            "or a factor ('x0.9')"
        ) from None


def _enum(kind: type[Enum], value: object, what: str) -> Enum:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise UsageError(f"unknown {what} {value!r}; choose one of {choices}") from None
