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
from optimizer.files.ranges import AMOUNT, LARGEST, SIGNED, Allowed, check_number
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
    max_payback: float | None = None  # months: the cohort's value by then covers spend plus fixed costs
    organic_customers: float = 0.0  # new customers who arrive whatever the budget (word of mouth)
    organic_ltv: float | None = None  # the lifetime value of one of them
    blended: bool = False  # min_ratio on the blended LTV:CAC (paid and organic value over spend)
    dims: tuple[str, ...] | None = None  # dimension columns of the channel table (default: market, period)
    max_period_change: float | None = None  # flighting: a cell's spend changes by at most this per period
    min_active_periods: int | None = None  # each channel on air in at least this many periods of each market
    budgets: tuple[tuple[str, str, float | str], ...] | None = None  # (dimension, value, amount) budgets
    simulate: int | None = None  # draws to simulate the plans under (None: off)
    risk: str | None = None  # 'expected' or 'cvar:ALPHA' (None: plan on the point estimates)
    seed: int = 0  # the random draws from intervals; the same seed gives the same draws
    target: float | None = None  # an LTV:CAC target (probability of reaching it; the frontier's mark)
    draws: str | None = None  # a draws table (draw, channel, uncertain columns) instead of intervals
    interval_level: float = 0.9  # the level of intervals in the channel table without an interval_level

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", _names(self.dims))
        object.__setattr__(self, "budgets", _budgets(self.budgets))
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
        problems = [p for p in (check_number(name, getattr(self, name), allowed) for name, allowed in RANGES.items())
                    if p]
        if not isinstance(self.blended, bool):
            problems.append(f"`blended` must be true or false; got {self.blended!r}")
        if self.organic_customers and self.organic_ltv is None:
            problems.append("`organic_customers` needs `organic_ltv`, the lifetime value of one organic customer")
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


# The numbers each setting allows (checked by the one validator, optimizer.files.ranges).
RANGES = {
    "budget": AMOUNT,
    "max_change": Allowed(0.0, 1e6, words="a fraction of 0 or more, such as 0.2 for +-20 %"),
    "min_ratio": Allowed(0.0, 1e6, low_open=True, words="above 0, such as 3 for LTV:CAC >= 3"),
    "fixed_costs": AMOUNT,
    "tolerance": Allowed(0.0, 1e-2, low_open=True, high_open=True, words="in (0, 0.01)"),
    "max_active": Allowed(1, 1e6, whole=True, words="a whole number, 1 or more"),
    "time_limit": Allowed(0.0, 1e7, low_open=True, words="seconds, above 0 (at most 1e7)"),
    "max_payback": Allowed(0.0, 1200, low_open=True, words="months, above 0 (such as 12) and at most 1200"),
    "organic_customers": Allowed(0.0, LARGEST, words="0 or more (customers who arrive whatever the budget)"),
    "organic_ltv": AMOUNT,
    "max_period_change": Allowed(0.0, 1e6, words="a fraction of 0 or more, such as 0.2 for +-20 % from one period to "
                                                 "the next"),
    "min_active_periods": Allowed(1, 1e6, whole=True, words="a whole number of periods, 1 or more"),
    "simulate": Allowed(2, MAX_DRAWS, whole=True, words=f"a whole number of draws from 2 to {MAX_DRAWS}"),
    "seed": Allowed(0, 2**63 - 1, whole=True, words="a whole number, 0 or more"),
    "target": Allowed(0.0, 1e6, low_open=True, words="an LTV:CAC above 0, such as 3"),
    "interval_level": Allowed(0.0, 1.0, low_open=True, high_open=True, words="a fraction such as 0.9 for 90 %"),
}

SETTING_NAMES = tuple(f.name for f in fields(Settings) if f.name != "tolerance")

