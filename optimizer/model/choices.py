"""The one home of every fixed choice: objectives, budget modes, methods, solvers, curve kinds, models.

The command line's options, the scenario schema, the validation of tables and settings, and the
documentation's tables all read these enums; nothing else spells the choices out. Imports nothing
heavy, so the command line can start fast.
"""

from __future__ import annotations

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


class Method(StrEnum):
    """How a plan may be solved: ``auto`` picks the exact closed form where it applies."""

    auto = "auto"
    lp = "lp"  # always refined LPs (to cross-check, or to use another solver)


class Solver(StrEnum):
    """The LP/MILP solvers ltvcac can use, by name."""

    highs = "highs"
    cbc = "cbc"


class CurveKind(StrEnum):
    """Response curves; the order is the code a :class:`optimizer.model.curves.Curves` stores."""

    linear = "linear"
    power = "power"
    saturating = "saturating"
    hill = "hill"

    @property
    def code(self) -> int:
        return list(CurveKind).index(self)

    @property
    def parameters(self) -> int:
        """How many parameters a fit of this curve estimates."""
        return {"linear": 1, "power": 2, "saturating": 2, "hill": 3}[self.value]


class RiskMeasure(StrEnum):
    """How a risk-aware plan weighs the draws of uncertain inputs (``risk``)."""

    expected = "expected"  # the mean over the draws
    cvar = "cvar"  # the mean of the worst ALPHA share of the draws, written cvar:ALPHA


class LtvModel(StrEnum):
    """How the lifetime value of a new customer is estimated."""

    bgnbd = "bgnbd"
    cohort = "cohort"
    simple = "simple"


class TimeUnit(StrEnum):
    """Time units of LTV horizons and discount rates."""

    days = "days"
    weeks = "weeks"
    months = "months"
    years = "years"

    @property
    def days_each(self) -> float:
        return {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}[self.value]


class AttributionModel(StrEnum):
    """Attribution models over customer journeys."""

    markov = "markov"
    shapley = "shapley"
    first_touch = "first_touch"
    last_touch = "last_touch"
    linear = "linear"
    position_based = "position_based"
    time_decay = "time_decay"  # needs timestamps: event logs only


HEURISTICS = (AttributionModel.first_touch, AttributionModel.last_touch, AttributionModel.linear,
              AttributionModel.position_based)


def choose(kind: type[Enum], value: object, what: str) -> Enum:
    """``value`` as a member of ``kind``; :class:`UsageError` naming the choices when it is none."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise UsageError(f"unknown {what} {value!r}; choose one of {choices}") from None


def values(kind: type[Enum]) -> tuple[str, ...]:
    """The words a user may write for ``kind``."""
    return tuple(m.value for m in kind)
