"""What the user asks of the optimizer: objective, budget and the rules every plan keeps.

:class:`Settings` is the one typed record of those choices; the command line, scenario files and
Python calls all end in one. Every number is checked at the door (finite, in its range), with the
allowed range in the message.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, fields

from optimizer.errors import UsageError
from optimizer.model.choices import BudgetMode, Method, Objective, RiskMeasure, Solver, choose

MAX_DRAWS = 100_000  # draws x channels arrays beyond this outgrow a laptop's memory


@dataclass(frozen=True)
class Settings:
    """The optimizer's settings; ``budget=None`` means the current total spend."""

    objective: Objective = Objective.ratio
    budget: float | None = None
    budget_mode: BudgetMode = BudgetMode.exact
    max_change: float | None = None
    min_ratio: float | None = None
    fixed_costs: float = 0.0
    solver: Solver | None = None
    tolerance: float = 1e-6
    method: Method = Method.auto
    max_active: int | None = None
    time_limit: float | None = None
    simulate: int | None = None  # draws to simulate the plans under (None: off)
    risk: str | None = None  # 'expected' or 'cvar:ALPHA' (None: plan on the point estimates)
    seed: int = 0  # the random draws from intervals; the same seed gives the same draws
    target: float | None = None  # an LTV:CAC target (probability of reaching it; the frontier's mark)
    draws: str | None = None  # a draws table (draw, channel, uncertain columns) instead of intervals
    interval_level: float = 0.9  # the level of intervals in the channel table without an interval_level

    def __post_init__(self) -> None:
        object.__setattr__(self, "objective", choose(Objective, self.objective, "objective"))
        object.__setattr__(self, "budget_mode", choose(BudgetMode, self.budget_mode, "budget mode"))
        object.__setattr__(self, "method", choose(Method, self.method, "method"))
        if self.solver is not None:
            object.__setattr__(self, "solver", choose(Solver, str(self.solver).lower(), "solver"))
        if self.risk is not None:
            measure, alpha = parse_risk(self.risk)
            object.__setattr__(self, "risk", measure.value if alpha is None else f"{measure.value}:{alpha:g}")
        if self.draws is not None:
            object.__setattr__(self, "draws", str(self.draws))
        problems = [p for p in (
            _check("budget", self.budget, lambda v: v >= 0, "0 or more"),
            _check("max_change", self.max_change, lambda v: v >= 0, "a fraction of 0 or more, such as 0.2 for +-20 %"),
            _check("min_ratio", self.min_ratio, lambda v: v > 0, "above 0, such as 3 for LTV:CAC >= 3"),
            _check("fixed_costs", self.fixed_costs, lambda v: v >= 0, "0 or more"),
            _check("tolerance", self.tolerance, lambda v: 0 < v < 1e-2, "in (0, 0.01)"),
            _check("max_active", self.max_active, lambda v: v >= 1 and v == int(v), "a whole number, 1 or more"),
            _check("time_limit", self.time_limit, lambda v: v > 0, "seconds, above 0"),
            _check("simulate", self.simulate, lambda v: 2 <= v <= MAX_DRAWS and v == int(v),
                   f"a whole number of draws from 2 to {MAX_DRAWS}"),
            _check("seed", self.seed, lambda v: v >= 0 and v == int(v), "a whole number, 0 or more"),
            _check("target", self.target, lambda v: v > 0, "an LTV:CAC above 0, such as 3"),
            _check("interval_level", self.interval_level, lambda v: 0 < v < 1, "a fraction such as 0.9 for 90 %"),
        ) if p]
        if problems:
            raise UsageError("; ".join(problems))

    def replace(self, **changes) -> Settings:
        """A copy with ``changes`` applied (and checked)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)

    def as_dict(self) -> dict:
        """The settings as plain values (enums as their words)."""
        return {f.name: getattr(getattr(self, f.name), "value", getattr(self, f.name)) for f in fields(self)}


SETTING_NAMES = tuple(f.name for f in fields(Settings) if f.name != "tolerance")


def _check(name: str, value, ok, allowed: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"`{name}` must be a number ({allowed}); got {value!r}"
    if not math.isfinite(value) or not ok(value):
        return f"`{name}` must be {allowed} (got {value:g})"
    return None


def parse_risk(text: str) -> tuple[RiskMeasure, float | None]:
    """``expected``, or ``cvar:ALPHA`` with the share ALPHA of worst draws in (0, 1], as (measure, alpha).

    Raises
    ------
    UsageError
        Naming the two forms when ``text`` is neither.
    """
    word, _, share = str(text).strip().lower().partition(":")
    measure = choose(RiskMeasure, word, "risk measure")
    if measure == RiskMeasure.expected:
        if share:
            raise UsageError(f"`risk` {text!r}: 'expected' takes no share; write expected or cvar:0.1")
        return measure, None
    try:
        alpha = float(share)
    except ValueError:
        alpha = math.nan
    if not 0 < alpha <= 1:
        raise UsageError(f"`risk` {text!r}: write cvar:ALPHA with ALPHA the share of worst draws in (0, 1], "
                         "such as cvar:0.1 for the mean of the worst 10 %")
    return measure, alpha


def parse_amount(text: str | float, reference: float, what: str = "amount") -> float:
    """An amount as a number, or relative to ``reference``.

    ``"-20%"`` and ``"+5%"`` change it by a percentage, ``"x1.1"`` scales it, ``"+100"`` and
    ``"-100"`` shift it; a plain number (``800000`` or ``"800000"``) replaces it.

    Raises
    ------
    UsageError
        When the text is neither form, or the amount is not a finite number.
    """
    if isinstance(text, bool):
        raise UsageError(f"{text!r} is not an {what}")
    if isinstance(text, numbers.Real):
        value = float(text)
    else:
        value = _relative(str(text), reference, what)
    if not math.isfinite(value):
        raise UsageError(f"{text!r} is not a finite {what}; write a number such as 800000")
    return value


def _relative(text: str, reference: float, what: str) -> float:
    s = re.sub(r"[\s\u00a0_]", "", text).replace(",", ".")
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
            f"{text!r} is not an {what}; write a number (800000), a change ('-20%', '+5%', '+1000') "
            "or a factor ('x0.9')"
        ) from None