# What each setting means, in one place: the command line's help and the documentation read it.
SETTING_HELP = {
    "budget": "Total budget: a number (1000000), a change of today's total (-20%, +10%, +50000 for 50 000 more, "
              "-50000 for 50 000 less) or a factor (x1.1). Default: today's total spend.",
    "budget_mode": "'exact' spends the whole budget (default); 'at-most' may leave some unspent.",
    "objective": "What to maximize: 'ratio' (portfolio LTV:CAC, default), 'value' (customer lifetime value), "
                 "'profit' (value minus spend) or 'customers'.",
    "max_change": "Keep each channel within (1 +- F) x its current spend, e.g. 0.2 for +-20 %. Channels with no "
                  "current spend are limited by their min_spend/max_spend only.",
    "min_ratio": "Keep the portfolio LTV:CAC at or above this, e.g. 3.",
    "fixed_costs": "Acquisition costs that are not media spend (team, tools); added to the cost side of LTV:CAC. "
                   "Default 0.",
    "solver": "Solver: 'highs' (default) or 'cbc'.",
    "method": "'auto' (default) solves a budget-only model exactly by its multiplier and others by refined LPs; "
              "'lp' always uses LPs.",
    "max_active": "At most this many channels may spend anything (solved as a mixed-integer model).",
    "time_limit": "Seconds the whole command may take, reading and writing included (a frontier's budgets share "
                  "them); a mixed-integer solve (S-curves, buy-ins, `max_active`) returns its best plan by then with "
                  "its proven gap.",
    "max_payback": "Months, e.g. 12: the new customers' value by then covers spend + fixed costs.",
    "organic_customers": "Customers who come whatever the budget (blended figures only).",
    "organic_ltv": "Lifetime value of one organic customer.",
    "blended": "Apply `min_ratio` to the blended LTV:CAC (with organic customers).",
    "dims": "Dimension columns, e.g. market,period (default: market and period where present).",
    "budgets": "Budgets per dimension value: 'market:NO=1200000,market:SE=+10%,quarter:2027-Q1=9e5'.",
    "max_period_change": "Flighting: a cell's spend within (1 +- F) x its previous period's.",
    "min_active_periods": "Each channel spends (1 % of its average per period there, at least 1) in at least N "
                          "periods of each market (a mixed-integer model).",
    "simulate": "Score today's and the recommended plan under N draws; re-optimize each for stability.",
    "risk": "Certified risk-aware plan: 'expected' (mean of draws) or 'cvar:ALPHA' (worst ALPHA share).",
    "seed": "Seed of the draws from intervals (default 0); the same seed gives the same draws.",
    "target": "An LTV:CAC target: the share of draws reaching it (frontier: where the best meets it).",
    "draws": "A draws table (draw, channel, uncertain columns such as ltv) instead of intervals.",
    "interval_level": "Level of intervals without an interval_level column (default 0.9).",
}


def _names(value) -> tuple[str, ...] | None:
    """Dimension names from a list or from text such as "market,period"."""
    if value is None or isinstance(value, tuple):
        return value or None
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(v).strip() for v in items if str(v).strip()) or None


def _budgets(value) -> tuple | None:
    """Budgets per dimension value from (dimension, value, amount) triples or text "market:NO=1200000, ..."."""
    if value is None or (isinstance(value, tuple) and all(isinstance(v, tuple) for v in value)):
        return value or None
    items = value.split(",") if isinstance(value, str) else list(value)
    out = []
    for item in (str(i).strip() for i in items):
        match = re.fullmatch(r"([^:=]+):([^=]+)=(.+)", item)
        if not match:
            raise UsageError(f"`budgets`: {item!r} is not a budget; write dimension:value=amount, such as "
                             "market:NO=1200000 or period:2027-03=+10%")
        dim, key, amount = (g.strip() for g in match.groups())
        out.append((dim, key, amount))
    return tuple(out) or None


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
    fault = SIGNED.fault(value)
    if fault:
        raise UsageError(f"{text!r} as an {what} {fault}; write a number such as 800000")
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
